"""The end of set-up: one consistent stack, checked in the new environment.

numpy 2 and the Kwant built against it import together, Kwant's compiled extensions work (a
clean strip transmits exactly its channels), and the resolved versions satisfy
requirements/constraints.txt.  Prints the versions; exits non-zero on any mismatch.
"""

from __future__ import annotations

import sys
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version


def main() -> int:
    import importlib.metadata as md

    import kwant
    import numpy as np
    import scipy

    problems = []
    constraints = Path(__file__).resolve().parents[1] / "requirements" / "constraints.txt"
    for line in constraints.read_text().splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        req = Requirement(line)
        try:
            have = Version(md.version(req.name))
        except md.PackageNotFoundError:
            problems.append(f"{req.name} is not installed")
            continue
        if not req.specifier.contains(have, prereleases=True):
            problems.append(f"{req.name} {have} does not satisfy {req.specifier}")
    syst = kwant.Builder()
    lat = kwant.lattice.square(norbs=1)
    syst[(lat(x, y) for x in range(3) for y in range(4))] = 0
    syst[lat.neighbors()] = -1
    lead = kwant.Builder(kwant.TranslationalSymmetry((-1, 0)))
    lead[(lat(0, y) for y in range(4))] = 0
    lead[lat.neighbors()] = -1
    syst.attach_lead(lead)
    syst.attach_lead(lead.reversed())
    t = kwant.smatrix(syst.finalized(), 0.0).transmission(1, 0)   # 4 open channels at E = 0
    if abs(t - 4) > 1e-9:
        problems.append(f"Kwant's clean 4-channel strip transmits {t}, not 4")
    from andersonwl.engines.kwant_engine import mumps_available
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, scipy {scipy.__version__}, "
          f"kwant {kwant.__version__}, MUMPS {'yes' if mumps_available() else 'no (SciPy solver)'}")
    for p in problems:
        print("set-up problem:", p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
