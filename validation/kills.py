"""Kill `andersonwl run` at random moments, resume, and compare with an uninterrupted run.

    .venv/bin/python validation/kills.py [--trials 20] [--kills 3] [--workers 2] [--seed 1]

Each trial runs ``andersonwl run EXP -o r.nc --resume`` as its own process
group and SIGKILLs the whole group (the pool workers included) after a random
delay, uniform between 0 and the time of an uninterrupted run, up to
``--kills`` times; then it lets the run finish.  What each kill left is
recorded (nothing, a checkpoint with k chunks, the result file), and the
final result must be bitwise equal to an uninterrupted run's conductances and
identical in every variable.  Prints a markdown table (the figures of
docs/validation.md).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import xarray as xr

EXPERIMENT = """
[model]
length = 12
width = 10
energy = 0.5
disorder = 2.0
flux = [0.0, 0.01, 0.02]

[ensemble]
seed = 7
realizations = 600

[run]
chunk = 10
"""


def _command(exp, out, workers):
    return [sys.executable, "-m", "andersonwl", "run", str(exp), "-o", str(out), "--resume",
            "--workers", str(workers), "--quiet"]


def _state(out: Path) -> str:
    parts = out.with_name(out.name + ".parts")
    if out.exists():
        return "result written"
    if parts.is_dir():
        return f"checkpoint, {len(list(parts.glob('chunk-*.bin')))} chunks"
    return "nothing"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--trials", type=int, default=20)
    p.add_argument("--kills", type=int, default=3, help="kills per trial (default 3)")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--seed", type=int, default=1, help="seed of the kill times")
    args = p.parse_args(argv)
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        exp = tmp / "exp.toml"
        exp.write_text(EXPERIMENT)
        whole = tmp / "whole.nc"
        t0 = time.perf_counter()
        subprocess.run(_command(exp, whole, args.workers), check=True, stdout=subprocess.DEVNULL)
        full = time.perf_counter() - t0
        ref = xr.load_dataset(whole, engine="h5netcdf")
        rows, equal, kills, chunks_kept = [], 0, 0, 0
        for trial in range(args.trials):
            out = tmp / f"t{trial}.nc"
            states = []
            for _ in range(args.kills):
                proc = subprocess.Popen(_command(exp, out, args.workers), start_new_session=True,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                time.sleep(rng.uniform(0.0, full))
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGKILL)
                    kills += 1
                _, err = proc.communicate(timeout=120)
                if proc.returncode not in (0, -signal.SIGKILL):
                    raise SystemExit(f"trial {trial}: exit {proc.returncode}: {err.decode()}")
                states.append(_state(out))
                if proc.returncode == 0:
                    break
            if not out.exists():
                subprocess.run(_command(exp, out, args.workers), check=True,
                               stdout=subprocess.DEVNULL)
            got = xr.load_dataset(out, engine="h5netcdf")
            same = (got["conductance"].values.tobytes() == ref["conductance"].values.tobytes()
                    and got.drop_attrs().identical(ref.drop_attrs()))
            equal += same
            chunks_kept += sum(int(s.split(", ")[1].split()[0]) for s in states
                               if s.startswith("checkpoint"))
            rows.append((trial, "; ".join(states), "yes" if same else "NO"))
            for path in tmp.glob(f"t{trial}.nc*"):
                if path.is_file():
                    path.unlink()
        print(f"uninterrupted run: {full:.1f} s, {args.workers} workers, "
              f"{ref['conductance'].size} realisations in {3 * 600 // 10} chunks")
        print("| trial | state after each kill | bitwise equal |")
        print("|---|---|---|")
        for row in rows:
            print(f"| {row[0]} | {row[1]} | {row[2]} |")
        print(f"\n{kills} kills in {args.trials} trials; {equal}/{args.trials} results bitwise "
              f"equal to the uninterrupted run; {chunks_kept} checkpointed chunks seen after "
              "the kills")
        if equal != args.trials:
            raise SystemExit(1)
        assert np.all(np.isfinite(ref["conductance"].values))


if __name__ == "__main__":
    main()
