# xinyong: two commands for a new user — `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: setup demo demo-build serve test lint bench soak vendor clean

setup: $(STAMP)

# Idempotent: re-installs only when pyproject.toml or constraints.txt change.
$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[test,spark,scorecard]"
	@touch $(STAMP)

demo: setup
	$(BIN)/xinyong demo

demo-build: setup
	$(BIN)/xinyong demo build

serve: setup
	$(BIN)/xinyong serve

test: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

bench: setup
	$(BIN)/python bench/ingest.py

# Bounded mixed traffic (cards, searches, officer archives, department pushes) on loopback; prints
# req/s, p50/p99, errors and server memory. SOAK_ARGS="--seconds 300 --database-url postgresql://…"
SOAK_ARGS ?= --seconds 60 --workers 2
soak: setup
	$(BIN)/python bench/soak.py $(SOAK_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache
