PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run serve test lint check pytest install clean bench lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# What the atlas runs on (run, serve), and on top of it the tests and tooling (test, bench),
# installed from the lock files: exact versions, each file checked against its hash.
$(STAMP): requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	touch $(STAMP)

$(DEV_STAMP): requirements-dev.lock $(STAMP)
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	touch $(DEV_STAMP)

# The lock files, from the ranges of requirements.txt and requirements-dev.txt: the newest
# versions within them, with their hashes. Run it, then `make test`, and commit the three together.
LOCK_TOOLS := $(VENV)/lock-tools
COMPILE = $(LOCK_TOOLS)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-header --no-annotate --no-emit-index-url --no-emit-find-links
lock:
	$(PYTHON) -m venv $(LOCK_TOOLS)
	$(LOCK_TOOLS)/bin/pip install --quiet pip-tools
	$(COMPILE) --upgrade -o requirements.lock requirements.txt
	$(COMPILE) --upgrade -o requirements-dev.lock requirements-dev.txt
	rm -f $(STAMP) $(DEV_STAMP)

install: $(STAMP)

PORT ?= 8000
# The development server and the tests run with DEBUG on; production sets its own environment.
export DEBUG ?= 1

run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_curated
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# Production serving: gunicorn behind a reverse proxy; DEBUG, SECRET_KEY, ALLOWED_HOSTS (and
# DATABASE_URL, DATABASE_REPLICA_URLS …) come from the environment, not from here.
WORKERS ?= 2
serve: $(STAMP)
	DEBUG=0 $(BIN)/python manage.py collectstatic --noinput
	DEBUG=0 $(BIN)/python manage.py migrate --noinput
	DEBUG=0 PORT=$(PORT) WORKERS=$(WORKERS) $(BIN)/gunicorn atlas.wsgi --config gunicorn.conf.py

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

check: $(DEV_STAMP)
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

pytest: $(DEV_STAMP)
	$(BIN)/python -m pytest

test: lint check pytest

# Not part of `make test`: timings on a shared machine are for reading, not asserting.
ENTRIES ?= 5000
STUDIES ?= 30000 100000
bench: $(DEV_STAMP)
	$(BIN)/python manage.py bench --studies $(STUDIES) --entries $(ENTRIES)

clean:
	rm -rf $(VENV) test-output
