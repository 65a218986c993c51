"""Run an andersonwl experiment on a SLURM cluster through Dask (dask-jobqueue).

    pip install dask-jobqueue          # once, in the environment that has andersonwl
    python examples/run_slurm.py examples/thesis_beta_su2.toml results/su2.nc \\
        --jobs 4 --cores 32 --memory 64GB --walltime 12:00:00 --queue compute

Each SLURM job is a Dask worker node with ``--cores`` single-threaded worker processes
(one BLAS thread each): ``SLURMCluster(...)`` describes the jobs, ``cluster.scale(jobs=...)``
submits them, ``Client(cluster)`` connects, and
``andersonwl.run(experiment, executor=client, output=..., resume=True)`` sends the chunks of
realisations to the workers.  Finished chunks are checkpointed in ``OUTPUT.parts/`` on the
machine that runs this script (a login node or a small job of its own; put OUTPUT on a
persistent file system), so a run cut by the walltime, a pre-emption or a lost node
continues where it stopped when the same command is started again; a complete OUTPUT is
only loaded.  The result does not depend on the number of jobs or workers.  The workers
need andersonwl installed in the same environment.

Expected run time: the core-hours in the header of the experiment file divided by the
number of worker processes (jobs x cores), plus the time in the SLURM queue; the
scheduling overhead is small for chunks of a second or more (``[run] chunk``).
dask-jobqueue is not a dependency of andersonwl: it is imported inside :func:`main`, so
this file compiles, and its argument parser works, without it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["parse_args", "main"]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("experiment", type=Path, help="experiment file (TOML)")
    p.add_argument("output", type=Path, help="result file (netCDF); checkpoints in OUTPUT.parts/")
    p.add_argument("--jobs", type=int, default=4, help="SLURM jobs (worker nodes), default 4")
    p.add_argument("--cores", type=int, default=32,
                   help="cores = single-threaded worker processes per job, default 32")
    p.add_argument("--memory", default="64GB", help="memory per job, default 64GB")
    p.add_argument("--walltime", default="12:00:00", help="walltime per job, default 12:00:00")
    p.add_argument("--queue", default=None, help="SLURM partition")
    p.add_argument("--account", default=None, help="SLURM account")
    p.add_argument("--job-extra", action="append", default=[], metavar="DIRECTIVE",
                   help="extra #SBATCH directive, e.g. --job-extra=--qos=long (repeatable)")
    args = p.parse_args(argv)
    if args.jobs < 1 or args.cores < 1:
        p.error("--jobs and --cores must be positive")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    import andersonwl
    from andersonwl.ensemble.experiment import load_experiment

    experiment = load_experiment(args.experiment)    # validated before any job is submitted
    args.output.parent.mkdir(parents=True, exist_ok=True)

    # imported here: dask-jobqueue is needed to run, not to read or compile this file
    from dask.distributed import Client
    from dask_jobqueue import SLURMCluster

    blas = [f"export {v}=1" for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                      "MKL_NUM_THREADS")]
    cluster = SLURMCluster(
        cores=args.cores, processes=args.cores,        # one thread per worker process
        memory=args.memory, walltime=args.walltime, queue=args.queue, account=args.account,
        job_script_prologue=blas, job_extra_directives=args.job_extra,
        log_directory=str(args.output.parent / "dask-logs"))
    print(cluster.job_script(), file=sys.stderr)
    cluster.scale(jobs=args.jobs)
    try:
        with Client(cluster) as client:
            ds = andersonwl.run(experiment, executor=client, output=args.output, resume=True)
    finally:
        cluster.close()
    print(f"wrote {args.output}: {int(ds['count'].size)} grid point(s), "
          f"{int(ds['count'].sum())} realisations")
    return 0


if __name__ == "__main__":
    sys.exit(main())
