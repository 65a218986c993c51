"""The teaching notebooks (notebooks/*.md): MyST Markdown text notebooks, without outputs, runnable.

The notebooks are text files in the MyST Markdown notebook format (jupytext ``md:myst``, read
natively by myst-nb).  Each is read with jupytext into an nbformat notebook and executed with
nbclient in quick mode (ANDERSONWL_QUICK=1, MPLBACKEND=Agg), in a temporary working
directory, by an IPython kernel started from *this* interpreter
(``sys.executable -m ipykernel_launcher``, through a kernel spec written to a temporary
directory: the test does not depend on, or modify, the kernels installed in the environment).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
jupytext = pytest.importorskip("jupytext")
pytest.importorskip("ipykernel")
from jupyter_client.kernelspec import KernelSpecManager  # noqa: E402
from jupyter_client.manager import KernelManager  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.md"))
EXPECTED = ["01_weak_localization.md", "02_spin_orbit_wal.md", "03_scaling.md",
            "04_fitting_experiments.md", "05_dephasing.md", "06_temperature_and_noise.md",
            "07_graphene.md"]
KERNEL_NAME = "andersonwl-test-python"
#: seconds per cell; quick mode needs < 60 s per notebook, this only catches a hang
CELL_TIMEOUT = 300
#: directories a notebook might be tempted to write into (it must not)
WATCHED = [NOTEBOOK_DIR, ROOT / "examples"]
#: the quick-mode switch, read in each notebook's setup cell (its first code cell)
QUICK_LINE = 'QUICK = os.environ.get("ANDERSONWL_QUICK", "0") == "1"'
#: plumbing a student should not have to read: the package sets BLAS threads and runs its
#: own process pool
PLUMBING = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "multiprocessing",
            "Executor", "set_start_method", "get_context")
#: the opening fence of a code cell in MyST Markdown
CODE_FENCE = re.compile(r"^```\{code-cell\}", re.MULTILINE)

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _snapshot():
    return {str(p.relative_to(ROOT)): p.stat().st_mtime_ns
            for d in WATCHED for p in d.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
            and ".ipynb_checkpoints" not in p.parts}


def _read(path: Path):
    return jupytext.read(path, fmt="md:myst")


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
    """Exactly the six text notebooks, and no .ipynb (outputs are never committed)."""
    assert [p.name for p in NOTEBOOKS] == EXPECTED
    stray = [p.name for p in NOTEBOOK_DIR.glob("*.ipynb")]
    assert not stray, f"notebooks/ holds .ipynb files {stray}: the notebooks are the .md files"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_myst_text_without_outputs(path):
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n"), f"{path.name}: no YAML front matter"
    nb = _read(path)
    nbformat.validate(nb)
    meta = nb.metadata
    assert meta["jupytext"]["text_representation"]["format_name"] == "myst", path.name
    assert meta["kernelspec"]["name"] == "python3", path.name
    assert meta["kernelspec"]["language"] == "python", path.name
    code = [c for c in nb.cells if c.cell_type == "code"]
    # every code-cell fence of the text is a code cell of the notebook, none is lost or
    # merged into markdown
    assert len(code) == len(CODE_FENCE.findall(text)) > 0, path.name
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None, path.name
    # physics first: a title, not code; the setup cell reads the quick-mode switch (where the
    # notebook has one) and no code cell carries thread or process plumbing
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# "), \
        path.name
    if "QUICK" in text:
        assert QUICK_LINE in code[0].source, path.name
    for cell in code:
        found = [w for w in PLUMBING if w in cell.source]
        assert not found, f"{path.name}: plumbing {found} in a code cell:\n{cell.source}"


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
    nb = _read(path)
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
