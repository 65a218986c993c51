# Two commands on a fresh machine: `make demo` and `make test`.
# Each creates the virtual environment .venv when it is missing (Kwant is
# compiled from source against numpy<2; MUMPS comes from the python-mumps wheel).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.andersonwl-installed
PIP := $(BIN)/python -m pip install -c requirements/constraints.txt
# one BLAS thread per process: parallelism comes from worker processes
export OMP_NUM_THREADS ?= 1
export OPENBLAS_NUM_THREADS ?= 1
export MKL_NUM_THREADS ?= 1
PYTEST_ARGS ?=

.PHONY: venv test demo bench validate clean

venv: $(STAMP)

$(STAMP): pyproject.toml requirements/constraints.txt requirements/build.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements/build.txt
	$(BIN)/python -c "import kwant" 2>/dev/null || $(PIP) --no-build-isolation kwant==1.5.0
	$(PIP) --no-build-isolation -e '.[test]'
	$(BIN)/python -c "import kwant, mumps, numpy; assert numpy.__version__ < '2'"
	touch $@

test: venv
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

demo: venv
	$(BIN)/andersonwl demo

bench: venv
	$(BIN)/python benchmarks/engines.py
	$(BIN)/python benchmarks/ensemble_scaling.py
	$(BIN)/python benchmarks/probes.py

# heavier physics validation (tens of minutes on 2 cores); results in validation/results/
validate: venv
	$(BIN)/python validation/validate.py

clean:
	rm -rf $(VENV) build *.egg-info
