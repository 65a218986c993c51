"""Write the teaching notebooks of andersonwl (notebooks/*.ipynb) from this file.

    python notebooks/_build_notebooks.py [OUTDIR]

The notebooks are generated, not edited by hand: every cell is a string below,
so a change to a notebook is a readable diff of this file.  They are written
without outputs and with fixed cell ids (nbformat 4.5), so that building twice
gives the same bytes; ``tests/test_notebooks.py`` checks that the committed
notebooks are what this script writes, and executes them with
``ANDERSONWL_QUICK=1``.

Every notebook's first code cell reads ``QUICK`` from the environment variable
``ANDERSONWL_QUICK`` and picks its sizes and numbers of realisations from it:
quick mode (the test suite) runs in well under a minute, full mode is a
classroom demonstration of a few minutes on two cores.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent


def md(text: str):
    return ("markdown", textwrap.dedent(text).strip("\n"))


def code(text: str):
    return ("code", textwrap.dedent(text).strip("\n"))


def setup(parameters: str, *, executor: bool = True) -> tuple:
    """The first code cell: QUICK, imports, the notebook's parameters (and an executor)."""
    params = textwrap.dedent(parameters).strip("\n")
    pools = ("import multiprocessing\n"
             "from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor\n\n"
             if executor else "")
    head = textwrap.dedent('''\
        import os

        QUICK = os.environ.get("ANDERSONWL_QUICK", "0") == "1"
        # one BLAS thread per process: parallel work comes from worker processes
        for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(_var, "1")

        ''') + pools + textwrap.dedent('''\
        import matplotlib.pyplot as plt
        import numpy as np

        import andersonwl as aw

        %matplotlib inline
        ''')
    text = head + "\n" + params
    if executor:
        text += "\n\n" + textwrap.dedent('''\
            # Quick mode: the jobs are tiny, and one thread avoids starting worker processes
            # (a few seconds each).  Full mode: one spawned worker process per core.
            EXECUTOR = (ThreadPoolExecutor(max_workers=1) if QUICK else
                        ProcessPoolExecutor(max_workers=os.cpu_count(),
                                            mp_context=multiprocessing.get_context("spawn")))''')
    return ("code", text.strip("\n"))


CONVENTIONS = """\
**Conventions** (as everywhere in andersonwl): square lattice, lattice constant $a = 1$,
hopping $t = 1$, energies from the band centre; box disorder $\\varepsilon_i \\in [-W/2, W/2]$;
$g = G/(e^2/h)$ **summed over spin** (a spinless model counts one spin species); the field
is the **flux per plaquette $\\phi$ in units of $h/e$**; the characteristic field of a length
$L_x$ is $B_x = \\hbar/(4 e L_x^2)$, i.e. $\\phi_x = 1/(8\\pi L_x^2)$ in lattice units."""


# ---------------------------------------------------------------------------
# 01: weak localization
# ---------------------------------------------------------------------------
NB01 = [
    md(r"""
    # 1. Weak localization: coherent backscattering and the magnetoconductance cusp

    A disordered conductor at low temperature conducts *less* than the Drude formula predicts.
    The reason is interference: every closed diffusive path has a time-reversed partner with
    exactly the same phase when the Hamiltonian is time-reversal symmetric, so the probability
    to come back is doubled (**coherent backscattering**) and the conductance is reduced
    (**weak localization**, WL).  A perpendicular field gives the two partners an
    Aharonov-Bohm phase difference $4\pi\Phi/(h/e)$ and destroys the enhancement for loops
    that enclose more than about one flux quantum: the conductance *rises* with field, in a
    cusp of width $B_\phi \propto 1/L_\phi^2$.

    In this notebook we

    1. see coherent backscattering directly in the reflection matrix of a disordered strip,
    2. measure the magnetoconductance cusp of the orthogonal class (AI) and fit it with the
       Hikami-Larkin-Nagaoka (HLN) formula,
    3. show that in a fully coherent simulation the cusp width is set by the **sample size**:
       $L_\phi$ grows in proportion to $L$.

    References: S. Hikami, A. I. Larkin, Y. Nagaoka, Prog. Theor. Phys. 63, 707 (1980) (HLN);
    C. W. J. Beenakker, Rev. Mod. Phys. 69, 731 (1997); F. Evers, A. D. Mirlin,
    Rev. Mod. Phys. 80, 1355 (2008).
    """),
    md(CONVENTIONS),
    setup('''\
        from andersonwl.plots import plot_magnetoconductance
        from andersonwl.scaling import ioffe_regel

        ENERGY, DISORDER = 0.9, 3.0     # away from the lead subband edges for the sizes below
        X = np.array([0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2])   # flux x L^2: fields scale as 1/L^2
        if QUICK:   # test-suite sizes: the whole notebook in < 40 s on a busy 2-core machine
            L_CUSP, N_CUSP = 20, 300
            SIZES, N_SIZES = (12, 20, 32), (300, 200, 100)
            N_CBS = 60
        else:       # classroom demonstration: a few minutes on 2 cores
            L_CUSP, N_CUSP = 32, 2000
            SIZES, N_SIZES = (16, 32, 64), (3000, 1000, 500)
            N_CBS = 400
        print("quick mode" if QUICK else "full mode")'''),
    md(r"""
    ## The sample

    A spinless strip (one spin species) without spin-orbit coupling or field: the symmetry
    class is found numerically from the Hamiltonian of a realisation (it has an antiunitary
    symmetry $T = K$ with $T^2 = +1$: orthogonal class AI).  Weak localization needs the
    *diffusive* regime, mean free path $l \ll L$; `ioffe_regel` estimates $l$ from the
    conductance of short samples, and $k_F l \gg 1$ says that we are in the weak-disorder
    (metallic) regime where the perturbative theory applies.
    """),
    code('''\
        model = aw.StripModel(length=L_CUSP, width=L_CUSP, energy=ENERGY, disorder=DISORDER)
        regime = ioffe_regel(model, realizations=20)
        print(f"class {aw.symmetry_class(model)}, {aw.open_channels(model)} open channels")
        print(f"mean free path l = {regime['l']:.2f} a, k_F l = {regime['k_F_l']:.1f}, "
              f"sample {L_CUSP} x {L_CUSP}: L / l = {L_CUSP / regime['l']:.1f}")'''),
    md(r"""
    ## Coherent backscattering in the reflection matrix

    The reflection matrix $r$ (lead 0 back into lead 0) of a time-reversal-symmetric sample is
    symmetric, $r = r^T$, in Kwant's lead-mode basis.  The two time-reversed paths from mode
    $m$ back into the *same* mode $m$ interfere constructively, so on average
    $\langle |r_{mm}|^2\rangle \approx 2 \langle |r_{nm}|^2 \rangle$ ($n \ne m$): the
    backscattering peak of optics, with enhancement factor 2 in the orthogonal class.  A field
    breaks time reversal (unitary class A) and the factor drops to 1.
    """),
    code('''\
        def backscattering_enhancement(model, realizations):
            """Per lead mode m: <|r_mm|^2> / <|r_nm|^2>_{n != m}, and max |r - r^T|."""
            same, other, asym = 0.0, 0.0, 0.0
            for seed in range(realizations):
                r = aw.scattering_matrix(model, seed).submatrix(0, 0)
                p = np.abs(r) ** 2
                same = same + np.diag(p)
                other = other + (p.sum(axis=0) - np.diag(p)) / (len(p) - 1)
                asym = max(asym, np.abs(r - r.T).max())
            return same / other, asym

        phi_a = 3.2 / L_CUSP**2        # about 15 B_phi: the Cooperon is gone
        ratio_ai, asym_ai = backscattering_enhancement(model, N_CBS)
        ratio_a, asym_a = backscattering_enhancement(model.replace(flux=phi_a), N_CBS)
        print(f"AI: max |r - r^T| = {asym_ai:.1e};  median enhancement {np.median(ratio_ai):.2f}")
        print(f"A (flux {phi_a:.4f}): max |r - r^T| = {asym_a:.1e};  "
              f"median enhancement {np.median(ratio_a):.2f}")

        fig, ax = plt.subplots(figsize=(6, 3))
        modes = np.arange(len(ratio_ai))
        ax.bar(modes - 0.2, ratio_ai, 0.4, label="AI (no field)")
        ax.bar(modes + 0.2, ratio_a, 0.4, label=f"A (flux {phi_a:.4f} h/e)")
        ax.axhline(2, color="k", ls="--", lw=1)
        ax.axhline(1, color="k", ls=":", lw=1)
        ax.set_ylim(0, 4)
        ax.set_xlabel("lead mode m")
        ax.set_ylabel(r"$\\langle|r_{mm}|^2\\rangle / \\langle|r_{nm}|^2\\rangle$")
        ax.legend(fontsize=8)
        plt.show()'''),
    md(r"""
    Most modes show the factor of about 2 without field and about 1 with it, and the median
    over modes is close to 2 and 1.  A few modes deviate, most of all those at the two ends of
    Kwant's list (sorted by longitudinal momentum; the first is the slowest mode): in a sample
    only a few mean free paths long the channels are not all mixed equally, and the ratio then
    also contains mode-dependent classical reflection.  The factor 2 is a statement about
    diffusive, fully mixed channels.

    ## The magnetoconductance cusp and the HLN fit

    `andersonwl.magnetoconductance` computes $\langle g(\phi)\rangle - \langle g(0)\rangle$
    with the *same* disorder realisations at every flux (common random numbers): the paired
    differences have far smaller errors than two independent means.  Without magnetic
    impurities $G(B) = G(-B)$ exactly (Onsager), so `symmetrize=False` halves the work.

    HLN: $\Delta\sigma(B) = \frac{\alpha}{\pi}\,Y(B_\phi/B)$ in $e^2/h$ with
    $Y(x) = \psi(1/2 + x) - \ln x$ and $B_\phi = \hbar/(4eL_\phi^2)$.  For WL, $\alpha = +1$ for
    a spin-degenerate sample and **$\alpha = +1/2$ for our spinless model** (one spin
    species).  $\Delta\sigma = \Delta g\,L/W$ is the conductance per square.
    """),
    code('''\
        ds = aw.magnetoconductance(model, X / L_CUSP**2, N_CUSP, seed=1, executor=EXECUTOR,
                                   symmetrize=False)
        fit = aw.fit_magnetoconductance(ds.flux.values[1:], ds.delta_sigma.values[1:],
                                        sigma_err=ds.delta_sigma_err.values[1:])
        print(f"cusp: {aw.classify_cusp(ds)};  open channels across the sweep: "
              f"{sorted(set(ds.open_channels.values.tolist()))}")
        print(fit.summary())
        print(f"L_phi / L = {fit.values['l_phi'] / L_CUSP:.2f}")
        plot_magnetoconductance({f"AI, {L_CUSP} x {L_CUSP}, N = {N_CUSP}": ds})'''),
    md(r"""
    The cusp is positive (WL) and quadratic at the lowest fields ($Y \approx (B/B_\phi)^2/24$),
    as HLN predicts.  Two things are *not* the textbook values, and both are properties of a
    finite, fully coherent sample:

    * **$L_\phi$ is set by the sample.**  Nothing dephases in a Landauer simulation; the
      longest loops are cut off because the electron leaves the sample into the leads.  The
      fitted $L_\phi$ is a fraction of $L$.
    * **$\alpha$ is not the ideal 1/2 of a spinless film** (full mode, $L = 32$:
      $0.58 \pm 0.05$; it changes with the sample size, below).  HLN describes an infinite
      film with $L_\phi \gg l$; here $L$ is only about ten mean free paths and the loops are
      truncated by a hard boundary, not by an exponential decay.  The fluxes share their
      realisations, so the points are correlated: with the diagonal errors used here
      $\chi^2$ is not a goodness-of-fit test and the errors of $\alpha$ and $L_\phi$ (which
      are strongly correlated) are only indicative.

    Spin degeneracy is exact: the spinful model with `rashba=0` has two identical spin species
    and exactly twice the conductance, realisation by realisation; its HLN prefactor is
    therefore twice that of the spinless model ($\alpha = 1$ ideally).
    """),
    code('''\
        spinful = model.replace(spin_orbit="rashba")          # rashba = 0: two spin species
        print([round(aw.conductance(spinful, s) / aw.conductance(model, s), 12) for s in range(4)])'''),
    md(r"""
    ## The cusp width scales with the sample size

    If the sample sets $L_\phi$, then $B_\phi \propto 1/L_\phi^2 \propto 1/L^2$: square
    samples of different sizes should have the same cusp when plotted against
    $\phi L^2$ (the flux through the whole sample).  We sweep each size over the same values
    of $\phi L^2$ and fit $L_\phi$ for each.
    """),
    code('''\
        results = {}
        for L, n in zip(SIZES, N_SIZES):
            m = model.replace(length=L, width=L)
            sweep = aw.magnetoconductance(m, X / L**2, n, seed=2, executor=EXECUTOR,
                                          symmetrize=False)
            f = aw.fit_magnetoconductance(sweep.flux.values[1:], sweep.delta_sigma.values[1:],
                                          sigma_err=sweep.delta_sigma_err.values[1:])
            results[L] = (sweep, f)
            v, e = f.values, f.errors
            print(f"L = {L:3d} (N = {n:4d}): <g(0)> = {float(sweep.g_mean[0]):.2f}, "
                  f"alpha = {v['alpha']:.2f} +- {e['alpha']:.2f}, "
                  f"L_phi = {v['l_phi']:.1f} +- {e['l_phi']:.1f}, L_phi / L = {v['l_phi'] / L:.2f}")

        fig, axes = plt.subplots(1, 3, figsize=(13, 3.6), layout="constrained")
        for L, (sweep, f) in results.items():
            phi = sweep.flux.values
            line = axes[0].errorbar(phi, sweep.delta_g, sweep.delta_g_err, fmt="o", ms=3,
                                    label=f"L = {L}")
            axes[1].errorbar(phi * L**2, sweep.delta_g, sweep.delta_g_err, fmt="o", ms=3,
                             color=line[0].get_color(), label=f"L = {L}")
            grid = np.linspace(0, phi.max(), 200)
            axes[1].plot(grid * L**2, f.predict(grid), color=line[0].get_color(), lw=1)
        axes[0].set_xlabel(r"flux per plaquette $\\phi$ ($h/e$)")
        axes[1].set_xlabel(r"$\\phi L^2$ (flux through the sample, $h/e$)")
        for ax in axes[:2]:
            ax.set_ylabel(r"$\\langle g(\\phi)\\rangle - \\langle g(0)\\rangle$ ($e^2/h$)")
            ax.legend(fontsize=8)
        sizes = np.array(list(results))
        lphi = np.array([f.values["l_phi"] for _, f in results.values()])
        lerr = np.array([f.errors["l_phi"] for _, f in results.values()])
        slope = np.sum(lphi * sizes / lerr**2) / np.sum(sizes**2 / lerr**2)
        axes[2].errorbar(sizes, lphi, lerr, fmt="o")
        axes[2].plot([0, sizes.max()], [0, slope * sizes.max()], "k--", lw=1,
                     label=f"$L_\\\\phi = {slope:.2f}\\\\,L$")
        axes[2].set_xlim(0, None)
        axes[2].set_ylim(0, None)
        axes[2].set_xlabel("sample size L (a)")
        axes[2].set_ylabel(r"fitted $L_\\phi$ (a)")
        axes[2].legend()
        plt.show()
        print(f"L_phi / L from a fit through the origin: {slope:.2f}")'''),
    md(r"""
    **What we see.**  The cusps of different sizes fall close to one curve against
    $\phi L^2$, and the fitted $L_\phi$ grows in proportion to $L$ (full mode:
    $L_\phi/L$ = 0.39, 0.34, 0.31 for $L$ = 16, 32, 64, i.e. $L_\phi \approx 0.36\,L$):
    the cusp width $B_\phi \propto 1/L^2$.  This is the finite-size
    version of $B_\phi \propto 1/L_\phi^2$; in a real film $L_\phi = \sqrt{D\tau_\phi}$ is set by
    inelastic processes (notebook 5), and the sample is much larger than $L_\phi$.

    **Honest caveats.**  (i) The amplitude is not universal yet: $\alpha$ = 0.27, 0.46, 0.72
    ($\pm$ 0.02, 0.06, 0.12) for $L$ = 16, 32, 64 in full mode, drifting through the
    spinless value 1/2 as $L/l$ grows from 6 to 23: the curves collapse at small
    $\phi L^2$ but not in height.  HLN holds for $l \ll L_\phi$ and for fields whose
    magnetic length $l_B = (2\pi\phi)^{-1/2}$ is much longer than $l$; at $\phi L^2 = 3.2$
    the $16 \times 16$ sample has $l_B \approx 4.5 \approx 1.6\,l$, and its cusp stays below
    the diffusive curve.  The universal amplitude is approached only slowly on a lattice; the
    slow drift of $L_\phi/L$ has the same origin.  (ii) At the largest
    $\phi L^2$ of the smallest samples the cyclotron radius is no longer large compared with
    the sample, and classical (orbital) magnetoresistance starts to add to the curve.
    (iii) Quick mode uses few realisations: its numbers carry large errors.
    """),
    code('''\
        EXECUTOR.shutdown()'''),
]


# ---------------------------------------------------------------------------
# 02: spin-orbit coupling and WAL
# ---------------------------------------------------------------------------
NB02 = [
    md(r"""
    # 2. Spin-orbit coupling: from weak localization to weak anti-localization

    With spin-orbit coupling the spin of an electron precesses along its path, in opposite
    directions along the two time-reversed partners of a loop.  When the spin relaxes on a
    length $L_{so}$ shorter than $L_\phi$, the three triplet Cooperons are suppressed and
    only the singlet survives, with the opposite sign: the interference correction becomes
    positive (**weak anti-localization**, WAL) and the magnetoconductance negative.  The
    Hamiltonian keeps time-reversal symmetry, now with $T^2 = -1$: the **symplectic class AII**,
    with Kramers degeneracy.

    In this notebook we

    1. find the symmetry class of several models numerically (not from their parameters),
    2. see Kramers pairs in the transmission eigenvalues,
    3. follow the crossover from WL to WAL as the Rashba coupling grows, checking the class at
       every step, and read off the spin-orbit length with the ILP formula.

    References: S. Hikami, A. I. Larkin, Y. Nagaoka, Prog. Theor. Phys. 63, 707 (1980);
    S. V. Iordanskii, Yu. B. Lyanda-Geller, G. E. Pikus, JETP Lett. 60, 206 (1994) (ILP), in the
    form of W. Knap et al., Phys. Rev. B 53, 3912 (1996); C. W. J. Beenakker, Rev. Mod. Phys.
    69, 731 (1997); F. Evers, A. D. Mirlin, Rev. Mod. Phys. 80, 1355 (2008).
    """),
    md(CONVENTIONS + r"""

    Rashba coupling on the lattice: the hop along $+x$ carries $-i(\alpha_R/2)\sigma_y$, along
    $+y$ $+i(\alpha_R/2)\sigma_x$ (`rashba` $= \alpha_R$ in units of $t a$), the lattice form of
    $\alpha_R(\sigma_x k_y - \sigma_y k_x)$.  HLN prefactors: $\alpha = +1$ for a
    spin-degenerate sample (WL), $-1/2$ for strong spin-orbit coupling (WAL, one Kramers
    pair), $0$ without time reversal."""),
    setup('''\
        ENERGY, DISORDER = 1.2, 3.0     # no lead subband edge near E for these sizes and fields
        X = np.array([0.1, 0.2, 0.4, 0.8, 1.6, 3.2])   # flux x L^2
        if QUICK:
            L, N = 16, 120
            RASHBA = (0.0, 0.2, 0.4, 1.0)
        else:
            L, N = 32, 800
            RASHBA = (0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0)
        print("quick mode" if QUICK else "full mode")'''),
    md(r"""
    ## Symmetry classes, found numerically

    `andersonwl.find_symmetries` solves, for a patch of one disordered realisation, the
    linear equations for all on-site unitary symmetries $V H = H V$ and antiunitary ones
    $U H^* = H U$.  If unitary symmetries exist (spin rotations without spin-orbit coupling)
    it classifies one symmetry sector.  One antiunitary symmetry with $T^2 = UU^* = +1$ is AI,
    with $-1$ AII; none is A.
    """),
    code('''\
        base = aw.StripModel(length=L, width=L, energy=ENERGY, disorder=DISORDER)
        cases = {
            "spinless": base,
            "spinful, rashba = 0": base.replace(spin_orbit="rashba"),
            "rashba = 0.5": base.replace(rashba=0.5),
            "rashba = 0.5, flux 0.005": base.replace(rashba=0.5, flux=0.005),
            "rashba = 0.5, magnetic impurities": base.replace(rashba=0.5, exchange=0.5),
            "SU(2) model": base.replace(spin_orbit="su2"),
        }
        for name, m in cases.items():
            s = aw.find_symmetries(m, seed=0)
            print(f"{name:35s} unitary symmetries: {s['unitary']}  T^2 = {str(s['t_squared']):4s}"
                  f"  class {s['class']}")'''),
    md(r"""
    The spinful model without spin-orbit coupling has 4 independent unitary symmetries
    (the identity and the three spin rotations); within one spin sector it is orthogonal.
    Rashba coupling removes the spin rotations and leaves $T = i\sigma_y K$ with $T^2 = -1$.
    A field or magnetic impurities remove every antiunitary symmetry.

    ## Kramers pairs in the transmission eigenvalues

    In class AII the eigenvalues $T_n$ of $t^\dagger t$ come in exactly degenerate pairs
    (Beenakker 1997, Sec. II.B).  The spinful model without spin-orbit coupling has pairs too,
    but for a different reason (its two identical spin species); a field on top of Rashba
    coupling splits the pairs.
    """),
    code('''\
        fig, ax = plt.subplots(figsize=(7, 2.6))
        for row, name in enumerate(("spinful, rashba = 0", "rashba = 0.5", "rashba = 0.5, flux 0.005")):
            t = aw.transmission_eigenvalues(cases[name], seed=3)
            pairs = t.reshape(-1, 2)
            split = np.abs(pairs[:, 1] - pairs[:, 0]).max()
            print(f"{name:26s} g = {t.sum():.4f}, largest splitting within adjacent pairs: {split:.1e}")
            ax.eventplot(t, lineoffsets=row, linelengths=0.7)
        ax.set_yticks([0, 1, 2], ["spinful AI", "AII", "A"])
        ax.set_xlabel(r"transmission eigenvalue $T_n$")
        plt.show()'''),
    md(r"""
    ## From WL to WAL as the Rashba coupling grows

    For each Rashba coupling we check the class, sweep the field with common random numbers
    and fit

    * the simplified HLN formula with a free, signed $\alpha$: it goes from about $+1$ (WL
      of two spin species) to about $-1/2$ (WAL);
    * the ILP formula (Rashba spin splitting, Knap et al. 1996), which has the spin-orbit
      length $L_{so}$ as a parameter.  Its prefactor is fitted too (`free_prefactor=True`),
      since a finite coherent sample does not reach the ideal amplitude (notebook 1).

    **Expected $L_{so}$.**  In the diffusive (D'yakonov-Perel) regime the in-plane spin
    relaxes at $1/\tau_{so} = 2\Omega^2\tau$ with $\Omega = \alpha_R |\sin \mathbf{k}|$
    (half the spin splitting, $\hbar = 1$), and $D = v^2\tau/2$ with
    $v = 2|\sin\mathbf{k}|$ on this lattice, so
    $L_{so} = \sqrt{D\tau_{so}} = v/(2\Omega) = 1/\alpha_R$ lattice constants,
    independent of the disorder.  It holds while $L_{so}$ is longer than the mean free path.
    """),
    code('''\
        from andersonwl.scaling import ioffe_regel

        mfp = ioffe_regel(base, realizations=20)["l"]
        print(f"mean free path l = {mfp:.2f} a")
        sweeps, rows = {}, []
        for a in RASHBA:
            m = base.replace(spin_orbit="rashba", rashba=a)
            cls = aw.symmetry_class(m)
            ds = aw.magnetoconductance(m, X / L**2, N, seed=1, executor=EXECUTOR,
                                       symmetrize=False)
            assert ds.open_channels.values.min() == ds.open_channels.values.max()
            flux, dsig, err = ds.flux.values[1:], ds.delta_sigma.values[1:], ds.delta_sigma_err.values[1:]
            hln = aw.fit_magnetoconductance(flux, dsig, sigma_err=err)
            l_so = (np.nan, np.nan)
            if a > 0:
                ilp = aw.fit_magnetoconductance(flux, dsig, model="ilp", sigma_err=err,
                                                free_prefactor=True)
                l_so = (ilp.values["l_so"], ilp.errors["l_so"])
            sweeps[a] = ds
            rows.append((a, cls, aw.classify_cusp(ds), hln.values["alpha"], hln.errors["alpha"], *l_so))
            print(f"rashba = {a:4.2f}: class {cls:3s}, cusp {aw.classify_cusp(ds):4s}, "
                  f"<g(0)> = {float(ds.g_mean[0]):.2f}, HLN alpha = {hln.values['alpha']:+.2f} "
                  f"+- {hln.errors['alpha']:.2f}, ILP L_so = {l_so[0]:.1f} +- {l_so[1]:.1f} "
                  f"(1/rashba = {1 / a if a else np.inf:.1f})")'''),
    code('''\
        rows_a = np.array([(r[0], r[3], r[4], r[5], r[6]) for r in rows], dtype=float)
        fig, axes = plt.subplots(1, 3, figsize=(13, 3.6), layout="constrained")
        colours = plt.cm.viridis(np.linspace(0, 0.9, len(sweeps)))
        for c, (a, ds) in zip(colours, sweeps.items()):
            axes[0].errorbar(ds.flux * L**2, ds.delta_g, ds.delta_g_err, fmt="o-", ms=3, lw=1,
                             color=c, label=f"rashba = {a:g}")
        axes[0].axhline(0, color="0.6", lw=0.8)
        axes[0].set_xlabel(r"$\\phi L^2$ ($h/e$)")
        axes[0].set_ylabel(r"$\\langle g(\\phi)\\rangle - \\langle g(0)\\rangle$ ($e^2/h$)")
        axes[0].legend(fontsize=7)
        axes[1].errorbar(rows_a[:, 0], rows_a[:, 1], rows_a[:, 2], fmt="o")
        axes[1].axhline(1, color="k", ls="--", lw=1, label="WL, two spin species")
        axes[1].axhline(-0.5, color="k", ls=":", lw=1, label="WAL, one Kramers pair")
        axes[1].set_ylim(-1.5, 2.0)   # at the crossover the one-channel fit is meaningless
        axes[1].set_xlabel("rashba")
        axes[1].set_ylabel(r"HLN $\\alpha$")
        axes[1].legend(fontsize=7)
        ok = np.isfinite(rows_a[:, 3])
        l_so_err = np.where(np.isfinite(rows_a[:, 4]), rows_a[:, 4], np.nan)
        axes[2].errorbar(rows_a[ok, 0], rows_a[ok, 3], l_so_err[ok], fmt="o", label="ILP fit")
        grid = np.linspace(rows_a[ok, 0].min() * 0.8, rows_a[:, 0].max(), 100)
        axes[2].plot(grid, 1 / grid, "k--", lw=1, label=r"$1/\\alpha_R$ (diffusive)")
        axes[2].axhline(mfp, color="0.5", ls=":", label="mean free path")
        axes[2].axhline(L, color="0.5", ls="-.", lw=1, label="sample size")
        axes[2].set_yscale("log")
        axes[2].set_ylim(0.5, 3 * L)
        axes[2].set_xlabel("rashba")
        axes[2].set_ylabel(r"$L_{so}$ (a)")
        axes[2].legend(fontsize=7)
        plt.show()'''),
    md(r"""
    **What we see.**  Every Rashba coupling, however small, makes the Hamiltonian symplectic:
    the *class* changes at once, but the *cusp* follows only when the spin relaxes within the
    coherent area, $L_{so} \lesssim L_\phi$ (here $L_\phi \approx 0.3 L$, set by the sample).
    Weak coupling gives WL; at intermediate coupling the curve is non-monotonic, WAL at the
    lowest fields (the longest loops, in which the spin has relaxed, are cut first) turning
    to WL at higher fields (short loops, with little spin rotation); strong coupling gives
    WAL over the whole range.  Full mode ($L = 32$, 800 realisations): the HLN $\alpha$ goes
    from $+0.99 \pm 0.15$ (two spin species; ideal $+1$) to $-0.6 \pm 0.1$ for
    $\alpha_R \ge 0.3$ (ideal $-1/2$); at the crossover ($\alpha_R \approx 0.1$) the
    one-channel HLN formula cannot describe the non-monotonic curve and its fit is
    meaningless.  The ILP fit follows the diffusive prediction while $L_{so}$ lies between the
    mean free path and the sample: $L_{so}$ = 18.3, 10.5, 5.8, 4.4, 3.7 against
    $1/\alpha_R$ = 20, 10, 6.7, 5, 3.3 (within about 15 %).  For $\alpha_R \ge 0.5$,
    $1/\alpha_R$ is shorter than the mean free path ($\Omega\tau > 1$): the diffusive
    formula no longer applies and the fitted $L_{so}$ saturates near $l \approx 3$.
    Quick mode has few realisations and a small sample: its ILP lengths carry large errors.
    """),
    code('''\
        EXECUTOR.shutdown()'''),
]


# ---------------------------------------------------------------------------
# 03: scaling
# ---------------------------------------------------------------------------
NB03 = [
    md(r"""
    # 3. Scaling theory of localization: $\beta(g)$ in the three classes

    One-parameter scaling (Abrahams, Anderson, Licciardello, Ramakrishnan, Phys. Rev. Lett.
    42, 673 (1979)): the conductance of a sample of linear size $L$ changes with $L$ only
    through its own value, $\beta(g) = d\ln g/d\ln L$.  At large $g$ the interference
    correction gives the perturbative $\beta$ of each class (Evers and Mirlin, Rev. Mod. Phys.
    80, 1355 (2008)), for $g$ counting one spin species (AI, A) or summed over spin (AII):

    | class | $\beta(g)$, leading order | in 2D |
    |---|---|---|
    | AI (spinless) | $-1/(\pi g)$ | always negative: all states localized |
    | AII | $+1/(\pi g)$ | positive at large $g$: a metal, and a metal-insulator transition |
    | A (one species) | $-1/(2\pi^2 g^2)$ | negative, weaker: localized, with huge $\xi$ |

    In the localized regime $g \sim e^{-2L/\xi}$ and $\beta \approx \ln g$ for every class.
    Here we measure $\beta$ from a ladder of square samples $L \times L$ and compare.  Then we
    locate the metal-insulator transition of the 2D symplectic class in the SU(2) model
    (Asada, Slevin, Ohtsuki, Phys. Rev. Lett. 89, 256601 (2002); Phys. Rev. B 70, 035115
    (2004): $W_c \approx 5.95$ at $E = 1$).
    """),
    md(CONVENTIONS + r"""

    $\beta$ is measured from the typical conductance, $\beta = d\langle\ln g\rangle/d\ln L$,
    by finite differences between neighbouring sizes (`andersonwl.scaling.beta_function`);
    the realisations of different sizes share their random numbers on the sites they have in
    common, so the errors come from a joint bootstrap."""),
    setup('''\
        from andersonwl.scaling import beta_function, crossing_points, perturbative_beta
        from andersonwl.scaling_plots import plot_beta

        ENERGY = 1.0
        CLASSES = {"AI": {}, "AII": {"spin_orbit": "su2"}, "A": {"exchange": 1.0}}
        # E = 1 is a subband threshold of a lead of width W when W + 1 is a multiple of 3
        # (a channel opens there with zero velocity): those widths are left out
        if QUICK:
            SIZES, N = (9, 12, 16, 24), 60
            DISORDER = {"AI": (2.0, 3.0, 5.0), "AII": (2.0, 4.0, 7.0), "A": (2.0, 3.0, 5.0)}
            SU2_SIZES, SU2_W, N_SU2 = (9, 16, 24), (4.0, 5.0, 6.0, 7.0, 8.0), 60
        else:
            SIZES, N = (9, 12, 16, 24, 36, 48), 600
            DISORDER = {"AI": (1.5, 2.5, 4.0, 6.0), "AII": (2.0, 4.0, 6.0, 8.0),
                        "A": (1.5, 2.5, 4.0, 6.0)}
            SU2_SIZES, SU2_W = (12, 24, 36, 48), (4.0, 5.0, 5.5, 6.0, 6.5, 7.0, 8.0)
            N_SU2 = 600
        print("quick mode" if QUICK else "full mode")'''),
    md(r"""
    ## A size ladder with `andersonwl.run`

    An experiment sweeps the outer product of its lists; `width = "length"` ties the width
    to the length of each grid point, so one experiment gives the whole ladder of
    $L \times L$ squares, with `length` as the size dimension of the result.  The same
    ensemble seed at every size means realisation $r$ has the same random numbers on the
    sites the samples share.
    """),
    code('''\
        def size_ladder(fields, sizes, realizations, seed):
            """Conductances of L x L samples: dimensions (length, ..., realization)."""
            experiment = {"model": {**fields, "length": list(sizes), "width": "length"},
                          "ensemble": {"seed": seed, "realizations": realizations},
                          "run": {"chunk": 20}}
            return aw.run(experiment, EXECUTOR, progress=False)

        ladders = {}
        for cls, extra in CLASSES.items():
            fields = {"energy": ENERGY, "disorder": list(DISORDER[cls]), **extra}
            found = aw.symmetry_class(aw.StripModel(length=SIZES[0], width=SIZES[0], energy=ENERGY,
                                                    disorder=DISORDER[cls][0], **extra))
            ladders[cls] = size_ladder(fields, SIZES, N, seed=7)
            print(f"{cls:3s}: class found numerically {found}; <g> at the largest size:",
                  np.round(ladders[cls]["mean"].isel(length=-1).values, 2))'''),
    md(r"""
    ## $\beta(g)$ as measured, and the contact resistance

    The two-terminal conductance contains the contact (Sharvin) resistance of the leads,
    $1/g = 1/N + 1/g_{\rm sample}$ with $N$ the number of open channels.  For a square sample
    $N \propto L$ grows, so the contact part alone makes $\ln g$ *grow* with $L$ when the mean
    free path is not small compared with $L$.  We show $\beta$ of the raw $g$ and of the
    contact-corrected $g_{\rm sample} = 1/(1/g - 1/N)$ (Beenakker 1997, Sec. II.A;
    `beta_function(..., channels=N)` removes it realisation by realisation).
    """),
    code('''\
        def lead_channels(ds, extra):
            """Open channels of the leads (summed over spin) at each size of the ladder."""
            return [aw.open_channels(aw.StripModel(length=int(s), width=int(s), energy=ENERGY,
                                                   **extra))
                    for s in ds.length.values]

        raw = {cls: beta_function(ds, size="length", bootstrap=100)
               for cls, ds in ladders.items()}
        corrected = {cls: beta_function(ds, size="length", bootstrap=100,
                                        channels=lead_channels(ds, CLASSES[cls]))
                     for cls, ds in ladders.items()}
        for title, curves in (("two-terminal g", raw), ("contact resistance removed", corrected)):
            fig = plot_beta(curves, spin_degeneracy=1)
            fig.suptitle(title)
            display(fig)'''),
    code('''\
        print("beta between the two largest sizes, contact-corrected, against leading order:")
        for cls, b in corrected.items():
            last = b.isel(step=-1)
            for w in last.disorder.values:
                p = last.sel(disorder=w)
                g_typ = float(np.exp(p.ln_g_step))
                print(f"  {cls:3s} W = {w:3.1f}: g_typ = {g_typ:5.2f}  beta = {float(p.beta):+.3f} "
                      f"+- {float(p.beta_err):.3f}   perturbative "
                      f"{float(perturbative_beta(g_typ, cls, spin_degeneracy=1)):+.3f}")'''),
    md(r"""
    **What we see.**  Raw two-terminal $g$: at weak disorder $\beta$ is *positive* in AI and
    A as well, because the contact resistance dominates (the samples are only a few mean
    free paths long); that raw AII lies near its perturbative curve is a coincidence of the
    same positive term.  With the contact resistance removed the three classes separate, in
    the order the perturbative theory predicts.  Full mode (600 realisations, $\beta$
    between $L$ = 36 and 48):

    * AI: $\beta = -0.03 \pm 0.02$ at $g \approx 4$ and $-0.21 \pm 0.07$ at $g \approx 1.2$
      (perturbative $-0.08$, $-0.27$); at the weakest disorder ($W = 1.5$, mean free path
      comparable with $L$) it is still $+0.01 \pm 0.01$: not diffusive yet;
    * AII: $+0.06 \pm 0.02$ at $g \approx 3.6$ and $+0.13 \pm 0.03$ at $g \approx 2.6$
      (perturbative $+0.09$, $+0.12$);
    * A: between $-0.05$ and $0$, within one or two errors of its small perturbative value.

    At strong disorder all classes have $\beta \approx \ln g < 0$ (localized), and the
    curves of different $W$ join, as one-parameter scaling requires.  The first steps
    ($L < 16$) still carry quasi-ballistic corrections, and quick mode has few
    realisations: errors of 0.05 to 0.1 on $\beta$, as large as $\beta$ itself.  Resolving
    the perturbative $\beta$ (0.03 to 0.1 here) well needs thousands of realisations per
    point and larger sizes (`examples/thesis_beta_su2.toml`).

    ## The 2D symplectic metal-insulator transition (SU(2) model, $E = 1$)

    Below $W_c$ the SU(2) model is a metal ($\langle \ln g\rangle$ grows with $L$), above it an
    insulator; at $W_c$ the typical conductance is scale invariant.  The curves
    $\langle\ln g\rangle(W)$ of different sizes therefore cross near $W_c$.
    """),
    code('''\
        su2 = size_ladder({"energy": ENERGY, "spin_orbit": "su2", "disorder": list(SU2_W)},
                          SU2_SIZES, N_SU2, seed=11)
        b = beta_function(su2, size="length", bootstrap=100)
        fig, ax = plt.subplots(figsize=(5, 3.6))
        for s in b.length.values:
            p = b.sel(length=s)
            ax.errorbar(b.disorder, p.ln_g, p.ln_g_err, fmt="o-", ms=3, label=f"L = {s}")
        ax.axvline(5.95, color="k", ls="--", lw=1, label="$W_c$ = 5.95 (Asada et al.)")
        ax.set_xlabel("disorder W")
        ax.set_ylabel(r"$\\langle \\ln g\\rangle$")
        ax.legend(fontsize=8)
        plt.show()
        crossings = crossing_points(b.disorder.values, b.length.values,
                                    b.ln_g.transpose("disorder", "length").values)
        for l1, l2, w in crossings:
            print(f"<ln g> of L = {l1} and L = {l2} cross at W = {w:.2f}")'''),
    md(r"""
    **What we see.**  The curves cross close to the $W_c \approx 5.95$ of Asada, Slevin and
    Ohtsuki, at $\langle\ln g\rangle \approx 0$ ($g_{typ} \approx 1$): in full mode at
    $W$ = 5.93 ($L$ = 12 and 24), 6.08 (24, 36) and 5.80 (36, 48).  Quick mode's tiny
    samples and 60 realisations give crossings anywhere between about 5.5 and 7.  The
    crossings drift with size, and they are not sharp: the sizes
    are small (irrelevant corrections shift crossings of small sizes), the boundaries are hard
    walls with two-terminal leads (the critical conductance depends on boundary conditions and
    aspect ratio), and the statistical errors of $\langle\ln g\rangle$ are 0.02 to 0.05.
    A finite-size-scaling fit (`andersonwl.scaling.finite_size_scaling`) over larger sizes and
    many more realisations gives $W_c$ and $\nu$; `examples/thesis_beta_su2.toml` is such a run.
    """),
    code('''\
        EXECUTOR.shutdown()'''),
]


# ---------------------------------------------------------------------------
# 04: fitting experiments
# ---------------------------------------------------------------------------
NB04 = [
    md(r"""
    # 4. Fitting measured magnetoresistance: HLN and ILP

    Experimentalists extract $L_\phi$ and $L_{so}$ by fitting the low-field magnetoconductance
    of a film or a two-dimensional electron gas.  This notebook fits the bundled example
    `examples/data/wal_example.csv`, a synthetic weak anti-localization curve of a Rashba
    2DEG (ILP with $L_\phi = 400$ nm, $L_{so} = 150$ nm, $\sigma_0 = 30\,e^2/h$, measured as
    $R_{xx}$ over $L/W = 2$ squares with 0.05 $\Omega$ of Gaussian noise), first with the
    command line and then step by step with the Python API, and converts the results between
    SI and lattice units.

    * **HLN** (Hikami, Larkin, Nagaoka, Prog. Theor. Phys. 63, 707 (1980)):
      $\Delta\sigma = \frac{\alpha}{\pi}Y(B_\phi/B)$ with a free $\alpha$, or with an isotropic
      spin-orbit field $B_{so}$ (`hln-so`, Elliott-Yafet-like spin relaxation).
    * **ILP** (Iordanskii, Lyanda-Geller, Pikus, JETP Lett. 60, 206 (1994); in the form of
      Knap et al., Phys. Rev. B 53, 3912 (1996)): linear-in-$k$ (Rashba) spin splitting,
      D'yakonov-Perel spin relaxation.
    """),
    md(r"""
    **Conventions.** $\Delta\sigma(B) = \sigma(B) - \sigma(0)$ is the conductance per square
    in $e^2/h$ (spin summed); from a four-terminal resistance,
    $\sigma = (h/e^2)(L/W)/R_{xx}$; $B_x = \hbar/(4eL_x^2)$, or $\phi_x = 1/(8\pi L_x^2)$ flux
    quanta $h/e$ per plaquette in lattice units."""),
    setup('''\
        import subprocess
        import sys
        import tempfile
        from pathlib import Path

        from IPython.display import Image, display

        from andersonwl import units
        from andersonwl.plots import plot_fit


        def find_example_data(name="wal_example.csv"):
            """examples/data/NAME of the andersonwl source tree (or $ANDERSONWL_EXAMPLES/data)."""
            candidates = []
            if "ANDERSONWL_EXAMPLES" in os.environ:
                candidates.append(Path(os.environ["ANDERSONWL_EXAMPLES"]) / "data" / name)
            candidates += [Path(aw.__file__).resolve().parents[1] / "examples" / "data" / name,
                           Path.cwd().parent / "examples" / "data" / name]
            for path in candidates:
                if path.is_file():
                    return path
            raise FileNotFoundError(f"{name} not found (set ANDERSONWL_EXAMPLES to the examples "
                                    f"directory of the source tree); tried {candidates}")


        DATA = find_example_data()
        OUT = Path(tempfile.mkdtemp(prefix="andersonwl-fit-"))   # figures go here, not next to the data
        ASPECT, NOISE_OHM = 2.0, 0.05       # from the header of the data file
        print(DATA)''', executor=False),
    md(r"""
    ## The command line

    `andersonwl fit DATA --model ilp --aspect 2` converts $R_{xx}$ to $\sigma$, takes
    $\sigma(0)$ from the $B = 0$ point, symmetrises $[\sigma(B) + \sigma(-B)]/2$, fits
    $\Delta\sigma$ with a free constant offset (the $B = 0$ reference is itself one noisy point)
    and writes a figure (here into a temporary directory, with `--out`).
    """),
    code('''\
        for model in ("ilp", "hln"):
            png = OUT / f"wal_example_{model}.png"
            run = subprocess.run([sys.executable, "-m", "andersonwl", "fit", str(DATA),
                                  "--model", model, "--aspect", str(ASPECT), "--out", str(png)],
                                 capture_output=True, text=True, check=True)
            print(run.stdout)
        display(Image(filename=str(OUT / "wal_example_ilp.png")))'''),
    md(r"""
    ILP recovers the input, $L_\phi = 400$ nm and $L_{so} = 150$ nm.  The simplified HLN formula
    over the whole range gives nonsense ($\alpha \approx 3.7$): a single Cooperon channel cannot
    describe a curve that changes sign.  The command line does not know the noise of the data,
    so it scales the errors by the reduced $\chi^2$ and cannot judge the fit.  The API can.

    ## Step by step with the Python API, with the measurement errors

    The noise is 0.05 $\Omega$ on every $R_{xx}$; propagated,
    $\delta\sigma = (h/e^2)(L/W)\,\delta R/R^2$, and the symmetrised average of two points has
    $\delta\sigma/\sqrt 2$.  The $B = 0$ point is left out of the fit and replaced by a fitted
    offset, so that the errors of the other points are independent.
    """),
    code('''\
        lines = [s for s in DATA.read_text().splitlines() if s.strip() and not s.startswith("#")]
        print("header:", lines[0])                    # B in tesla, R_xx in ohm
        field, r_xx = np.loadtxt(lines[1:], delimiter=",", unpack=True)
        sigma = units.resistance_to_sheet_conductance(r_xx, ASPECT)           # e^2/h per square
        sigma_err = units.RESISTANCE_QUANTUM * ASPECT * NOISE_OHM / r_xx**2
        print(f"{field.size} points, B from {field.min() * 1e3:g} to {field.max() * 1e3:g} mT, "
              f"sigma(0) = {sigma[field == 0][0]:.3f} e^2/h, noise {sigma_err.mean():.1e} e^2/h")

        pos = field > 0
        neg = np.argsort(-field[field < 0])             # -B in the order of +B
        assert np.allclose(-field[field < 0][neg], field[pos])
        b = field[pos]
        sym = 0.5 * (sigma[pos] + sigma[field < 0][neg])
        err = sigma_err[pos] / np.sqrt(2)
        delta_sigma = sym - sigma[field == 0][0]

        fits = {}
        for model in ("hln", "hln-so", "ilp"):
            fits[model] = aw.fit_magnetoconductance(b, delta_sigma, model=model, units="tesla",
                                                    sigma_err=err, offset=True)
            print(fits[model].summary(), "\\n")'''),
    md(r"""
    With the true errors the verdict is clear: ILP has $\chi^2/\mathrm{dof} \approx 1$
    ($p \approx 0.6$), HLN and HLN-SO are rejected ($\chi^2/\mathrm{dof} \sim 10^3$).  Note that
    HLN-SO, the *wrong* spin-relaxation mechanism for a Rashba system, still draws a
    plausible-looking curve, with $L_{so} \approx 400$ nm instead of 150 nm: the choice of
    formula matters, and only a fit with honest errors can tell.

    The simplified HLN formula is the strong-spin-orbit limit of both: for $B_{so} \gg B_\phi$
    and $B \ll B_{so}$ only the singlet Cooperon is left, and WAL is HLN with
    $\alpha = -1/2$.  Fitting only $|B| < B_{so}/2$:
    """),
    code('''\
        low = b < fits["ilp"].b_so / 2
        low_fit = aw.fit_magnetoconductance(b[low], delta_sigma[low], model="hln", units="tesla",
                                            sigma_err=err[low], offset=True)
        print(low_fit.summary())
        plot_fit(fits["ilp"], title="ILP fit of wal_example.csv")'''),
    md(r"""
    The low-field HLN fit gives $\alpha \approx -0.3$ rather than $-1/2$, and an $L_\phi$ about
    20 % too long: here $B_{so}/B_\phi = (L_\phi/L_{so})^2 \approx 7$ only, so the triplet
    Cooperons still contribute at low field.  A simplified HLN fit of WAL data is qualitative
    unless $B_{so} \gg B_\phi$.
    """),
    md(r"""
    ## Units: from the measurement to a lattice simulation

    `andersonwl.units` converts between SI and lattice units.  To simulate this sample on a
    lattice of constant $a$ we need $L_\phi/a$, and fields become fluxes per plaquette.
    $\tau_\phi = L_\phi^2/D$ needs the diffusion constant, from the Einstein relation
    $\sigma = e^2\nu D$; for illustration we take a GaAs 2DEG ($m^* = 0.067\,m_e$, spin-degenerate
    density of states $\nu = m^*/(\pi\hbar^2)$).
    """),
    code('''\
        from scipy import constants as c

        ilp = fits["ilp"]
        a = 10e-9                                       # lattice constant of a simulation, m
        l_phi_a = units.metres_to_lattice(ilp.values["l_phi"], a)
        phi_phi = units.tesla_to_flux(ilp.b_phi, a)
        print(f"L_phi = {ilp.values['l_phi'] * 1e9:.1f} nm = {l_phi_a:.1f} a;  "
              f"B_phi = {ilp.b_phi * 1e3:.3f} mT = {phi_phi:.3e} h/e per plaquette")
        print(f"check: 1/(8 pi (L_phi/a)^2) = {units.characteristic_field(l_phi_a, 'lattice'):.3e}")

        sigma0 = units.e2h_to_conductance(sigma[field == 0][0])        # siemens per square
        nu = 0.067 * c.m_e / (np.pi * c.hbar**2)                       # J^-1 m^-2
        diffusion = sigma0 / (c.e**2 * nu)
        print(f"D = {diffusion * 1e4:.0f} cm^2/s, tau_phi = L_phi^2 / D = "
              f"{ilp.values['l_phi']**2 / diffusion * 1e12:.1f} ps, "
              f"tau_so = {ilp.values['l_so']**2 / diffusion * 1e12:.2f} ps")'''),
    md(r"""
    **Summary.**  Fit the formula that matches the spin-relaxation mechanism (ILP for Rashba or
    Dresselhaus 2DEGs, HLN-SO for Elliott-Yafet), with the measurement errors, and check
    $\chi^2$.  Lengths in lattice units follow from `units.metres_to_lattice`, fields from
    `units.tesla_to_flux`, and they agree with `units.characteristic_field` in both unit systems.
    """),
]


# ---------------------------------------------------------------------------
# 05: dephasing
# ---------------------------------------------------------------------------
NB05 = [
    md(r"""
    # 5. Dephasing and temperature

    Interference needs phase coherence.  Inelastic processes randomise the phase after a time
    $\tau_\phi$, and the coherent loops are cut at $L_\phi = \sqrt{D\tau_\phi}$.  The rates of
    independent mechanisms add,
    $$\Gamma_\phi = 1/\tau_\phi = \Gamma_0 + a T^p + b T^q + \Gamma_m,$$
    with electron-electron scattering $p = 1$ in a diffusive 2D film (Altshuler, Aronov,
    Khmelnitsky, J. Phys. C 15, 7367 (1982)), electron-phonon $q \approx 2$ to 4, a saturation
    $\Gamma_0$ and magnetic impurities $\Gamma_m$ (which also break time reversal).  As $T$
    rises, $L_\phi$ falls: the cusp becomes smaller and wider ($B_\phi \propto 1/L_\phi^2$).

    In this notebook we

    1. see how dephasing laws shape $L_\phi(T)$ and the HLN cusp, and recover the law from a
       synthetic temperature series,
    2. dephase a simulation with Büttiker voltage probes and watch the cusp shrink,
    3. compare the transport and quantum lifetimes $\tau_{tr}$ and $\tau_q$ for white-noise and
       correlated disorder: $D$ (hence the cusp) is set by $\tau_{tr}$.

    References: Hikami, Larkin, Nagaoka, Prog. Theor. Phys. 63, 707 (1980); M. Büttiker,
    Phys. Rev. B 33, 3020 (1986); C. W. J. Beenakker, Rev. Mod. Phys. 69, 731 (1997);
    F. Evers, A. D. Mirlin, Rev. Mod. Phys. 80, 1355 (2008).
    """),
    md(CONVENTIONS + r"""

    Dephasing laws are in SI units (rates in s$^{-1}$, $T$ in K, lengths in m, $D$ in
    m$^2$/s); simulations in lattice units (times in $\hbar/t$)."""),
    setup('''\
        from andersonwl import dephasing
        from andersonwl.dephasing import fit_probe_series
        from andersonwl.fitting import hln
        from andersonwl.lifetimes import lifetimes
        from andersonwl.probes import dephased_conductance
        from andersonwl.units import characteristic_field

        if QUICK:
            L_PROBE, N_PROBE, FLUX_MAX, N_FLUX = 16, 40, 0.006, 4
            GAMMAS = (0.0, 0.05, 0.1, 0.2)
            LIFETIME = dict(realizations=8, size=48, lengths=(4, 8, 12))
        else:
            L_PROBE, N_PROBE, FLUX_MAX, N_FLUX = 30, 200, 0.003, 7
            GAMMAS = (0.0, 0.02, 0.05, 0.1)
            LIFETIME = dict(realizations=30, size=96, lengths=(4, 8, 12, 16))
        print("quick mode" if QUICK else "full mode")'''),
    md(r"""
    ## Dephasing laws and the cusp

    A 2D film with sheet conductance $g = 30\,e^2/h$ and $D = 0.02$ m$^2$/s: the AAK
    electron-electron rate $\hbar/\tau_\phi = k_B T \ln(g/2)/g$, an electron-phonon term
    $b T^3$ and a saturation rate $\Gamma_0$.  The HLN cusp (spin-degenerate WL,
    $\alpha = 1$) at several temperatures:
    """),
    code('''\
        D = 0.02                                     # m^2/s
        a_ee = float(dephasing.aak_rate(1.0, 30.0))  # s^-1 K^-1
        LAW = dict(gamma_0=2e9, a=a_ee, p=1.0, b=2e8, q=3.0)
        temps = np.geomspace(0.05, 20, 200)
        rate = dephasing.dephasing_rate(temps, **LAW)
        l_phi = dephasing.phase_coherence_length(rate, D)

        fig, axes = plt.subplots(1, 2, figsize=(11, 3.6), layout="constrained")
        axes[0].loglog(temps, rate, "k", label="total")
        axes[0].loglog(temps, np.full_like(temps, LAW["gamma_0"]), ":", label=r"$\\Gamma_0$")
        axes[0].loglog(temps, a_ee * temps, "--", label=r"e-e (AAK) $\\propto T$")
        axes[0].loglog(temps, LAW["b"] * temps**3, "-.", label=r"e-ph $\\propto T^3$")
        axes[0].set_ylim(rate.min() / 3, rate.max() * 2)
        axes[0].set_xlabel("T (K)")
        axes[0].set_ylabel(r"$\\Gamma_\\phi$ (s$^{-1}$)")
        ax2 = axes[0].twinx()
        ax2.loglog(temps, l_phi * 1e6, color="tab:red")
        ax2.set_ylabel(r"$L_\\phi$ ($\\mu$m)", color="tab:red")
        axes[0].legend(fontsize=7, loc="upper left")
        field = np.linspace(-5e-3, 5e-3, 401)
        for t in (0.1, 0.5, 2.0, 10.0):
            lp = float(dephasing.phase_coherence_length(dephasing.dephasing_rate(t, **LAW), D))
            axes[1].plot(field * 1e3, hln(field, characteristic_field(lp, "tesla"), alpha=1.0),
                         label=f"T = {t:g} K, $L_\\\\phi$ = {lp * 1e6:.2f} $\\\\mu$m")
        axes[1].set_xlabel("B (mT)")
        axes[1].set_ylabel(r"$\\Delta\\sigma$ ($e^2/h$)")
        axes[1].legend(fontsize=7)
        plt.show()'''),
    md(r"""
    ## Recovering the law from a temperature series

    A synthetic experiment: at each temperature an HLN curve with noise, fitted for $L_\phi$
    (`dephasing.fit_temperature_series`), and the $L_\phi(T)$ series fitted with
    $L_\phi^{-2} = c_0 + A T^p + B T^q$ (`fit_dephasing`, several starting exponents, since
    power laws have local minima).
    """),
    code('''\
        rng = np.random.default_rng(5)
        series_t = np.geomspace(0.1, 15, 12)
        b = np.geomspace(1e-5, 0.1, 100)            # tesla: B_phi from 0.03 to 7 mT
        noise = 2e-3                                  # e^2/h
        curves = []
        for t in series_t:
            lp = float(dephasing.phase_coherence_length(dephasing.dephasing_rate(t, **LAW), D))
            ds = hln(b, characteristic_field(lp, "tesla"), alpha=1.0)
            curves.append((t, b, ds + rng.normal(0, noise, b.size), np.full(b.size, noise)))
        fits, law = dephasing.fit_temperature_series(curves, two_laws=True)
        v, e = law.values, law.errors
        print(f"p = {v['p']:.2f} +- {e['p']:.2f} (true 1), q = {v['q']:.2f} +- {e['q']:.2f} (true 3); "
              f"chi2/dof = {law.chi2:.1f}/{law.dof}")
        print(f"saturation L_phi = {1 / np.sqrt(v['c0']) * 1e6:.2f} um (true "
              f"{float(dephasing.phase_coherence_length(LAW['gamma_0'], D)) * 1e6:.2f} um)")
        for t, f, dom in zip(series_t, fits, law.dominant):
            print(f"  T = {t:6.2f} K: L_phi = {f.values['l_phi'] * 1e6:.3f} +- "
                  f"{f.errors['l_phi'] * 1e6:.3f} um, alpha = {f.values['alpha']:.2f}; dominant: {dom}")'''),
    md(r"""
    The fit names the dominant mechanism at each temperature: saturation at the lowest,
    $T^p$ (electron-electron) in between and $T^q$ (phonons) at the highest.  The exponents
    come back within their errors only because the series spans the crossovers; a series
    inside one regime cannot determine all five parameters.

    ## Büttiker-probe dephasing in a simulation

    A Landauer simulation is fully coherent.  Büttiker (1986) dephases it by attaching to every
    site a fictitious voltage probe with coupling $\Gamma$ (self-energy $-i\Gamma/2$): an
    electron entering a probe is re-emitted with a random phase, and the probe voltages float
    so that no net current flows into them.  A probe gives the electron a phase-breaking rate
    $1/\tau_\phi = \Gamma/\hbar$, hence $L_\phi \approx \sqrt{D/\Gamma}$.  Unlike an imaginary
    potential, probes conserve current and keep the Onsager symmetry $g(\phi) = g(-\phi)$.
    `andersonwl.probes.dephased_conductance(model, seed, dephasing)` computes it; a model
    with `dephasing=Gamma` makes `aw.conductance`, and so the ensemble engine and
    `aw.magnetoconductance`, use it.  It needs every element of the sample's Green's function
    (a block recursion over the columns) and one solve for the probe voltages: about
    0.04 s per realisation for $30 \times 30$ sites and 0.25 s for $50 \times 50$.
    """),
    code('''\
        probe_model = aw.StripModel(length=L_PROBE, width=L_PROBE, energy=0.9, disorder=3.0)
        flux = 0.8 / L_PROBE**2
        plus = dephased_conductance(probe_model.replace(flux=flux), 0, 0.1)
        minus = dephased_conductance(probe_model.replace(flux=-flux), 0, 0.1)
        same = aw.conductance(probe_model.replace(flux=flux, dephasing=0.1), 0)
        print(f"Onsager with probes: g(+phi) - g(-phi) = {plus - minus:.1e}; "
              f"conductance(model with dephasing=0.1) - dephased_conductance = {same - plus:.1e}")

        fluxes = np.geomspace(FLUX_MAX / 10, FLUX_MAX, N_FLUX)
        sweeps = [aw.magnetoconductance(probe_model.replace(dephasing=gamma), fluxes, N_PROBE,
                                        seed=3, executor=EXECUTOR, symmetrize=False)
                  for gamma in GAMMAS]
        for gamma, sw in zip(GAMMAS, sweeps):
            kept = float(sw.delta_g[-1] / sweeps[0].delta_g[-1])
            print(f"Gamma = {gamma:4.2f}: <g(0)> = {float(sw.g_mean[0]):.3f}, cusp at the largest "
                  f"field {float(sw.delta_g[-1]):+.4f} +- {float(sw.delta_g_err[-1]):.4f} "
                  f"({kept:4.0%} of coherent)")'''),
    md(r"""
    The cusp shrinks.  Does it also widen, that is, does $L_\phi$ fall?  A single HLN fit
    trades $\alpha$ against $L_\phi$ when its fields do not reach far beyond $B_\phi$.  But
    $\alpha$ belongs to the symmetry class (and to the sample's contact resistance), not to
    the dephasing rate, so `fit_probe_series` fits all curves with one $\alpha$ and one
    $L_\phi$ each (`fitting.fit_shared_alpha`), then the rate law
    $L_\phi^{-2} = L_0^{-2} + \Gamma/(\hbar D_\phi)$: the finite coherent sample cuts the
    Cooperon at $L_0$, and the probes add the rate $\Gamma/\hbar$.  The errors come from a
    grouped jackknife over the realisations, which all curves share.  If the probes act as a
    dephasing rate, $D_\phi$ is the diffusion constant $D = v_F l/2$ of the mean free path.
    """),
    code('''\
        series = fit_probe_series(sweeps)
        print(series)
        life = lifetimes(probe_model, seed=0, **LIFETIME)
        diff_const = life["v_f"] * life["l"] / 2   # D = v_F l / 2 in 2D, units t a^2 / hbar
        print(f"transport D = v_F l / 2 = {diff_const:.2f} t a^2/hbar (l = {life['l']:.2f} a); "
              f"D_phi / D = {series.diffusion / diff_const:.2f} +- "
              f"{series.diffusion_err / diff_const:.2f}")

        fig, axes = plt.subplots(1, 2, figsize=(11, 3.6), layout="constrained")
        fine = np.linspace(0, fluxes[-1], 200)
        for i, (gamma, sw) in enumerate(zip(GAMMAS, sweeps)):
            bars = axes[0].errorbar(sw.flux[1:], sw.delta_sigma[1:], sw.delta_sigma_err[1:],
                                    fmt="o", ms=3, label=f"$\\Gamma$ = {gamma:g} t")
            axes[0].plot(fine, series.shared.fits[i].predict(fine), color=bars[0].get_color(),
                         lw=1)
        axes[0].set_xlabel(r"$\phi$ ($h/e$ per plaquette)")
        axes[0].set_ylabel(r"$\Delta\sigma$ ($e^2/h$)")
        axes[0].set_title(f"{L_PROBE} x {L_PROBE}, W = 3, N = {N_PROBE}; HLN with one alpha",
                          fontsize=9)
        axes[0].legend(fontsize=7)
        gam = np.asarray(series.dephasing)
        inv2_err = 2 * series.l_phi_err / series.l_phi**3
        axes[1].errorbar(gam, series.l_phi**-2.0, inv2_err, fmt="ko", ms=4,
                         label=r"fitted $L_\phi$")
        grid = np.linspace(0, gam.max(), 50)
        axes[1].plot(grid, series.c0 + grid / series.diffusion, "k-", lw=1,
                     label=rf"$L_0^{{-2}} + \Gamma/D_\phi$, $D_\phi$ = {series.diffusion:.2f}")
        axes[1].plot(grid, series.c0 + grid / diff_const, "r--", lw=1,
                     label=rf"$L_0^{{-2}} + \Gamma/D$, transport $D$ = {diff_const:.2f}")
        axes[1].set_xlabel(r"$\Gamma$ ($t$)")
        axes[1].set_ylabel(r"$L_\phi^{-2}$ ($a^{-2}$)")
        axes[1].legend(fontsize=7)
        plt.show()'''),
    md(r"""
    **What we see** (full mode, $30 \times 30$, 200 realisations).  The cusp at the largest
    field keeps 72 %, 37 % and 12 % of its coherent size at $\Gamma$ = 0.02, 0.05, 0.1, and
    it widens: with one $\alpha = 0.33 \pm 0.06$ for all curves, $L_\phi$ = 11.7, 9.8, 7.5
    and 5.3 $a$ (errors 0.2-0.9), so $B_\phi \propto L_\phi^{-2}$ grows 4.8 times from the
    coherent sample to $\Gamma = 0.1$.  $L_\phi^{-2}$ grows linearly with $\Gamma$, with
    $D_\phi = 3.9 \pm 0.35$ against the transport $D = v_F l/2 = 3.05$ (ratio 1.29 $\pm$
    0.11).  The scale is right, and what is left over has known causes: the mean free path
    from short strips is about 10 % low (the white-noise $\tau_{tr}/\tau_q$ below is 0.89),
    the sample's own cut-off $L_0$ is a boundary and not a rate, so adding $L_0^{-2}$ is only
    approximate, and HLN holds for $L_\phi \gg l$, while here $L_\phi$ is 2 to 4 mean free
    paths.  `make validate` repeats this on $40 \times 40$ samples with fields kept below
    $B_{tr}/8$: $\alpha = 0.56 \pm 0.07$ (ideal 1/2), $D_\phi = 4.1 \pm 0.3$ against
    $D = 3.3$ (docs/validation.md).  The fitted $\alpha$ depends on how far the fields
    reach towards $B_{tr} = \hbar/(2el^2)$ (a flux $1/(4\pi l^2) \approx 0.01$ here), and
    $\langle g(0)\rangle$ falls with $\Gamma$: the probes add an incoherent resistance of
    their own.

    ## Transport and quantum lifetimes

    $\tau_q$ (the single-particle lifetime, from the disorder-averaged Green's function)
    counts every scattering event; $\tau_{tr}$ (from the mean free path of the conductance)
    weighs them with $1 - \cos\theta$.  White-noise disorder scatters isotropically,
    $\tau_{tr} = \tau_q$; a smooth potential scatters mostly forward, $\tau_{tr} > \tau_q$.  The
    diffusion constant $D = v_F^2\tau_{tr}/2$ that sets $L_\phi = \sqrt{D\tau_\phi}$ and the
    cusp width contains $\tau_{tr}$; Shubnikov-de Haas oscillations measure $\tau_q$.
    """),
    code('''\
        for xi in (0.0, 2.0):
            m = aw.StripModel(length=16, width=24, energy=0.9, disorder=1.5, correlation_length=xi)
            r = lifetimes(m, seed=1, **LIFETIME)
            print(f"correlation length {xi:3.1f}: tau_q = {r['tau_q']:.2f} +- {r['tau_q_err']:.2f}, "
                  f"tau_tr = {r['tau_tr']:.2f} +- {r['tau_tr_err']:.2f} hbar/t, "
                  f"tau_tr / tau_q = {r['ratio']:.2f} +- {r['ratio_err']:.2f}  "
                  f"(Born tau for white noise {1 / r['born_rate']:.2f})")'''),
    md(r"""
    **What we see.**  White noise: $\tau_{tr}/\tau_q$ close to 1 ($0.89 \pm 0.02$ in full
    mode: the mean free path from short strips, $l = (2/\pi) l^*$, is an estimate good to
    about 10 %), and $\tau_q$ agrees with the Born value $\hbar/(2\pi\nu W^2/12)$ within a few
    per cent.  A correlation length of 2 lattice constants makes $\tau_{tr}$ several times
    $\tau_q$ ($5.3 \pm 0.2$ in full mode): the same disorder variance scatters more often
    but mostly forward.  A sample with long-range disorder therefore has a wider diffusive
    regime and a larger $D$ than its quantum lifetime suggests.
    """),
    code('''\
        EXECUTOR.shutdown()'''),
]


NOTEBOOKS = {
    "01_weak_localization.ipynb": NB01,
    "02_spin_orbit_wal.ipynb": NB02,
    "03_scaling.ipynb": NB03,
    "04_fitting_experiments.ipynb": NB04,
    "05_dephasing.ipynb": NB05,
}

METADATA = {
    "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                   "name": "python3"},
    "language_info": {"name": "python", "pygments_lexer": "ipython3"},
}


def build(name: str, cells) -> nbformat.NotebookNode:
    """The notebook ``name`` from its list of (kind, source) cells, without outputs."""
    nb = new_notebook(metadata=METADATA)
    prefix = name.split("_", 1)[0]
    for i, (kind, source) in enumerate(cells):
        cell = (new_markdown_cell if kind == "markdown" else new_code_cell)(source)
        cell["id"] = f"nb{prefix}-{i:02d}"
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0]) if argv else HERE
    out.mkdir(parents=True, exist_ok=True)
    for name, cells in NOTEBOOKS.items():
        nbformat.write(build(name, cells), out / name)
        print(f"wrote {out / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
