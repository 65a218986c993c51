"""``andersonwl run EXPERIMENT.toml -o RESULT.nc``."""

from __future__ import annotations

import sys
import time
from pathlib import Path

__all__ = ["register", "main"]


def register(sub):
    """Add the ``run`` sub-command to the argument parser."""
    p = sub.add_parser(
        "run", help="run an ensemble experiment (TOML) and write the result (netCDF)",
        description="Compute the conductance ensemble of an experiment file (see "
                    "andersonwl.ensemble.experiment for the schema) and write an xarray Dataset as "
                    "netCDF/HDF5.  Finished work is checkpointed in RESULT.nc.parts/.")
    p.add_argument("experiment", help="experiment file (TOML)")
    p.add_argument("-o", "--output", required=True, help="result file (netCDF, .nc)")
    p.add_argument("--workers", type=int, default=None,
                   help="worker processes (default: [run] workers, else one per core)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run on the Dask cluster at ADDRESS (tcp://HOST:PORT), or start a "
                        "local one with 'local-dask'")
    p.add_argument("--resume", action="store_true",
                   help="continue an interrupted run from its checkpoint")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.add_argument("--dashboard", action="store_true",
                   help="with --scheduler local-dask: serve the Dask dashboard on 127.0.0.1 "
                        "(off by default)")
    p.set_defaults(func=main)


def main(args):
    """Run the sub-command with the parsed arguments; return the exit code."""
    from ..ensemble import run
    from ..ensemble.executors import dask_client
    from ..ensemble.experiment import load_experiment

    if args.workers is not None and args.workers < 1:
        raise ValueError("--workers must be at least 1")
    exp = load_experiment(args.experiment)   # all validation before any start-up
    output = Path(args.output)
    if output.resolve() == Path(args.experiment).resolve():
        raise ValueError(f"-o {output} is the experiment file itself: give the result "
                         "another name (RESULT.nc)")
    if not output.parent.is_dir():                   # paths checked before any connection
        raise FileNotFoundError(f"the directory of {output} does not exist")
    progress = False if args.quiet else None
    t0 = time.perf_counter()
    if args.scheduler is None:
        ds = run(exp, output=output, resume=args.resume, workers=args.workers,
                 progress=progress)
    else:
        if args.scheduler != "local-dask" and args.workers is not None:
            print("andersonwl run: --workers is ignored with a scheduler address",
                  file=sys.stderr)
        with dask_client(args.scheduler, args.workers or exp.workers,
                         dashboard=args.dashboard) as client:
            ds = run(exp, client, output=output, resume=args.resume, progress=progress)
    n = int(ds["count"].sum())
    print(f"wrote {args.output}: {int(ds['count'].size)} grid point(s), {n} realisations "
          f"({time.perf_counter() - t0:.1f} s)")
    return 0
