"""``andersonwl demo``: the three classes compared in one run."""

from __future__ import annotations


def register(sub):
    """Add the ``demo`` sub-command to the argument parser."""
    p = sub.add_parser("demo", help="compare WL, WAL and the unitary class in one run")
    p.add_argument("--out", default="demo-output",
                   help="directory for figures, datasets and summary.md (default: demo-output)")
    p.add_argument("--quick", action="store_true",
                   help="fewer realisations and sizes (about 30 s instead of about 3 min)")
    p.add_argument("--force", action="store_true",
                   help="overwrite the files of an earlier demo in --out")
    p.add_argument("--workers", type=int, default=None,
                   help="worker processes (default: one per core)")
    p.set_defaults(func=main)


def main(args):
    """Run the sub-command with the parsed arguments; return the exit code."""
    from ..simulations.demo import run_demo
    if args.workers is not None and args.workers < 1:
        raise ValueError("--workers must be at least 1")
    run_demo(args.out, quick=args.quick, workers=args.workers, force=args.force)
    return 0
