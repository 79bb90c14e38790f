"""List the configs that ship with the package, as ``mmseg_inceptionnext::NAME``.

    python -m mmseg_inceptionnext configs [PATTERN] [--paths]
"""
import argparse
import fnmatch


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('pattern', nargs='?', default='*',
                        help="shell pattern on the name, e.g. 'upernet_*' (default: all)")
    parser.add_argument('--paths', action='store_true', help='print file paths instead')
    args = parser.parse_args(argv)
    from ..plugin.config_names import PREFIX, config_names, config_path
    names = [n for n in config_names() if fnmatch.fnmatch(n, args.pattern)]
    for name in names:
        print(config_path(name) if args.paths else f'{PREFIX}{name}')
    return 0 if names else 1
