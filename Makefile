# The series' two commands: `make lab` (open the notebooks) and `make test` (run every test).
# Both create the virtual environment and install the locked packages when they are missing.
#
# Python: the newest of python3.13, python3.12, python3.11 (then python3) found on the PATH, or the one
# named by PYTHON=... (`make test PYTHON=python3.12`). Installer: uv when it is on the PATH, pip otherwise;
# both install requirements-lock.txt with every hash checked, and compile it to bytecode once (uv does not
# by default, and with PYTHONDONTWRITEBYTECODE set every process would compile pandas again as it starts).

VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements-lock.txt

IS_SUPPORTED := import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))
PY_VERSION := import sys; print("%d.%d" % sys.version_info[:2])

ifndef PYTHON
PYTHON := $(firstword $(foreach p,python3.13 python3.12 python3.11 python3,$(shell $(p) -c '$(IS_SUPPORTED)' >/dev/null 2>&1 && echo $(p))))
else
# An explicit PYTHON of another version than the environment's: rebuild the environment with it.
ifneq ($(shell $(PYTHON) -c '$(PY_VERSION)' 2>/dev/null),$(shell $(BIN)/python -c '$(PY_VERSION)' 2>/dev/null))
.PHONY: $(STAMP)
endif
endif

UV ?= $(shell command -v uv 2>/dev/null)

.PHONY: lab test test-fast bench notebooks exercises timings guide diagrams translations notebooks-pt-BR lint lock clean

$(STAMP): $(LOCK) pyproject.toml
	@test -n "$(PYTHON)" || { echo "No Python 3.11, 3.12 or 3.13 found on the PATH (tried python3.13, python3.12, python3.11, python3)."; \
	  echo "Install one (see the README's prerequisites), or name it: make $(MAKECMDGOALS) PYTHON=/path/to/python3.12"; exit 1; }
	@$(PYTHON) -c '$(IS_SUPPORTED)' >/dev/null 2>&1 || { echo "$(PYTHON) is not Python 3.11, 3.12 or 3.13 (or does not run):"; \
	  $(PYTHON) --version; echo "Name a supported one: make $(MAKECMDGOALS) PYTHON=/path/to/python3.12"; exit 1; }
	@if test -x $(BIN)/python && test "$$($(BIN)/python -c '$(PY_VERSION)' 2>/dev/null)" != "$$($(PYTHON) -c '$(PY_VERSION)')"; then \
	  echo "$(VENV) was made with another Python: recreating it with $(PYTHON)"; rm -rf $(VENV); fi
	@echo "Installing the locked packages into $(VENV) with $$($(PYTHON) --version) and $(if $(UV),uv,pip)"
ifneq ($(UV),)
	test -x $(BIN)/python || $(UV) venv --quiet --no-python-downloads --python "$$($(PYTHON) -c 'import sys; print(sys.executable)')" $(VENV)
	$(UV) pip install --quiet --compile-bytecode --python $(BIN)/python --require-hashes -r $(LOCK)
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
else
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
endif
	touch $(STAMP)

# JupyterLab refuses to start as root unless told to (containers, some CI machines).
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)
# jupyter_config/: no news pop-up, no update check (the series works offline).
LAB_ENV := JUPYTER_CONFIG_PATH=$(CURDIR)/jupyter_config

lab: $(STAMP)
	$(LAB_ENV) $(BIN)/jupyter lab notebooks/ $(ALLOW_ROOT)

test: $(STAMP)
	$(BIN)/python -m pytest

# The quick loop while coding: unit tests only (no notebooks, no test marked slow), without the nbval plugin.
test-fast: $(STAMP)
	$(BIN)/python -m pytest tests -m "not slow" -p no:nbval -o addopts="" -n 2 --dist loadfile

bench: $(STAMP)
	$(BIN)/python -m benchmarks.series

notebooks: $(STAMP)
	$(BIN)/python tools/run_notebooks.py notebooks/*.ipynb
	$(BIN)/python tools/make_exercises.py

exercises: $(STAMP)
	$(BIN)/python tools/make_exercises.py

# The instructor guides' timing section: `timings` runs every notebook once, one after the other, to
# measure its cells (on a quiet machine: about four minutes), then renders; `guide` renders again from
# the committed measurement (after a notebook's text changed).
timings: $(STAMP)
	$(BIN)/python tools/run_notebooks.py --no-write --timings docs/cell-timings.csv notebooks/[0-9][0-9]_*.ipynb
	$(BIN)/python tools/notebook_stats.py --guide

guide: $(STAMP)
	$(BIN)/python tools/notebook_stats.py --guide

# The Portuguese edition (see docs/authoring.md): bring the catalogs in locale/pt_BR/ in step with the English
# sources, translate there, then build, execute and copy the pt-BR notebooks (commit all of it).
translations: $(STAMP)
	$(BIN)/python tools/translate.py update

notebooks-pt-BR: $(STAMP)
	$(BIN)/python tools/translate.py build
	$(BIN)/python tools/run_notebooks.py notebooks/pt-BR/*.ipynb
	$(BIN)/python tools/make_exercises.py

# The notebooks' diagrams: tools/diagrams.yaml -> notebooks/images/*.svg (commit both).
diagrams: $(STAMP)
	$(BIN)/python tools/make_diagrams.py

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

# Regenerate the lock after editing requirements.txt: every package, for Python 3.11–3.13 on Linux, macOS
# and Windows, with hashes (needs uv: `pip install uv`).
lock:
	@test -n "$(UV)" || { echo "make lock needs uv on the PATH: pip install uv"; exit 1; }
	$(UV) pip compile requirements.txt --universal --python-version 3.11 --generate-hashes --quiet \
	  --custom-compile-command "make lock" -o $(LOCK)

clean:
	rm -rf models runs exercises benchmarks/results .pytest_cache
