# Sejahtera: `make run` serves the demo, `make test` runs every check. Both set themselves up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000
DEMO_PERSONS ?= 20000
# The PostgreSQL the suite also runs against (scripts/ensure-postgres starts one if none answers).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/sejahtera
PYTEST_WORKERS ?= 2

.PHONY: run test lint typecheck test-sqlite test-postgres bench-import bench-targeting messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	SEJAHTERA_DEMO=1 $(BIN)/sejahtera demo --persons $(DEMO_PERSONS)
	SEJAHTERA_REQUIRE_TWO_FACTOR=0 $(BIN)/sejahtera serve --host $(HOST)

test: lint typecheck test-sqlite test-postgres

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

test-sqlite: $(VENV)/.installed-dev
	scripts/ensure-chromium
	env -u DATABASE_URL $(BIN)/pytest -n $(PYTEST_WORKERS)

# Only the tests that touch the database run a second time, on PostgreSQL.
test-postgres: $(VENV)/.installed-dev
	scripts/ensure-postgres
	DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/pytest -n $(PYTEST_WORKERS) -m database

bench-import: $(VENV)/.installed-dev
	scripts/ensure-postgres
	DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/python bench/import.py

# 10 M persons through the DuckDB engine against one hand-written query; 1 M on Spark local[2].
bench-targeting: $(VENV)/.installed-dev
	$(BIN)/python bench/targeting.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

# After changing user-facing text: refresh the catalogues, translate, then compile.
messages: $(VENV)/.installed-dev
	cd src/sejahtera && ../../$(BIN)/sejahtera manage makemessages -l id -l en --no-obsolete --ignore 'synth/*'
	cd src/sejahtera && ../../$(BIN)/sejahtera manage compilemessages
