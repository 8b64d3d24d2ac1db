# The series' two commands: `make lab` (open the notebooks) and `make test` (run every test).
# Both create the virtual environment and install the pinned packages when they are missing.

PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: lab test test-fast bench notebooks exercises lint clean

$(STAMP): requirements.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11, or run make PYTHON=/path/to/python3.11"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# JupyterLab refuses to start as root unless told to (containers, some CI machines).
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/ $(ALLOW_ROOT)

test: $(STAMP)
	$(BIN)/python -m pytest

# The quick loop while coding: unit tests only (no notebooks, no test marked slow), without the nbval plugin.
test-fast: $(STAMP)
	$(BIN)/python -m pytest tests -m "not slow" -p no:nbval -o addopts=""

bench: $(STAMP)
	$(BIN)/python -m benchmarks.series

notebooks: $(STAMP)
	$(BIN)/python tools/run_notebooks.py notebooks/*.ipynb

exercises: $(STAMP)
	$(BIN)/python tools/make_exercises.py

# The notebooks' diagrams: tools/diagrams.yaml -> notebooks/images/*.svg (commit both).
.PHONY: diagrams
diagrams: $(STAMP)
	$(BIN)/python tools/make_diagrams.py

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

clean:
	rm -rf models runs exercises benchmarks/results .pytest_cache
