"""The configs show the recipe: comments are at most a fifth of their lines, each leaf opens
with a 3-5 line header that names its drop-path rate, each base with a short one, and no config
points at the test suite or the README (the explanations live in docs/recipes.md)."""
import ast
import glob
import io
import os.path as osp
import re
import tokenize

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(glob.glob(osp.join(ROOT, 'configs', '**', '*.py'), recursive=True))
BASES = [p for p in CONFIGS if f'{osp.sep}_base_{osp.sep}' in p]
LEAVES = [p for p in CONFIGS if p not in BASES]
MAX_COMMENT_RATIO = 0.20
FORBIDDEN = re.compile(r'tests/|README|\btest_\w+\.py')


def read(path):
    with open(path) as f:
        return f.read()


def comment_lines(text):
    """Lines whose stripped text starts with ``#``, plus the lines of a module docstring."""
    count = sum(line.strip().startswith('#') for line in text.splitlines())
    module = ast.parse(text)
    if ast.get_docstring(module) is not None:
        count += module.body[0].end_lineno - module.body[0].lineno + 1
    return count


def comment_ratio(texts):
    """``(comment lines, all lines)`` over ``texts``; blank lines count as lines."""
    return (sum(comment_lines(t) for t in texts), sum(len(t.splitlines()) for t in texts))


def header(text):
    """The comment lines a config opens with."""
    lines = []
    for line in text.splitlines():
        if not line.startswith('#'):
            break
        lines.append(line)
    return lines


def mentions(text):
    """What a config says about the test suite or the README: anywhere in the file for
    ``tests/``, ``README`` and a test file's name, in its comments for ``test_``."""
    found = FORBIDDEN.findall(text)
    tokens = tokenize.generate_tokens(io.StringIO(text).readline)
    found += [t.string for t in tokens if t.type == tokenize.COMMENT and 'test_' in t.string]
    return found


def header_problems(text, leaf=True):
    """Why a config's header is not a 3-5 line header naming its drop-path rate (a leaf), or a
    1-5 line header (a base)."""
    head = header(text)
    low = 3 if leaf else 1
    problems = [] if low <= len(head) <= 5 else [f'header of {len(head)} lines, not {low}-5']
    rates = set(re.findall(r'drop_path_rate=([\d.]+)', text))
    if leaf:
        words = ' '.join(line.lstrip('#').strip() for line in head)
        if len(rates) != 1 or f'Drop path {rates.pop()}' not in words:
            problems.append('the header does not name the drop-path rate')
    return problems


def test_comments_are_at_most_a_fifth_of_config_lines():
    comments, lines = comment_ratio([read(p) for p in CONFIGS])
    assert len(CONFIGS) >= 50 and lines > 500
    assert comments / lines <= MAX_COMMENT_RATIO, f'{comments} of {lines} lines are comments'


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, ROOT))
def test_no_config_mentions_the_tests_or_the_readme(path):
    assert not mentions(read(path))


@pytest.mark.parametrize('path', LEAVES, ids=lambda p: osp.relpath(p, ROOT))
def test_a_leaf_opens_with_a_short_header_naming_its_drop_path(path):
    assert not header_problems(read(path))


@pytest.mark.parametrize('path', BASES, ids=lambda p: osp.relpath(p, ROOT))
def test_a_base_opens_with_a_short_header(path):
    assert not header_problems(read(path), leaf=False)


def test_the_checks_see_a_bad_config():
    good = ('# UperNet + X-T on ADE20K.\n# Recipe: the paper.\n# Drop path 0.2 (paper).\n'
            "model = dict(backbone=dict(drop_path_rate=0.2))  # a why, inline\n"
            "test_cfg = dict(mode='whole')\n")
    assert comment_ratio([good]) == (3, 5)
    assert not header_problems(good) and not mentions(good)
    long_header = '# what\n' * 6 + "model = dict(backbone=dict(drop_path_rate=0.2))\n"
    assert header_problems(long_header) == ['header of 6 lines, not 3-5',
                                            'the header does not name the drop-path rate']
    assert header_problems(good.replace('Drop path 0.2', 'Drop path 0.3')) == [
        'the header does not name the drop-path rate']
    assert header_problems('# one line\nx = 1\n', leaf=False) == []
    docstring = '"""A\nmodule docstring.\n"""\n' + good
    assert comment_ratio([docstring]) == (6, 8)
    assert 'tests/' in mentions(good + '# checked by tests/test_configs.py\n')
    assert mentions(good + "path = 'test_configs.py'\n") == ['test_configs.py']
    assert mentions(good + '# see README "Reliability"\n') == ['README']
    assert mentions(good + '# test_configs checks it\n') == ['# test_configs checks it']
    assert comment_ratio([good, '# a\n# b\n# c\nx = 1\n']) == (6, 9)
    assert 6 / 9 > MAX_COMMENT_RATIO
