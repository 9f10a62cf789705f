# The two set-up commands are `make run` and `make test`; see README.md.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test bench lint install dev cjk-font

# The Chinese TrueType font of the PDFs (培训证明); CJK_FONT_PATH points elsewhere if set.
CJK_FONT_PATH ?= /usr/share/fonts/truetype/wqy/wqy-microhei.ttc

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	@echo "== installing the dependencies into $(VENV) (a few minutes the first time)"
	$(BIN)/pip install -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	@echo "== installing the dependencies and test tools into $(VENV) (a few minutes the first time)"
	$(BIN)/pip install -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

dev: $(VENV)/.dev-installed

cjk-font:
	@if [ -f "$(CJK_FONT_PATH)" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "== installing fonts-wqy-microhei (Chinese font of the PDF proofs)"; \
		apt-get install -y -q fonts-wqy-microhei >/dev/null 2>&1 || \
		(apt-get update -q >/dev/null && apt-get install -y -q fonts-wqy-microhei >/dev/null) || \
		echo "!! could not install fonts-wqy-microhei: PDF proofs (培训证明) will show an error page"; \
	else \
		echo "!! Chinese font $(CJK_FONT_PATH) is missing: install the Debian package fonts-wqy-microhei"; \
		echo "   (sudo apt-get install fonts-wqy-microhei) or set CJK_FONT_PATH to a TrueType Chinese font."; \
	fi

run: install cjk-font
	$(BIN)/flask --app app db upgrade
	$(BIN)/flask --app app demo-data --if-empty
	@echo "== wuye-skills: http://$(HOST):$(PORT)/ (demo accounts in README.md; password demo-pass-2025)"
	$(BIN)/flask --app app run --host $(HOST) --port $(PORT)

test: dev cjk-font
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
