# Two commands matter: `make run` and `make test`. Each builds .venv from uv.lock first.
SHELL := /bin/bash
UV_VERSION := 0.13.8
UV := $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/.tools/bin/uv)
VENV := .venv
SYNCED := $(VENV)/.synced
DB ?= sqlite:///var/sayso.db
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run test lint fmt unit bench clean

$(CURDIR)/.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet "uv==$(UV_VERSION)"

$(SYNCED): pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --all-groups --all-extras
	@touch $@

run: $(SYNCED)  ## the product on the embedded SQLite, with the demo org, meeting and join links
	$(VENV)/bin/sayso init --db "$(DB)"
	$(VENV)/bin/sayso serve --demo --db "$(DB)"

lint: $(SYNCED)  ## format check, lint, strict types
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/mypy

fmt: $(SYNCED)
	$(VENV)/bin/ruff format src tests bench
	$(VENV)/bin/ruff check --fix src tests bench

test: lint  ## lint, types, then every test
	$(VENV)/bin/pytest

unit: $(SYNCED)
	$(VENV)/bin/pytest tests/unit

bench: $(SYNCED)  ## speed, as ratios against a baseline; appends to docs/benchmarks.md
	$(VENV)/bin/python -m bench

clean:
	rm -rf $(VENV) .tools .mypy_cache .ruff_cache .pytest_cache .hypothesis
