# relief: two commands on a fresh Debian machine — `make run` and `make test` (README.md).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# Python 3.11 (Django 5.2 LTS target): python3.11 if present, else python3 (found at run time,
# after system-deps may have installed it); `make PYTHON=/path/to/python3.11` overrides.
PYTHON ?=
FIND_PY := py="$(PYTHON)"; [ -n "$$py" ] || py=$$(command -v python3.11 || command -v python3 || true)
# Debian packages: CJK font (PDFs, screenshots), chromium (browser tests), pango (WeasyPrint),
# poppler-utils (pdftoppm, to look at generated PDFs).
APT_PACKAGES := fonts-noto-cjk chromium libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils
PYTEST_ARGS ?=
# pytest-xdist processes for `make test`: one per core, at most 4 (each has its own test
# database, Redis cache number and MEDIA_ROOT: conftest.py); PYTEST_WORKERS=0 runs serially.
PYTEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); [ "$$n" -gt 4 ] && n=4; echo $$n)

.PHONY: run test setup system-deps venv lint demo-db vendor bench clean

## make run: install what is missing, migrate, load the demo county, serve on 127.0.0.1:8000
run: setup demo-db
	@echo "→ http://$(HOST):$(PORT)/  (Ctrl-C stops the server)"
	$(PY) manage.py runserver $(HOST):$(PORT)

## make test: migrations in sync, lint, import layers (lint-imports), the API schema (every
## operation typed, no generator warning), the whole pytest suite
# The static checks are independent, mostly single-core and ~45 s one after the other (mypy
# ~20 s, each manage.py ~5-15 s of Django start-up): they run side by side, one per core
# (-O: each check's output printed whole when it ends), and pytest starts when all passed.
test: setup
	@$(MAKE) --no-print-directory -j $(STATIC_JOBS) -O static-checks
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

STATIC_JOBS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); [ "$$n" -gt 4 ] && n=4; echo $$n)
STATIC_CHECKS := check-types check-migrations lint check-imports check-schema
.PHONY: static-checks check-types check-migrations check-imports check-schema
static-checks: $(STATIC_CHECKS)
# mypy first: the longest, so the others share the second core meanwhile
check-types:
	$(VENV)/bin/mypy
check-migrations:
	$(PY) manage.py makemigrations --check --dry-run
check-imports:
	$(VENV)/bin/lint-imports
check-schema:
	$(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null

setup: system-deps venv

system-deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	$(FIND_PY); if [ -z "$$py" ]; then missing="$$missing python3 python3-venv"; \
	elif ! $$py -c 'import ensurepip, venv' 2>/dev/null; then missing="$$missing python3-venv"; fi; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then echo "installing Debian packages:$$missing"; \
	    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	  else echo "Missing Debian packages:$$missing"; \
	    echo "Run as root, or install them first:  sudo apt-get install$$missing"; exit 1; fi; \
	fi
	@$(FIND_PY); \
	$$py -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || \
	  { echo "Python 3.11 is required, found $$($$py --version 2>&1) at $$py."; \
	    echo "On Debian 12: sudo apt-get install python3 python3-venv (3.11), or make PYTHON=/path/to/python3.11"; exit 1; }

# --no-compile: Python writes the .pyc of what is imported on first use; compiling all ~7,500
# installed modules up front was a good part of `make setup` in a fresh clone.
venv: $(STAMP)
$(STAMP): pyproject.toml
	@$(FIND_PY); test -x $(PY) || $$py -m venv $(VENV) || \
	  { echo "Could not create $(VENV): sudo apt-get install python3-venv"; exit 1; }
	$(PIP) install -q --upgrade pip
	$(PIP) install -q --no-compile -e ".[test]"
	@touch $(STAMP)

demo-db:
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py seed_demo

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

vendor:
	bash scripts/vendor.sh

## make bench: the seed benchmark against DATABASE_URL (PostgreSQL), N=100000 by default
bench: setup
	$(PY) bench/bench_seed.py $(BENCH_ARGS)

clean:
	rm -rf var/ .pytest_cache
