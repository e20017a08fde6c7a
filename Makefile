# Therapy Explorer. Quickstart: `make run` (set up and serve) and `make test` (set up and test).
# Without DATABASE_URL both use an embedded Postgres under var/ (the pgserver package).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1

.DEFAULT_GOAL := help
.PHONY: help run dev serve setup test test-deps superuser stop-db check-catalog backup restore bench clean

help:
	@echo "make run         set up everything and serve the site at http://$(HOST):$(PORT), as in production"
	@echo "make dev         the same with Django's development server: reloads on change, debug pages"
	@echo "make test        set up and run the whole test suite"
	@echo "make superuser   create an admin account"
	@echo "make stop-db     stop the embedded Postgres"
	@echo "make bench       benchmark the pages at SCALES=\"1 10 100\" (docs/bench.md)"
	@echo "make backup      dump the whole database to var/backups/<name>-<time>.dump"
	@echo "make restore FILE=var/backups/....dump   restore a dump into an empty database"

# The venv is rebuilt only when the requirements change; stamps record what was installed.
$(VENV)/.python-ok:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Therapy Explorer needs Python 3.11 or newer; set PYTHON=python3.x")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@touch $@

$(VENV)/.runtime: requirements.txt $(VENV)/.python-ok
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.python-ok
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.runtime

setup: $(VENV)/.runtime
	$(PY) manage.py ensure_database
	$(PY) manage.py migrate --noinput
	$(PY) manage.py import_catalog --if-changed

# A secret key of this machine's own, made on the first run and kept out of git (var/ is ignored).
var/secret_key:
	@mkdir -p var
	@umask 077 && $(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@.tmp && mv $@.tmp $@

# `make run` is the production setup on loopback: gunicorn (explorer/gunicorn.conf.py), WhiteNoise, DEBUG
# off, the site's own error pages. Plain HTTP on 127.0.0.1, so no HTTPS redirect, HSTS or Secure-only
# cookies; one worker with threads, so the in-memory page cache is one cache (REDIS_URL shares one
# between workers, as in production).
RUN_ENV = DJANGO_ENV=production SECRET_KEY="$$(cat var/secret_key)" ALLOWED_HOSTS="$(HOST),localhost" \
	SECURE_SSL_REDIRECT=0 SECURE_HSTS_SECONDS=0 SECURE_COOKIES=0 STATIC_ROOT="$(CURDIR)/var/static" \
	HOST=$(HOST) PORT=$(PORT) WEB_CONCURRENCY=$${WEB_CONCURRENCY:-1} GUNICORN_THREADS=$${GUNICORN_THREADS:-4}

run: setup var/secret_key
	@$(RUN_ENV) $(PY) manage.py collectstatic --noinput -v0
	@echo
	@echo "Therapy Explorer: http://$(HOST):$(PORT)/   (admin: http://$(HOST):$(PORT)/admin/)"
	@echo "No admin account yet? Run: make superuser.  Changing the code? make dev reloads on every change."
	@echo
	@$(RUN_ENV) exec $(PY) -m gunicorn explorer.wsgi:application --config explorer/gunicorn.conf.py

dev: setup
	@echo
	@echo "Therapy Explorer (development server, debug pages): http://$(HOST):$(PORT)/"
	@echo
	$(PY) manage.py runserver $(HOST):$(PORT)

superuser: setup
	$(PY) manage.py createsuperuser

# Browser tests need Debian's Chromium and axe-core, the HTML test Java and vnu-jar; scripts/test-deps installs what it can.
test-deps: $(VENV)/.dev
	@sh scripts/test-deps

test: test-deps
	$(PY) -m pytest $(PYTEST_ARGS)

check-catalog: setup
	$(PY) manage.py check_catalog

# A complete pg_dump of the database (embedded or DATABASE_URL), and its restore into an empty database.
backup: $(VENV)/.runtime
	$(PY) manage.py backup_database

restore: $(VENV)/.runtime
	@test -n "$(FILE)" || { echo "Usage: make restore FILE=var/backups/<name>-<time>.dump"; exit 2; }
	$(PY) manage.py restore_database "$(FILE)"

# The benchmark (docs/bench.md): separate databases per scale, gunicorn as in production, wrk on loopback.
SCALES ?= 1 10 100
bench: $(VENV)/.runtime
	@sh scripts/bench-deps
	$(PY) bench/run.py --scales "$(SCALES)"

stop-db: $(VENV)/.runtime
	$(PY) -c 'import os; from pathlib import Path; from explorer.embedded_db import stop_embedded_postgres as s; print("stopped" if s(Path(os.environ.get("EMBEDDED_PGDATA", "var/pgdata"))) else "not running")'

clean: stop-db
	rm -rf $(VENV) var node_modules
