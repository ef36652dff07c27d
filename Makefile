# Two set-up commands: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= out/projects-service
BUNDLE ?= examples/projects-saas

.PHONY: install run test lint typecheck bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

install: $(BIN)/.installed

run: install
	$(BIN)/backend-engineer build $(BUNDLE) --out $(OUT) --db sqlite --yes

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

typecheck: install
	$(BIN)/mypy

test: install lint
	@if [ -f scripts/ensure-chromium.sh ]; then bash scripts/ensure-chromium.sh; fi
	@if [ -f scripts/ensure-bwrap.sh ]; then bash scripts/ensure-bwrap.sh; fi
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) out .backend-engineer .pytest_cache .mypy_cache .ruff_cache
