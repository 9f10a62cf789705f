# The two set-up commands are `make run` and `make test`; see README.md.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test bench lint install dev

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

dev: $(VENV)/.dev-installed

run: install
	$(BIN)/flask --app app db upgrade
	$(BIN)/flask --app app demo-data --if-empty
	$(BIN)/flask --app app run --host $(HOST) --port $(PORT)

test: dev
	$(BIN)/pytest
	@if [ -n "$$TEST_POSTGRES_URL" ]; then \
		echo "== again on PostgreSQL: $$TEST_POSTGRES_URL"; \
		TEST_DATABASE_URL="$$TEST_POSTGRES_URL" $(BIN)/pytest; \
	fi

bench: dev
	$(BIN)/python -m bench

lint: dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
