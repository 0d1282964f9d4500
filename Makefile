# The two commands a newcomer needs: `make run` and `make test`.
# Everything else here is what they are built from.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help run test fuzz lint format typecheck lock migrate demo worker beat serve clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.base-installed: requirements/base.txt | $(VENV)/bin/python
	$(PIP) install --quiet -r requirements/base.txt
	@touch $@

$(VENV)/.dev-installed: requirements/dev.txt requirements/base.txt | $(VENV)/bin/python
	$(PIP) install --quiet -r requirements/dev.txt
	@touch $@ $(VENV)/.base-installed

migrate: $(VENV)/.base-installed  ## Apply database migrations
	$(PY) manage.py migrate --noinput

demo: migrate  ## Load the demo user, household and activity
	$(PY) manage.py load_demo

run: demo  ## Set up and serve on http://$(HOST):$(PORT) with demo data (embedded default)
	@echo ""
	@echo "  Personal Finance Tracker on http://$(HOST):$(PORT)/"
	@echo "  API docs:  http://$(HOST):$(PORT)/api/docs/   (ReDoc: /api/redoc/)"
	@echo "  Demo sign-in: username 'demo', password 'finance-demo'"
	@echo ""
	$(PY) manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.dev-installed  ## Set up and run the whole test suite
	$(VENV)/bin/pytest $(PYTEST_ARGS)

FUZZ_MAX_EXAMPLES ?= 25
fuzz: $(VENV)/.dev-installed  ## Fuzz the API against its OpenAPI schema (schemathesis), more examples than make test
	FUZZ_MAX_EXAMPLES=$(FUZZ_MAX_EXAMPLES) FUZZ_COVERAGE=1 $(VENV)/bin/pytest -m fuzz tests/test_fuzz_api.py $(PYTEST_ARGS)

lint: $(VENV)/.dev-installed  ## ruff (lint + format check) and mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(PY) manage.py makemigrations --check --dry-run

format: $(VENV)/.dev-installed  ## Format and autofix
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

lock: $(VENV)/.dev-installed  ## Re-pin requirements/*.txt from requirements/*.in (no index URLs)
	$(VENV)/bin/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links --no-emit-trusted-host -o requirements/base.txt requirements/base.in
	$(VENV)/bin/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links --no-emit-trusted-host -o requirements/dev.txt requirements/dev.in

worker: $(VENV)/.base-installed  ## Run a Celery worker (needs CELERY_BROKER_URL)
	$(VENV)/bin/celery -A config worker --loglevel=INFO

beat: $(VENV)/.base-installed  ## Run Celery Beat, the scheduler (needs CELERY_BROKER_URL)
	$(VENV)/bin/celery -A config beat --loglevel=INFO

serve: migrate  ## Production-style server: gunicorn with config.settings.production
	$(PY) manage.py collectstatic --noinput --verbosity 0 --settings=config.settings.production
	$(VENV)/bin/gunicorn config.wsgi:application --bind $(HOST):$(PORT) --workers $${WEB_CONCURRENCY:-3} --access-logfile -

clean:  ## Remove the virtualenv, caches and the SQLite database
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis staticfiles db.sqlite3 db.sqlite3-*
