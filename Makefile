# Two commands on a fresh machine: `make demo` and `make test`.
# Each creates its virtual environment when it is missing: numpy 2, Kwant 1.5.0 rebuilt from
# its sdist against it (tools/build_kwant.py), then the package; the stack is checked at the end.
# Another Python: `make test PYTHON=python3.12` (its own environment, .venv-python3.12; a
# pyenv-installed version is found even when it is not the active one).

PYTHON ?= python3
PYTHON_EXE := $(shell $(PYTHON) -c 'import sys; print(sys.executable)' 2>/dev/null || \
	(v=$$(pyenv versions --bare 2>/dev/null | grep -E '^$(patsubst python%,%,$(PYTHON))([.]|$$)' | tail -n 1); \
	 test -n "$$v" && PYENV_VERSION=$$v pyenv which $(PYTHON) 2>/dev/null))
VENV ?= $(if $(filter python3,$(PYTHON)),.venv,.venv-$(PYTHON))
BIN := $(VENV)/bin
STAMP := $(VENV)/.andersonwl-installed
PIP := $(BIN)/python -m pip install -c requirements/constraints.txt
PYTEST_ARGS ?=

.PHONY: venv test test-core lint demo docs bench validate clean

venv: $(STAMP)

$(STAMP): pyproject.toml requirements/constraints.txt requirements/build.txt tools/build_kwant.py
	@test -n "$(PYTHON_EXE)" || { echo "make: no interpreter for PYTHON=$(PYTHON)" >&2; exit 2; }
	test -x $(BIN)/python || $(PYTHON_EXE) -m venv $(VENV)
	$(PIP) -r requirements/build.txt
	$(BIN)/python -m pip uninstall -y -q python-mumps 2>/dev/null || true   # numpy-1 only
	$(BIN)/python -c "import kwant" 2>/dev/null || $(BIN)/python tools/build_kwant.py
	$(PIP) --no-build-isolation -e '.[test]'
	$(BIN)/python tools/check_stack.py
	touch $@

lint: venv
	$(BIN)/ruff check .

test: lint
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

# the subset run on the other supported Pythons by .ci/run
test-core: venv
	$(BIN)/python -m pytest -n 2 -m core $(PYTEST_ARGS)

demo: venv
	$(BIN)/andersonwl demo --force

# the documentation site in docs/_build/html: notebooks executed in quick mode (cached in
# docs/_build/.jupyter_cache-quick1: a rebuild re-runs only the notebooks that changed),
# MathJax bundled; ANDERSONWL_QUICK=0 renders the full-size notebooks (tens of minutes)
docs: venv
	$(BIN)/python -m sphinx -W --keep-going -b html docs docs/_build/html
	@echo "open docs/_build/html/index.html (works offline)"

bench: venv
	$(BIN)/python benchmarks/engines.py
	$(BIN)/python benchmarks/ensemble_scaling.py
	$(BIN)/python benchmarks/probes.py
	$(BIN)/python benchmarks/blas_threads.py
	$(BIN)/python benchmarks/planner.py
	$(BIN)/python benchmarks/energy_sweep.py
	$(BIN)/python benchmarks/transfer_matrix.py

# heavier physics validation (about two hours on 2 cores); results in validation/results/
validate: venv
	$(BIN)/python validation/validate.py
	$(BIN)/python validation/transmission.py
	$(BIN)/python validation/spin.py | tee validation/results/spin.md
	$(BIN)/python validation/graphene.py | tee validation/results/graphene.md
	$(BIN)/python validation/lambda_scaling.py 3d --precision 0.0025 --sizes 4 6 8 10 12 \
		| tee validation/results/lambda_3d.md
	$(BIN)/python validation/lambda_scaling.py su2 --precision 0.005 --sizes 8 12 16 24 \
		| tee validation/results/lambda_su2.md
	$(BIN)/python validation/kills.py

clean:
	rm -rf .venv .venv-python3* build *.egg-info
