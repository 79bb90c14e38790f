"""The README and docs/ stay true to the tree: the README is a user's page (at most 300 lines,
no run or issue labels), and every test file or test they name exists."""
import glob
import os.path as osp
import re

from tests.conftest import ROOT

PAGES = ['README.md'] + sorted(osp.relpath(p, ROOT) for p in glob.glob(osp.join(ROOT, 'docs',
                                                                             '*.md')))


def _read(path):
    with open(osp.join(ROOT, path)) as f:
        return f.read()


def test_readme_is_a_users_page():
    readme = _read('README.md')
    assert len(readme.splitlines()) <= 300
    labels = re.findall(r'\b(?:[Rr]uns? \d+|[Ii]ssue \d+)\b', readme)
    assert not labels, labels


def test_named_test_files_exist():
    tests = {osp.basename(p): p for p in glob.glob(osp.join(ROOT, 'tests', '**', 'test_*.py'),
                                                   recursive=True)}
    for page in PAGES:
        text = _read(page)
        for path in re.findall(r'\btests/[\w/]+\.py\b', text):
            assert osp.isfile(osp.join(ROOT, path)), (page, path)
        for name, function in re.findall(r'`(test_\w+\.py)(?:::(\w+))?', text):
            assert name in tests, (page, name)
            if function:
                assert f'def {function}(' in _read(tests[name]), (page, name, function)
