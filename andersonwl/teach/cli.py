"""``andersonwl teach [--host H] [--port P] [--no-browser] [--export DIR]``."""

from __future__ import annotations

import sys

__all__ = ["register", "main"]


def register(sub):
    """Add the ``teach`` sub-command to the argument parser."""
    p = sub.add_parser(
        "teach", help="live lecture demo of WL, WAL and the unitary class in a local web page",
        description="Start a local web application (standard library server on 127.0.0.1, "
                    "one self-contained page) with live magnetoconductance cusps, HLN/ILP "
                    "fits, P(g) and the beta(g) flow of the three classes; or, with --export "
                    "DIR, write an offline page with a precomputed grid.")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1, this machine only; another "
                        "address prints a warning: there is no authentication)")
    p.add_argument("--port", type=int, default=0, help="port (default 0: a free port)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.add_argument("--size", type=int, default=None,
                   help="default sample size L = W (default 24; smaller on a slow machine)")
    p.add_argument("--realizations", type=int, default=None,
                   help="realisations per control set (live default 400, export default 160)")
    p.add_argument("--export", metavar="DIR", default=None,
                   help="write DIR/index.html, a self-contained offline page with a "
                        "precomputed grid of presets and disorders, instead of serving")
    p.add_argument("--disorders", type=float, nargs="+", default=None, metavar="W",
                   help="with --export: the disorders of the grid (default 3 4 5)")
    p.add_argument("--force", action="store_true",
                   help="with --export: overwrite an existing page")
    p.add_argument("--log", action="store_true", help="log every request on stderr")
    p.set_defaults(func=main)


def main(args):
    """Run the sub-command with the parsed arguments; return the exit code."""
    from . import EXPORT_DISORDERS, export, serve
    if not 0 <= args.port <= 65535:
        raise ValueError("--port must be between 0 and 65535")
    defaults = {}
    if args.size is not None:
        defaults["size"] = args.size
    if args.export is None:
        if args.disorders is not None or args.force:
            raise ValueError("--disorders and --force go with --export DIR")
        if args.realizations is not None:
            defaults["realizations"] = args.realizations
        serve(args.host, args.port, open_browser=not args.no_browser, defaults=defaults,
              quiet=not args.log)
        return 0
    path = export(args.export, disorders=args.disorders or EXPORT_DISORDERS,
                  realizations=args.realizations or 160, defaults=defaults, force=args.force,
                  progress=sys.stderr)
    print(f"wrote {path}: open it in a browser (works offline)")
    return 0
