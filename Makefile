# Avara Triage. `make run` serves the dashboard (and its sandbox); `make test` runs every test.
# Both set up what they need on a fresh machine: Python venv, packages, Chromium for tests.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
SANDBOX_PORT ?= 8001
SEED_STUDIES ?= 300
PYTEST_ARGS ?=

# Django 6 needs Python >= 3.12: the first suitable interpreter on PATH, else pyenv's newest.
SYSTEM_PYTHON := $(shell \
  for c in python3.14 python3.13 python3.12 python3 python; do \
    p=$$(command -v $$c 2>/dev/null) || continue; \
    "$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { echo "$$p"; exit 0; }; \
  done; \
  root=$$(pyenv root 2>/dev/null || echo "$${PYENV_ROOT:-$$HOME/.pyenv}"); \
  for v in $$(ls "$$root/versions" 2>/dev/null | grep -E '^3\.(1[2-9])\.[0-9]+$$' | sort -rV); do \
    p="$$root/versions/$$v/bin/python3"; \
    [ -x "$$p" ] && "$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { echo "$$p"; exit 0; }; \
  done)

.PHONY: help setup run sandbox migrate seed demo-accounts test test-debs test-stores test-fast test-e2e lint format chromium bench clean

help:
	@echo "make run        set everything up, seed the sandbox, serve http://$(HOST):$(PORT)/"
	@echo "make test       set everything up (Chromium, PostgreSQL, Redis included) and run every test"
	@echo "make test-stores  only the tests marked 'stores', on private PostgreSQL + Redis"
	@echo "make sandbox    serve the Avara Viewer API sandbox alone on $(HOST):$(SANDBOX_PORT)"
	@echo "make lint       ruff check and format check, hadolint"
	@echo "make bench      print speed figures"

$(PY):
	@if [ -z "$(SYSTEM_PYTHON)" ]; then \
	  echo "error: Avara Triage needs Python 3.12 or newer (Django 6)." >&2; \
	  echo "Install one, e.g. 'apt-get install python3.12 python3.12-venv' or 'pyenv install 3.13'," >&2; \
	  echo "then run make again (or: make SYSTEM_PYTHON=/path/to/python3.12 ...)." >&2; \
	  exit 1; \
	fi
	"$(SYSTEM_PYTHON)" -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

setup: $(VENV)/.installed

migrate: setup
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py migrate --database sandbox --noinput -v 0

seed: migrate
	$(PY) manage.py seed_sandbox --studies $(SEED_STUDIES) --seed 1

demo-accounts: migrate
	$(PY) manage.py create_demo_accounts

run: seed demo-accounts
	@echo "Sandbox API on http://$(HOST):$(SANDBOX_PORT)/  -  dashboard on http://$(HOST):$(PORT)/"
	@trap 'kill 0' EXIT INT TERM; \
	$(PY) manage.py runsandbox $(HOST):$(SANDBOX_PORT) & \
	AVARA_BASE_URL=$${AVARA_BASE_URL:-http://$(HOST):$(SANDBOX_PORT)} \
	  $(PY) manage.py runserver $(HOST):$(PORT)

sandbox: migrate
	$(PY) manage.py runsandbox $(HOST):$(SANDBOX_PORT)

# Debian's Chromium for the Playwright browser tests (Playwright's own download cannot work here).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core; \
	fi

# Debian packages a full test run needs: one `apt-get update` + install when any is missing.
TEST_DEBS := chromium fonts-dejavu-core postgresql redis-server
test-debs:
	@scripts/apt-install-missing $(TEST_DEBS)

# Every test on SQLite + local memory, then the ones marked `stores` again on private
# PostgreSQL + Redis instances that scripts/with-stores starts and always stops.
test: setup test-debs chromium
	$(PY) -m pytest $(PYTEST_ARGS)
	scripts/with-stores $(PY) -m pytest -m "stores and not e2e" $(PYTEST_ARGS)

test-stores: setup
	scripts/with-stores $(PY) -m pytest -m "stores and not e2e" $(PYTEST_ARGS)

test-fast: setup
	$(PY) -m pytest -m "not e2e" $(PYTEST_ARGS)

test-e2e: setup chromium
	$(PY) -m pytest -m e2e $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/hadolint Dockerfile

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Benchmarks print figures; they use their own sandbox database, never var/sandbox.sqlite3.
BENCH_ENV := SANDBOX_DATABASE_URL=sqlite:///$(CURDIR)/var/bench-sandbox.sqlite3 DATABASE_URL=sqlite:///$(CURDIR)/var/bench-dashboard.sqlite3
bench: setup
	$(BENCH_ENV) $(PY) manage.py migrate --noinput -v 0
	$(BENCH_ENV) $(PY) manage.py migrate --database sandbox --noinput -v 0
	$(BENCH_ENV) $(PY) manage.py bench

clean:
	rm -rf $(VENV) var/*.sqlite3* staticfiles .pytest_cache .ruff_cache *.egg-info
