# Needs only python3 (3.11) and make. uv is found on PATH or bootstrapped into .tools/.
SHELL := /bin/bash
UV_VERSION := 0.13.9
UV := $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/.tools/bin/uv)

# The PostgreSQL half of the suite runs whenever a local server answers (CI requires it).
PG_LOCAL := postgresql+psycopg://postgres@127.0.0.1:5432/test
OOLVAY_TEST_POSTGRES_URL ?= $(shell pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && echo $(PG_LOCAL))
export OOLVAY_TEST_POSTGRES_URL

.PHONY: run test lint typecheck format sync clean screenshots

# serve --demo migrates the embedded database once it holds its port: a second `make run`
# beside a running one stops (exit 4) before it changes anything.
run: sync
	.venv/bin/oolvay serve --demo

# Every check runs even when an earlier one fails, so one run shows every problem.
test: sync
	@status=0; \
	$(UV) run --locked pytest || status=1; \
	$(UV) run --locked ruff check . || status=1; \
	$(UV) run --locked ruff format --check . || status=1; \
	$(UV) run --locked mypy --strict oolvay tests bench || status=1; \
	exit $$status

# The README's screenshots, made by the browser tests (needs /usr/bin/chromium).
screenshots: sync
	OOLVAY_SCREENSHOTS_DIR=docs/screenshots $(UV) run --locked pytest tests/browser -q

lint: sync
	$(UV) run --locked ruff check .
	$(UV) run --locked ruff format --check .

typecheck: sync
	$(UV) run --locked mypy --strict oolvay tests bench

format: sync
	$(UV) run --locked ruff check --fix .
	$(UV) run --locked ruff format .

# Bytecode is compiled at install time, for the dependencies and for oolvay itself: with
# PYTHONDONTWRITEBYTECODE set, nothing would be cached and every command would compile
# everything it imports. .venv/.synced tells ./oolvay that the environment is current.
sync: $(UV)
	$(UV) sync --locked --quiet --compile-bytecode
	.venv/bin/python -m compileall -q oolvay
	@touch .venv/.synced

$(CURDIR)/.tools/bin/uv:
	python3 -m venv $(CURDIR)/.tools
	$(CURDIR)/.tools/bin/pip install --quiet uv==$(UV_VERSION)

clean:
	rm -rf .venv .tools .mypy_cache .ruff_cache .pytest_cache
