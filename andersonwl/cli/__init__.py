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
    "teach": "andersonwl.teach.cli",
}


def build_parser() -> argparse.ArgumentParser:
    from .._version import __version__
    parser = argparse.ArgumentParser(
        prog="andersonwl",
        description="Weak localization, anti-localization and scaling in disordered strips.")
    parser.add_argument("--version", action="version", version=f"andersonwl {__version__}")
    parser.add_argument("--debug", action="store_true",
                        help="show the traceback of an error instead of a one-line message")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in SUBCOMMANDS.values():
        importlib.import_module(module).register(sub)
    return parser


#: exit code of a usage error (bad arguments, bad or unusable input files)
USAGE_ERROR = 2
#: exit code of a run that failed (a computation, the disk, a scheduler)
RUN_FAILURE = 1


def main(argv=None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit code.

    Every expected failure is a one-line message that names the file and the
    fix: exit code 2 (:data:`USAGE_ERROR`) for bad arguments and input files,
    1 (:data:`RUN_FAILURE`) for a run that failed (a chunk, a full disk, a
    scheduler), 130 when interrupted.  ``--debug`` shows the traceback.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print(f"andersonwl {args.command}: interrupted (finished work is kept; rerun with "
              "--resume where the command has it)", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug:
            raise
        code = USAGE_ERROR if isinstance(exc, _USAGE) else RUN_FAILURE
        what = "" if isinstance(exc, (ValueError, TypeError, OSError)) else \
            f"{type(exc).__name__}: "
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"andersonwl {args.command}: error: {what}{message}", file=sys.stderr)
        return code


# errors in what the user gave (arguments, files), as opposed to failures of a run
_USAGE = (ValueError, TypeError, FileNotFoundError, FileExistsError, IsADirectoryError,
          NotADirectoryError, PermissionError, UnicodeDecodeError)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
