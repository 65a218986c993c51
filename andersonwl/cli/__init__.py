"""The ``andersonwl`` command line.

Each sub-command lives in its own module, which provides
``register(subparsers)``; the module's ``main`` function receives the parsed
arguments.
"""

from __future__ import annotations

import argparse
import importlib
import sys

__all__ = ["main", "SUBCOMMANDS"]

#: sub-command name -> module implementing ``register(subparsers)``
SUBCOMMANDS = {
    "demo": "andersonwl.cli.demo",
    "run": "andersonwl.cli.run",
    "fit": "andersonwl.cli.fit",
    "scaling": "andersonwl.cli.scaling",
}


def build_parser() -> argparse.ArgumentParser:
    from .._version import __version__
    parser = argparse.ArgumentParser(
        prog="andersonwl",
        description="Weak localization, anti-localization and scaling in disordered strips.")
    parser.add_argument("--version", action="version", version=f"andersonwl {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in SUBCOMMANDS.values():
        importlib.import_module(module).register(sub)
    return parser


def main(argv=None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (ValueError, TypeError, FileNotFoundError) as exc:
        print(f"andersonwl {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
