"""Transfer-matrix engine against the machine's dense matrix-product rate, side by side in one run.

    .venv/bin/python benchmarks/transfer_matrix.py [--quick] [--columns 8192] [--repeat 2]
        [--boundary hardwall] [--clock wall] [--no-threshold]

For every cross-section (2D spinless strips M = 8, 16, 32, 64; SU(2) strips
M = 16, 32; 3D bars M x M, M = 4, 6, 8; n = orbitals per column) the
engine of :func:`andersonwl.localization_length`
(:mod:`andersonwl.engines.transfer`) is timed directly through its column
iterator ``_iterate`` (no error estimates), with one BLAS thread (as
andersonwl runs it, :mod:`andersonwl._blas`):

* ``us/col``: wall time per transfer step (column) in the steady state: the
  first chunk of columns (the engine generates the bar in chunks of a few
  hundred to 8192 columns), which still runs at the starting
  re-orthogonalisation interval q = 4, is a warm-up, then at least
  ``--columns`` columns are timed chunk by chunk, ``--repeat`` times, and the
  fastest chunk counts (the least disturbed by other load); ``q`` is the
  average interval over the timed columns;
* ``build``: the part spent generating the disorder and the per-site blocks
  of the column recursion (the engine with its product step replaced by a
  stub; on the dense path the stub also builds the (2n, 2n) matrices);
* ``arith``: the engine's arithmetic, real for a spinless model without
  field (3D Anderson, 2D spinless), complex otherwise (SU(2));
* ``reorth``: one re-orthogonalisation of the (2n, n) block
  (``_Product.reorthogonalise``: Householder R by LAPACK geqrf, Q = X R^-1
  by a triangular solve, plus the log bookkeeping), beside ``QR``, the
  reduced ``numpy.linalg.qr`` it replaced (geqrf + forming Q from the
  reflectors), and its share of a column, ``reorth / q / (us/col)``;
* ``matmul``: the machine's dense reference at the same size and in the same
  arithmetic, one (2n x 2n) @ (2n x n) product: ``engine/matmul`` is the
  cost of a column in dense products of one transfer matrix.

A second table counts flops per column: the minimum of the sparse column
update, f real flops per nonzero of the upper half of T (``[[A, B], [1, 0]]``:
the identity half is a copy) times n, against the f (2n)^2 n of the dense
product (f = 2 in real, 8 in complex arithmetic), and the rates they imply
(``engine GF/s`` uses the minimum count).
A third table times both product paths (dense groups of q matrices, sparse
column structure) near the switch ``_DENSE_MAX_ORBITALS``, to check it.
No timing is asserted; the numbers depend on the machine and its load
(``--clock cpu`` counts this process's CPU time instead of wall time, which
is steadier on a shared machine; with one BLAS thread both agree on an idle one).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import time

import numpy as np

import andersonwl as aw
from andersonwl import _blas
from andersonwl.engines import transfer

__all__ = ["CASES", "THRESHOLD_CASES", "measure", "measure_paths", "main"]

# (label, width, model keywords): 2D spinless near the 2D Anderson regime used
# in the tests, SU(2) at the symplectic transition, 3D at the Anderson transition
_SPINLESS = dict(energy=0.5, disorder=4.0)
_SU2 = dict(energy=1.0, disorder=5.84, spin_orbit="su2")
_CUBIC = dict(energy=0.0, disorder=16.5)
CASES = ([("2D", m, _SPINLESS) for m in (8, 16, 32, 64)]
         + [("SU(2)", m, _SU2) for m in (16, 32)]
         + [("3D", m, dict(_CUBIC, height=m)) for m in (4, 6, 8)])
QUICK_CASES = [("2D", 8, _SPINLESS), ("2D", 16, _SPINLESS), ("SU(2)", 4, _SU2),
               ("3D", 3, dict(_CUBIC, height=3))]
# cross-sections around the dense/sparse switch (n = 6 ... 36)
THRESHOLD_CASES = ([("2D", m, _SPINLESS) for m in (6, 8, 10, 12, 14, 16, 20, 24, 32)]
                   + [("SU(2)", m, _SU2) for m in (4, 6, 8, 10, 12, 16)]
                   + [("3D", m, dict(_CUBIC, height=m)) for m in (3, 4, 5, 6)])
QUICK_THRESHOLD_CASES = [("2D", 12, _SPINLESS), ("2D", 16, _SPINLESS)]


_clock = time.perf_counter     # wall time; main(--clock cpu) switches to time.process_time


def _model(width, kw):
    return aw.StripModel(1, width, **kw)


def _orbitals(model):
    return model.width * model.height * model.norbs


@contextlib.contextmanager
def _patched(name, value):
    saved = getattr(transfer, name)
    setattr(transfer, name, value)
    try:
        yield
    finally:
        setattr(transfer, name, saved)


def _path(dense):
    """Force the dense (True) or the sparse (False) product; None: the engine's choice."""
    if dense is None:
        return contextlib.nullcontext()
    return _patched("_DENSE_MAX_ORBITALS", 10**9 if dense else 0)


def _steady(model, columns, periodic, seed=1):
    """Per-chunk (seconds, columns, re-orthogonalisations) after the first chunk."""
    gen = transfer._iterate(model, seed, periodic, 10**15)
    prod = next(gen)                       # warm-up chunk (started at q = 4)
    c0, r0 = prod.columns, len(prod.record)
    chunks = []
    t0 = _clock()
    for prod in gen:
        t1 = _clock()
        chunks.append((t1 - t0, prod.columns - c0, len(prod.record) - r0))
        c0, r0 = prod.columns, len(prod.record)
        if sum(c[1] for c in chunks) >= columns:
            break
        t0 = _clock()
    gen.close()
    return chunks


def _summary(chunks):
    """Best seconds per column over chunks (the least disturbed one) and the average q."""
    cols = sum(c[1] for c in chunks)
    reorths = sum(c[2] for c in chunks)
    return min(t / c for t, c, _ in chunks), cols / max(reorths, 1)


def _engine_time(model, columns, periodic, repeat, dense=None):
    with _path(dense):
        chunks = [c for _ in range(repeat) for c in _steady(model, columns, periodic)]
    return _summary(chunks)


def _build_time(model, columns, periodic, dense):
    """Chunks of the engine without its product step (as :func:`_steady`), and one column's T."""
    seen = {}

    def stub(prod, ops, q, cell):
        if dense:
            transfer._dense_transfer(ops, cell)
        if "ops" not in seen:
            d, lo, up, bm = ops
            seen["ops"] = (d[:1], [a[:1] for a in lo], [a[:1] for a in up], bm[:1])
            seen["cell"] = cell
        prod.columns += ops[0].shape[0]

    with _path(dense), _patched("_advance_dense", stub), _patched("_advance_sparse", stub):
        chunks = _steady(model, columns, periodic)
    return chunks, transfer._dense_transfer(seen["ops"], seen["cell"])[0]


def _per_call(fn, repeat=5, budget=0.02):
    """Best seconds per call of ``fn`` over ``repeat`` loops of about ``budget`` seconds."""
    fn()
    number, t = 1, 0.0
    while True:
        t0 = _clock()
        for _ in range(number):
            fn()
        t = _clock() - t0
        if t >= budget:
            break
        number *= 2 if t <= 0 else max(2, min(10, int(budget / t) + 1))
    best = t / number
    for _ in range(repeat - 1):
        t0 = _clock()
        for _ in range(number):
            fn()
        best = min(best, (_clock() - t0) / number)
    return best


def _reference_times(n, real, seed=0):
    """Seconds of one (2n, n) re-orthogonalisation, one numpy QR and one (2n x 2n) @ (2n x n)."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((2 * n, 2 * n))
    b = rng.standard_normal((2 * n, n))
    if not real:
        a = a + 1j * rng.standard_normal((2 * n, 2 * n))
        b = b + 1j * rng.standard_normal((2 * n, n))
    prod = transfer._Product(n, b.dtype)
    prod.q = b.copy()
    reorth = _per_call(lambda: prod.reorthogonalise(1))
    qr = _per_call(lambda: np.linalg.qr(b))
    matmul = _per_call(lambda: a @ b)
    return reorth, qr, matmul


def measure(cases, columns=8192, periodic=False, repeat=2):
    """One row (a dict) per case: engine, build, reorth, matmul times and flop counts."""
    rows = []
    for label, width, kw in cases:
        model = _model(width, kw)
        n = _orbitals(model)
        dense = n <= transfer._DENSE_MAX_ORBITALS
        real = transfer._is_real(model)
        engine, build, refs = [], [], []
        for _ in range(repeat):             # alternate, so that all parts see the same load
            engine += _steady(model, columns, periodic)
            chunks, t_one = _build_time(model, columns, periodic, dense)
            build += chunks
            refs.append(_reference_times(n, real))
        t_col, q = _summary(engine)
        t_build, _ = _summary(build)
        reorth, qr, matmul = np.min(refs, axis=0)
        nnz = int(np.count_nonzero(t_one[:n]))
        f = 2 if real else 8
        rows.append(dict(label=label, width=width, height=model.height, n=n,
                         path="dense" if dense else "sparse", q=q,
                         arith="real" if real else "complex",
                         t_col=t_col, t_build=t_build, reorth=reorth, qr=qr,
                         matmul=matmul, nnz=nnz, flops_min=f * nnz * n,
                         flops_dense=f * (2 * n) ** 2 * n))
    return rows


def measure_paths(cases, columns=8192, periodic=False, repeat=2):
    """Steady-state seconds per column of both product paths, per case."""
    rows = []
    for label, width, kw in cases:
        model = _model(width, kw)
        n = _orbitals(model)
        runs = {True: [], False: []}
        for _ in range(repeat):             # alternate, so that both see the same load
            for dense in (True, False):
                runs[dense].append(_engine_time(model, columns, periodic, 1, dense))
        (td, qd), (ts, qs) = (min(runs[d]) for d in (True, False))
        rows.append(dict(label=label, width=width, height=model.height, n=n,
                         dense=td, q_dense=qd, sparse=ts, q_sparse=qs,
                         chosen="dense" if n <= transfer._DENSE_MAX_ORBITALS else "sparse"))
    return rows


def _name(r):
    m = f"{r['width']} x {r['height']}" if r["height"] > 1 else f"{r['width']}"
    return f"{r['label']} M = {m}"


def _print_main(rows):
    print("| cross-section | n | path | arith | q | columns/s | us/col | build us/col "
          "| reorth us | QR us | reorth us/col | dense matmul us | engine / matmul "
          "| reorth share | build share |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        us = 1e6 * r["t_col"]
        re_col = 1e6 * r["reorth"] / r["q"]
        print(f"| {_name(r)} | {r['n']} | {r['path']} | {r['arith']} | {r['q']:.1f} "
              f"| {1 / r['t_col']:.0f} "
              f"| {us:.1f} | {1e6 * r['t_build']:.1f} | {1e6 * r['reorth']:.1f} "
              f"| {1e6 * r['qr']:.1f} | {re_col:.1f} | {1e6 * r['matmul']:.1f} "
              f"| {r['t_col'] / r['matmul']:.2f} "
              f"| {re_col / us:.0%} | {r['t_build'] / r['t_col']:.0%} |")


def _print_flops(rows):
    print("| cross-section | n | min flops/col (sparse) | dense matmul flops | dense / min "
          "| machine GF/s (dense matmul) | engine GF/s (min flops / us per col) "
          "| product step GF/s | machine / product step |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        machine = r["flops_dense"] / r["matmul"] / 1e9
        engine = r["flops_min"] / r["t_col"] / 1e9
        step = r["t_col"] - r["t_build"] - r["reorth"] / r["q"]
        # the product step is the difference of two timings: '-' when load made it <= 0
        step_rate = f"{r['flops_min'] / step / 1e9:.3f}" if step > 0 else "-"
        behind = f"{machine * step / r['flops_min'] * 1e9:.3g}" if step > 0 else "-"
        print(f"| {_name(r)} | {r['n']} | {r['flops_min']:.3g} | {r['flops_dense']:.3g} "
              f"| {r['flops_dense'] / r['flops_min']:.1f} | {machine:.2f} | {engine:.3f} "
              f"| {step_rate} | {behind} |")


def _print_paths(rows):
    print("| cross-section | n | dense us/col (q) | sparse us/col (q) | sparse / dense "
          "| faster | engine uses |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        ratio = r["sparse"] / r["dense"]
        print(f"| {_name(r)} | {r['n']} | {1e6 * r['dense']:.1f} ({r['q_dense']:.1f}) "
              f"| {1e6 * r['sparse']:.1f} ({r['q_sparse']:.1f}) | {ratio:.2f} "
              f"| {'dense' if ratio > 1 else 'sparse'} | {r['chosen']} |")


def _interpret(rows):
    for r in rows:
        re_share = r["reorth"] / r["q"] / r["t_col"]
        step = r["t_col"] - r["t_build"] - r["reorth"] / r["q"]
        machine = r["flops_dense"] / r["matmul"]
        print(f"- {_name(r)} (n = {r['n']}, {r['path']}): a column costs "
              f"{r['t_col'] / r['matmul']:.2f} dense (2n x 2n) @ (2n x n) products; "
              f"building it {r['t_build'] / r['t_col']:.0%}, re-orthogonalisation "
              f"{re_share:.0%}, product step {max(step, 0) / r['t_col']:.0%} "
              f"(the minimum {r['flops_min']:.2g} flops at the dense rate would take "
              f"{1e6 * r['flops_min'] / machine:.2f} us)")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true",
                   help="small cross-sections and few columns (a smoke test, seconds)")
    p.add_argument("--columns", type=int, default=None,
                   help="columns timed after the warm-up chunk (default 8192, quick 1024)")
    p.add_argument("--repeat", type=int, default=None,
                   help="best of this many engine runs (default 2, quick 1)")
    p.add_argument("--boundary", choices=transfer.BOUNDARIES, default="hardwall")
    p.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                   help="wall time (default) or this process's CPU time, steadier on a "
                        "loaded machine (one BLAS thread: equal on an idle one)")
    p.add_argument("--no-threshold", action="store_true",
                   help="skip the dense/sparse path comparison")
    args = p.parse_args(argv)
    global _clock
    _clock = time.process_time if args.clock == "cpu" else time.perf_counter
    columns = args.columns or (1024 if args.quick else 8192)
    repeat = args.repeat or (1 if args.quick else 2)
    periodic = args.boundary == "periodic"
    cases = QUICK_CASES if args.quick else CASES
    if periodic:
        cases = [c for c in cases if c[1] >= 3]
    with _blas._get_controller().limit(limits=1, user_api="blas"):
        threads = _blas.current_threads()
        print(f"transfer-matrix engine, {args.boundary} boundaries, {args.clock} clock, one "
              f"column = one transfer step; >= {columns} columns after a warm-up chunk, "
              f"x {repeat}, fastest chunk; "
              f"{threads} BLAS thread(s), {os.cpu_count()} cores, load average "
              f"{os.getloadavg()[0]:.2f}; dense path for n <= "
              f"{transfer._DENSE_MAX_ORBITALS}")
        rows = measure(cases, columns, periodic, repeat)
        print()
        _print_main(rows)
        print()
        _print_flops(rows)
        print()
        _interpret(rows)
        paths = []
        if not args.no_threshold:
            tcases = QUICK_THRESHOLD_CASES if args.quick else THRESHOLD_CASES
            paths = measure_paths(tcases, columns, periodic, repeat)
            print()
            _print_paths(paths)
            for label in dict.fromkeys(r["label"] for r in paths):
                dense_wins = [r["n"] for r in paths if r["label"] == label
                              and r["sparse"] > r["dense"]]
                print(f"- {label}: dense path faster at n = {dense_wins or 'none'} "
                      f"(engine switch: n <= {transfer._DENSE_MAX_ORBITALS})")
    return rows, paths


if __name__ == "__main__":
    main()
