"""Install Kwant 1.5.0, built from its PyPI sdist against the numpy of this environment.

Kwant 1.5.0 (the last release) ships C code generated for numpy 1, which does not compile
against numpy 2.  This script downloads the sdist from the package index, changes the one
line that numpy 2 removed (``kwant/graph/dijkstra.pyx``: ``from numpy.math cimport INFINITY``
becomes ``from libc.math cimport INFINITY``, as on Kwant's main branch), regenerates the C
code with Cython (``setup.py --cython``), builds a wheel and installs it.  No wheel cache is
used, so a Kwant built against another numpy is never reused ("numpy.dtype size changed").

Usage: python tools/build_kwant.py   (with Cython >= 3, numpy, scipy and tinyarray installed)
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VERSION = "1.5.0"
OLD = "from numpy.math cimport INFINITY as inf"
NEW = "from libc.math cimport INFINITY as inf"


def run(cmd, **kwargs):
    print("+", " ".join(map(str, cmd)), flush=True)
    subprocess.run(cmd, check=True, **kwargs)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="andersonwl-kwant-") as tmp:
        tmp = Path(tmp)
        run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
             "--no-cache-dir", "--no-build-isolation", f"kwant=={VERSION}", "-d", str(tmp)])
        sdist = tmp / f"kwant-{VERSION}.tar.gz"
        with tarfile.open(sdist) as tar:
            tar.extractall(tmp, filter="data")
        src = tmp / f"kwant-{VERSION}"
        pyx = src / "kwant" / "graph" / "dijkstra.pyx"
        text = pyx.read_text()
        if OLD not in text:
            raise SystemExit(f"{pyx}: the line to change is not there; is this Kwant {VERSION}?")
        pyx.write_text(text.replace(OLD, NEW))
        dist = tmp / "dist"
        run([sys.executable, "setup.py", "--cython", "bdist_wheel", "-d", str(dist)], cwd=src,
            stdout=subprocess.DEVNULL)
        wheel = next(dist.glob("kwant-*.whl"))
        run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-cache-dir",
             "--force-reinstall", str(wheel)])
    run([sys.executable, "-c", "import kwant, numpy; print('kwant', kwant.__version__, "
                               "'numpy', numpy.__version__)"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
