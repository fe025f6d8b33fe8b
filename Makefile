# The two set-up commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test test-slow check-exercises lint bench install dev system-deps clean

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

# The course's slide tool: Marp CLI from npm, pinned by package.json and package-lock.json
# (tests/course/test_slides.py builds every alignment lesson's deck with it).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

install: $(VENV)/.installed
dev: $(VENV)/.installed-dev node_modules/.installed

# The main job: train the MLP milestone on the bundled MNIST digits (mnist-5k); its time and
# target are in `groundup run --list`, the measured run in docs/results.md.
demo: install
	$(BIN)/groundup --version
	$(BIN)/groundup run mlp-mnist

# One BLAS thread per test worker: two workers on two cores, no oversubscription
# (multi-threaded OpenBLAS under contention is 10-100x slower on small matrices).
TEST_ENV := OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

# System programs the tests drive: tmux (the workbench's watch mode), Debian's chromium
# (the course site's browser test, through Playwright; no browser is downloaded), npm (Node.js,
# for the slides' Marp CLI; `make dev` installs it from package.json) and poppler-utils (pdftoppm,
# pdffonts: the book's test renders the PDF's pages). As root
# on Debian/Ubuntu they are installed with apt-get; otherwise `make test` stops before the
# tests with the command to run.
SYSTEM_DEPS := $(strip $(if $(shell command -v tmux),,tmux) $(if $(wildcard /usr/bin/chromium),,chromium) $(if $(shell command -v npm),,npm) $(if $(shell command -v pdftoppm),,poppler-utils))

system-deps:
ifneq ($(SYSTEM_DEPS),)
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "make test: installing $(SYSTEM_DEPS) with apt-get"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_DEPS) >/dev/null; \
	else \
	  echo "make test needs $(SYSTEM_DEPS): run  sudo apt-get install -y $(SYSTEM_DEPS)  and then make test again" >&2; \
	  exit 1; \
	fi
endif

test: system-deps dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(TEST_ENV) $(BIN)/python -m pytest -n 2 --dist loadgroup -m "not slow"

test-slow: dev
	$(TEST_ENV) $(BIN)/python -m pytest -n 2 --dist loadgroup -m slow

# The workbench's author check: every exercise's stub fails its tests, the reference passes.
check-exercises: dev
	$(TEST_ENV) $(BIN)/groundup dev check-exercises -j 2

lint: dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

bench: dev
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) node_modules build dist src/*.egg-info
