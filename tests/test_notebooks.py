"""The teaching notebooks (notebooks/*.ipynb): generated, committed without outputs, and runnable.

Each notebook is executed with nbclient in quick mode (ANDERSONWL_QUICK=1, MPLBACKEND=Agg),
in a temporary working directory, by an IPython kernel started from *this* interpreter
(``sys.executable -m ipykernel_launcher``, through a kernel spec written to a temporary
directory: the test does not depend on, or modify, the kernels installed in the environment).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
from jupyter_client.kernelspec import KernelSpecManager  # noqa: E402
from jupyter_client.manager import KernelManager  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
EXPECTED = ["01_weak_localization.ipynb", "02_spin_orbit_wal.ipynb", "03_scaling.ipynb",
            "04_fitting_experiments.ipynb", "05_dephasing.ipynb"]
KERNEL_NAME = "andersonwl-test-python"
#: seconds per cell; quick mode needs < 40 s per notebook, this only catches a hang
CELL_TIMEOUT = 300
#: directories a notebook might be tempted to write into (it must not)
WATCHED = [NOTEBOOK_DIR, ROOT / "examples"]

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _snapshot():
    return {str(p.relative_to(ROOT)): p.stat().st_mtime_ns
            for d in WATCHED for p in d.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
            and ".ipynb_checkpoints" not in p.parts}


def _kernel_manager(tmp_path: Path) -> KernelManager:
    """A kernel manager whose only kernel is this interpreter's ipykernel."""
    spec_dir = tmp_path / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True)
    spec = {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "andersonwl test kernel", "language": "python"}
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    ksm = KernelSpecManager(kernel_dirs=[str(tmp_path / "kernels")], ensure_native_kernel=False)
    return KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=ksm)


def test_all_notebooks_present():
    assert [p.name for p in NOTEBOOKS] == EXPECTED


def test_notebooks_are_generated_and_have_no_outputs(tmp_path):
    """The committed notebooks are exactly what notebooks/_build_notebooks.py writes."""
    r = subprocess.run([sys.executable, str(NOTEBOOK_DIR / "_build_notebooks.py"),
                        str(tmp_path)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    for path in NOTEBOOKS:
        built = tmp_path / path.name
        assert built.exists(), f"the generator does not write {path.name}"
        assert built.read_bytes() == path.read_bytes(), (
            f"{path.name} differs from the generator's output: run "
            f"`python notebooks/_build_notebooks.py`")
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, path.name
        first = next(c for c in nb.cells if c.cell_type == "code")
        assert 'QUICK = os.environ.get("ANDERSONWL_QUICK", "0") == "1"' in first.source


def _stderr_warnings(nb) -> list[str]:
    out = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            if o.get("output_type") == "stream" and o.get("name") == "stderr" \
                    and "Warning" in o.get("text", "") and "andersonwl" in o.get("text", ""):
                out.append(o["text"])
    return out


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_executes(path, tmp_path, monkeypatch):
    monkeypatch.setenv("ANDERSONWL_QUICK", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.setenv(var, "1")
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    work = tmp_path / "work"
    work.mkdir()
    nb = nbformat.read(path, as_version=4)
    before = _snapshot()
    client = nbclient.NotebookClient(
        nb, km=_kernel_manager(tmp_path), kernel_name=KERNEL_NAME, timeout=CELL_TIMEOUT,
        allow_errors=False, resources={"metadata": {"path": str(work)}})
    try:
        client.execute()
    except (nbclient.exceptions.CellExecutionError,
            nbclient.exceptions.CellTimeoutError) as exc:
        pytest.fail(f"{path.name}: {_ANSI.sub('', str(exc))}", pytrace=False)
    warnings = _stderr_warnings(nb)
    assert not warnings, f"{path.name} printed andersonwl warnings:\n" + "\n".join(warnings)
    assert _snapshot() == before, f"{path.name} wrote into {[str(d) for d in WATCHED]}"
