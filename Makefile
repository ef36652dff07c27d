# Two set-up commands: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= out/projects-service
BUNDLE ?= examples/projects-saas
# Most tests wait on subprocesses (generated suites, servers, databases): 3 workers keep 2 cores busy.
TEST_WORKERS ?= 3

.PHONY: install run test lint typecheck bench clean

$(BIN)/.installed: pyproject.toml
	@echo "[INFO] installing into $(VENV) only: pip, setuptools (the venv's bundled 65.5 has PYSEC-2022-43012) and backend-engineer with its dev extras"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip 'setuptools>=65.5.1'
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
	@echo "[INFO] next: if chromium is missing and this is root with apt-get, Debian's chromium is installed SYSTEM-WIDE (for the HTML handoff screenshot test); BE_NO_SYSTEM_INSTALL=1 skips it"
	@if [ -f scripts/ensure-chromium.sh ]; then bash scripts/ensure-chromium.sh; fi
	@if [ -f scripts/ensure-bwrap.sh ]; then bash scripts/ensure-bwrap.sh; fi
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

bench: install
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) out .backend-engineer .pytest_cache .mypy_cache .ruff_cache
