# The two commands a newcomer needs: `make run` and `make test`.
# Everything else here is what they are built from.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# Parallel test processes (pytest-xdist); 0 runs everything in one process.
PYTEST_WORKERS ?= auto

.DEFAULT_GOAL := help
.PHONY: help run test lint format typecheck lock migrate demo worker beat serve clean fuzz assets messages makemessages chromium models bench bench-quick screenshots

# Translations: the .po sources are committed, the .mo files are compiled here (Babel, no GNU gettext needed).
PO_FILES := $(wildcard finance/web/locale/*/LC_MESSAGES/django.po)
MO_FILES := $(PO_FILES:.po=.mo)

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

# Front-end packages from the npm registry (package-lock.json pins them); nothing third-party is in the repo.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node.js) is needed for the web app's assets: apt-get install -y nodejs npm"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

assets: node_modules/.installed  ## Install the web app's front-end packages (Chart.js, axe-core) with npm ci

%.mo: %.po $(VENV)/.base-installed
	$(VENV)/bin/pybabel compile --domain django --input-file $< --output-file $@ --statistics

messages: $(MO_FILES)  ## Compile the web app's translations (.po → .mo)

makemessages: $(VENV)/.dev-installed  ## Extract translatable strings into the .po files (needs GNU gettext)
	$(PY) manage.py makemessages -l es -l de --no-obsolete --ignore=.venv --ignore=node_modules --ignore=staticfiles --ignore='*/tests/*'

chromium:  ## Install the system Chromium the browser tests drive (Debian; needs root)
	@command -v chromium >/dev/null || { apt-get update && apt-get install -y --no-install-recommends chromium; }

migrate: $(VENV)/.base-installed  ## Apply database migrations
	$(PY) manage.py migrate --noinput

demo: migrate  ## Load the demo user, household and activity
	$(PY) manage.py load_demo

models: $(VENV)/.base-installed assets  ## Build the merchant directory (from the npm package) and the base categorizer (var/models/), if missing or stale
	$(PY) manage.py build_merchant_directory --if-missing
	$(PY) manage.py build_base_categorizer --if-missing

run: models demo assets messages  ## Set up and serve on http://$(HOST):$(PORT) with demo data (embedded default)
	@echo ""
	@echo "  Personal Finance Tracker on http://$(HOST):$(PORT)/  (the web app: /app/)"
	@echo "  API docs:  http://$(HOST):$(PORT)/api/docs/   (ReDoc: /api/redoc/)"
	@echo "  Demo sign-in: username 'demo', password 'finance-demo'"
	@echo ""
	$(PY) manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.dev-installed assets messages  ## Set up and run the whole test suite (browser tests need `make chromium`)
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

screenshots: $(VENV)/.dev-installed assets messages  ## Photograph every page of the demo at 1280 and 360 px into var/screenshots/
	$(VENV)/bin/pytest -n 0 -p no:randomly finance/web/tests/browser/test_screenshots.py $(PYTEST_ARGS)
	@echo "  Screenshots in $${SCREENSHOT_DIR:-var/screenshots}/1280 and /360"

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

serve: migrate assets messages  ## Production-style server: gunicorn with config.settings.production
	$(PY) manage.py collectstatic --noinput --verbosity 0 --settings=config.settings.production
	$(VENV)/bin/gunicorn config.wsgi:application --bind $(HOST):$(PORT) --workers $${WEB_CONCURRENCY:-3} --access-logfile -

clean:  ## Remove the virtualenv, caches and the SQLite database
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis staticfiles db.sqlite3 db.sqlite3-* node_modules $(MO_FILES)

WRK_INSTALL = command -v wrk >/dev/null || (apt-get update && apt-get install -y wrk)

bench: $(VENV)/.dev-installed assets messages  ## Benchmarks on PostgreSQL + Redis (100k and 1M sets; docs/benchmarks.md)
	@$(WRK_INSTALL)
	$(PY) -m bench.run

bench-quick: $(VENV)/.dev-installed assets messages  ## A ~1-minute subset of the benchmarks (100k set, short runs)
	@$(WRK_INSTALL)
	$(PY) -m bench.run --quick
