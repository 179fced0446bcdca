# Two commands matter: `make demo` and `make test`. Both build .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint env clean airflow bench

env: $(STAMP)

# Everything is pinned by constraints.txt so a fresh machine gets the versions CI tested.
$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ needed: make PYTHON=python3.11 ...")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/rekap demo

# ruff first: the style is part of the contract, and it fails in a second, not after the suite.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

# Not part of `make test`: a national drive through floor, naive, `rekap ingest`, consolidation and the
# real ingest DAG; writes bench/RESULTS.md, exits non-zero when a target is missed (bench/run.py).
bench: $(STAMP)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# A local Airflow (SQLite, LocalExecutor) on the demo drive, with the UI, until Ctrl-C.
airflow: $(STAMP)
	$(BIN)/python -m rekap.dev.local_stack

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) data build *.egg-info plugins/*.egg-info
