# The front door. `make run` starts the whole system locally; `make test` runs the test suite.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS ?= never
VENV := .venv/bin
PY313 := $(shell ls -d $$(pyenv root 2>/dev/null)/versions/3.13*/bin 2>/dev/null | head -1)

.PHONY: bootstrap run test lint typecheck check-template sam build bench openapi clean

bootstrap: .venv/.ready
.venv/.ready: uv.lock pyproject.toml scripts/bootstrap.sh
	@scripts/bootstrap.sh
	@touch $@

run: bootstrap ## the whole system on http://localhost:3000
	$(VENV)/python -m tools.devstack $(ARGS)

test: bootstrap ## the full test suite against a real PostgreSQL
	$(VENV)/pytest -n auto -p no:cacheprovider $(ARGS)

lint: bootstrap ## ruff and mypy --strict
	$(VENV)/ruff check .
	$(VENV)/ruff format --check .
	$(VENV)/mypy

openapi: bootstrap
	$(VENV)/starter export-openapi --output docs/openapi.json

bench: bootstrap ## cold start, warm latency and throughput figures
	$(VENV)/python -m bench

clean:
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache
