# Two commands: `make serve` and `make test` set everything up from a bare Python 3.11+.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 1
PYTEST_ARGS ?=
# tests/deploy/ looks for checkov, hadolint and kubectl here (`make tools`)
TOOLS_VENV := .venv-tools

.PHONY: install install-test tools serve test check format schema bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.test: pyproject.toml clients/python/pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m pip install --quiet -e clients/python
	touch $@ $(VENV)/.runtime

install: $(VENV)/.runtime
install-test: $(VENV)/.test

# Linters for tests/deploy/, in a virtualenv of their own: checkov's pins clash with ours.
$(TOOLS_VENV)/.installed: tests/deploy/tools-requirements.txt
	$(PYTHON) -m venv $(TOOLS_VENV)
	$(TOOLS_VENV)/bin/python -m pip install --quiet -r tests/deploy/tools-requirements.txt
	touch $@

tools: $(TOOLS_VENV)/.installed

serve: install
	$(BIN)/archgraph serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

test: install-test tools
	$(BIN)/python -m pytest $(PYTEST_ARGS)

check: install-test
	$(BIN)/ruff check service tests clients bench
	$(BIN)/ruff format --check service tests clients bench
	$(BIN)/mypy

format: install-test
	$(BIN)/ruff check --fix service tests clients bench
	$(BIN)/ruff format service tests clients bench

schema: install
	$(BIN)/archgraph export-schema > schema.graphql

# Every bench/bench_*.py in turn (see bench/README.md); fails if any verdict failed.
bench: install-test
	@status=0; for script in bench/bench_*.py; do \
	  $(BIN)/python -m bench.$$(basename $$script .py) || status=1; \
	done; exit $$status

clean:
	rm -rf $(VENV) $(TOOLS_VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
