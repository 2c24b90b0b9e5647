# Avara Triage. `make run` serves the dashboard (and the sandbox); `make test` runs every test.
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

.PHONY: help setup run serve sandbox migrate seed static test test-debs test-stores test-fast test-e2e test-sandbox lint format chromium bench-debs bench clean

help:
	@echo "make run        set everything up, seed the sandbox, serve http://$(HOST):$(PORT)/"
	@echo "make serve      the same, production-like: gunicorn, DEBUG off, whitenoise static files"
	@echo "make test       set everything up (Chromium, PostgreSQL, Redis included) and run every test"
	@echo "make test-stores  the dashboard's tests marked 'stores' and the sandbox's suite, on private PostgreSQL + Redis"
	@echo "make test-sandbox the sandbox's own suite (tests/sandbox, its own settings)"
	@echo "make sandbox    serve the Avara Viewer API sandbox alone on $(HOST):$(SANDBOX_PORT)"
	@echo "make lint       ruff check and format check, hadolint"
	@echo "make bench      print speed figures (BENCH_QUICK=1 for a short run)"

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

# The dashboard's database (manage.py) and the sandbox's (python -m sandbox: its own settings).
migrate: setup
	$(PY) manage.py migrate --noinput -v 0
	$(PY) -m sandbox migrate --noinput -v 0

seed: migrate
	$(PY) -m sandbox seed_sandbox --studies $(SEED_STUDIES) --seed 1

# Two processes, one host, two ports: the sandbox with its own settings, then the dashboard.
# The demo accounts are linked to Avara users found through the API: the sandbox must serve.
run: seed
	@echo "Sandbox API on http://$(HOST):$(SANDBOX_PORT)/  -  dashboard on http://$(HOST):$(PORT)/"
	@trap 'kill 0' EXIT INT TERM; \
	export AVARA_BASE_URL=$${AVARA_BASE_URL:-http://$(HOST):$(SANDBOX_PORT)}; \
	$(PY) -m sandbox runsandbox $(HOST):$(SANDBOX_PORT) & \
	$(PY) scripts/wait_for_http.py "$$AVARA_BASE_URL/v1/viewer/users?limit=1" && \
	$(PY) manage.py create_demo_accounts && \
	$(PY) manage.py runserver $(HOST):$(PORT)

# Static files for DEBUG off: whitenoise serves STATIC_ROOT (staticfiles/, not committed),
# with gzip copies made here so it can send them compressed.
static: setup
	$(PY) manage.py collectstatic --noinput -v 0
	$(PY) -m whitenoise.compress -q staticfiles

# Production-like: both under gunicorn, DEBUG off, static files from whitenoise. The sandbox
# (sandbox.wsgi, its own settings) runs 2 processes of 8 threads; the dashboard
# (-c dashboard/gunicorn_conf.py) one process of 8 threads unless CACHE_URL names a shared
# store (Redis): then WEB_CONCURRENCY processes may share it.
serve: seed static
	@echo "Sandbox API on http://$(HOST):$(SANDBOX_PORT)/  -  dashboard on http://$(HOST):$(PORT)/ (gunicorn, DEBUG off)"
	@trap 'kill $$(jobs -p) 2>/dev/null; wait' EXIT INT TERM; \
	export AVARA_BASE_URL=$${AVARA_BASE_URL:-http://$(HOST):$(SANDBOX_PORT)}; \
	$(VENV)/bin/gunicorn --bind $(HOST):$(SANDBOX_PORT) --workers 2 --worker-class gthread \
	  --threads 8 --no-control-socket sandbox.wsgi:application & \
	$(PY) scripts/wait_for_http.py "$$AVARA_BASE_URL/v1/viewer/users?limit=1" && \
	$(PY) manage.py create_demo_accounts && \
	DJANGO_DEBUG=0 GUNICORN_BIND=$(HOST):$(PORT) \
	  $(VENV)/bin/gunicorn -c dashboard/gunicorn_conf.py --no-control-socket dashboard.wsgi:application & \
	wait -n  # the first to stop (e.g. a dashboard refusing to start) stops the other

sandbox: setup
	$(PY) -m sandbox migrate --noinput -v 0
	$(PY) -m sandbox runsandbox $(HOST):$(SANDBOX_PORT)

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

# Two suites, each on its own settings: the dashboard's (`pytest`: tests/, which reaches
# the sandbox over HTTP only) and the sandbox's (`pytest tests/sandbox`: sandbox.settings,
# tests/sandbox/pytest.ini). Every test on SQLite + local memory; then, on private
# PostgreSQL + Redis instances that scripts/with-stores starts and always stops, the
# dashboard's tests marked `stores` and the whole sandbox suite.
SANDBOX_SUITE := tests/sandbox
test: setup test-debs chromium
	$(PY) -m pytest $(PYTEST_ARGS)
	$(PY) -m pytest $(SANDBOX_SUITE) $(PYTEST_ARGS)
	scripts/with-stores $(PY) -m pytest -m "stores and not e2e" $(PYTEST_ARGS)
	scripts/with-stores $(PY) -m pytest $(SANDBOX_SUITE) $(PYTEST_ARGS)

test-stores: setup
	scripts/with-stores $(PY) -m pytest -m "stores and not e2e" $(PYTEST_ARGS)
	scripts/with-stores $(PY) -m pytest $(SANDBOX_SUITE) $(PYTEST_ARGS)

test-fast: setup
	$(PY) -m pytest -m "not e2e" $(PYTEST_ARGS)
	$(PY) -m pytest $(SANDBOX_SUITE) $(PYTEST_ARGS)

test-sandbox: setup
	$(PY) -m pytest $(SANDBOX_SUITE) $(PYTEST_ARGS)

test-e2e: setup chromium
	$(PY) -m pytest -m e2e $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/hadolint Dockerfile
	$(VENV)/bin/lint-imports

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Benchmarks print figures (never asserted in tests). scripts/bench.py serves its own
# sandboxes (var/bench-sandbox.sqlite3, 20,000 studies, reused) and dashboards under gunicorn,
# prepares what it needs, and stops everything it started, Ctrl-C included.
BENCH_ARGS ?=
bench: setup bench-debs
	$(PY) scripts/bench.py $(BENCH_ARGS)

# Debian's wrk generates the bench's load, and its redis-server is the dashboards' shared
# store; without them the bench uses Python threads, and one dashboard process on local
# memory (and says so).
bench-debs:
	@for deb in wrk redis-server; do \
	  scripts/apt-install-missing $$deb \
	    || echo "$$deb could not be installed: the bench says what it used instead."; \
	done

clean:
	rm -rf $(VENV) var/*.sqlite3* staticfiles .pytest_cache .ruff_cache *.egg-info
