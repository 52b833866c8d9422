"""The ``twinnet`` command."""

import argparse
import sys

from twinnet import __version__, registry
from twinnet.twins import MODULES


def command_list(args):
    """Print every registered operation, grouped by module."""
    for module_name in MODULES:
        operations = registry.by_module(module_name)
        print(f"{module_name} ({len(operations)})")
        for operation in operations:
            summary = (operation.pure.__doc__ or "").strip().splitlines()[0]
            print(f"  {operation.name:<36} {summary}")
    print(f"{len(registry.OPERATIONS)} operations, each in pure/ and vectorized/")
    return 0


def build_parser():
    parser = argparse.ArgumentParser(
        prog="twinnet",
        description="Neural networks from scratch, written twice: loops (pure) and NumPy (vectorized).",
    )
    parser.add_argument("--version", action="version", version=f"twinnet {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    listing = commands.add_parser("list", help="list every operation that exists in both twins")
    listing.set_defaults(run=command_list)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 0
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
