# relief: two commands on a fresh Debian machine — `make run` and `make test`.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
APT_PACKAGES := fonts-noto-cjk chromium libpango-1.0-0 libpangoft2-1.0-0 poppler-utils
PYTEST_ARGS ?=

.PHONY: run test setup system-deps venv lint demo-db vendor bench clean

run: setup demo-db
	@echo "→ http://$(HOST):$(PORT)/  (Ctrl-C stops the server)"
	$(PY) manage.py runserver $(HOST):$(PORT)

test: setup
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest $(PYTEST_ARGS)

setup: system-deps venv

# Debian packages: CJK font for PDFs and screenshots, chromium for browser tests, pango for WeasyPrint.
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then \
	    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "Missing Debian packages:$$missing"; echo "Install them with: sudo apt-get install$$missing"; exit 1; fi; \
	fi
	@command -v python3.11 >/dev/null || python3 -c 'import sys; assert sys.version_info[:2]==(3,11)' 2>/dev/null || \
	  { echo "Python 3.11 is required (Django 5.2 LTS target): sudo apt-get install python3.11 python3.11-venv"; exit 1; }

venv: $(STAMP)
$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV) || { echo "python3-venv is missing: sudo apt-get install python3-venv"; exit 1; }
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e ".[test]"
	@touch $(STAMP)

demo-db:
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py seed_demo

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

vendor:
	bash scripts/vendor.sh

bench: setup
	@echo "see README: bench/ scripts run by hand against PostgreSQL"

clean:
	rm -rf var/ .pytest_cache
