# The two set-up commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test test-slow check-exercises lint bench install dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip

# Runtime install: NumPy and the CLI/data packages only.
$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -e .
	touch $@

# Dev install: adds pytest, hypothesis, ruff and the PyTorch CPU oracle.
$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/python -m pip install -e '.[dev]'
	touch $@

install: $(VENV)/.installed
dev: $(VENV)/.installed-dev

# The main job: train the MLP milestone on the 4,000 bundled MNIST digits (about a minute).
demo: install
	$(BIN)/groundup --version
	$(BIN)/groundup run mlp-mnist

# One BLAS thread per test worker: two workers on two cores, no oversubscription
# (multi-threaded OpenBLAS under contention is 10-100x slower on small matrices).
TEST_ENV := OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

test: dev
	$(BIN)/ruff check src tests benchmarks
	$(TEST_ENV) $(BIN)/python -m pytest -n 2 -m "not slow"

test-slow: dev
	$(TEST_ENV) $(BIN)/python -m pytest -n 2 -m slow

# The workbench's author check: every exercise's stub fails its tests, the reference passes.
check-exercises: dev
	$(TEST_ENV) $(BIN)/groundup dev check-exercises -j 2

lint: dev
	$(BIN)/ruff check src tests benchmarks

bench: dev
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build dist src/*.egg-info
