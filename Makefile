# Needs only python3 (3.11) and make. uv is found on PATH or bootstrapped into .tools/.
SHELL := /bin/bash
UV_VERSION := 0.13.9
UV := $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/.tools/bin/uv)

.PHONY: run test lint typecheck format sync clean

run: sync
	$(UV) run --locked oolvay db upgrade
	$(UV) run --locked oolvay serve --demo

test: sync
	$(UV) run --locked pytest
	$(UV) run --locked ruff check .
	$(UV) run --locked ruff format --check .
	$(UV) run --locked mypy --strict oolvay

lint: sync
	$(UV) run --locked ruff check .
	$(UV) run --locked ruff format --check .

typecheck: sync
	$(UV) run --locked mypy --strict oolvay

format: sync
	$(UV) run --locked ruff check --fix .
	$(UV) run --locked ruff format .

sync: $(UV)
	$(UV) sync --locked --quiet

$(CURDIR)/.tools/bin/uv:
	python3 -m venv $(CURDIR)/.tools
	$(CURDIR)/.tools/bin/pip install --quiet uv==$(UV_VERSION)

clean:
	rm -rf .venv .tools .mypy_cache .ruff_cache .pytest_cache
