"""``andersonwl demo``."""

from __future__ import annotations


def register(sub):
    p = sub.add_parser("demo", help="compare the three Wigner-Dyson classes in one run")
    p.add_argument("--quick", action="store_true", help="smaller samples, fewer realisations")
    p.add_argument("--realizations", type=int, default=None,
                   help="realisations per class (default 100, 20 with --quick)")
    p.set_defaults(func=main)


def main(args):
    from .demo import run_demo
    if args.realizations is not None and args.realizations < 2:
        raise ValueError("--realizations must be at least 2")
    run_demo(quick=args.quick, realizations=args.realizations)
    return 0
