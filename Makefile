# khabar: `make demo` and `make test` do all set-up on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# pyenv resolves `python3` to 3.12 here through .python-version; override with PYTHON=...
PYTHON ?= python3
UV := $(PYTHON) -m uv
VENV := .venv
BIN := $(VENV)/bin
DEBIAN_PACKAGES := gettext chromium fonts-noto-core

.PHONY: help setup system-packages venv messages demo test test-fast lint format bench ci postgres-test

help:
	@echo "make demo   - set up, load sample news and serve http://127.0.0.1:8000"
	@echo "make test   - set up and run the test suite on SQLite"
	@echo "make lint   - ruff"
	@echo "make setup  - install Debian packages, create .venv from uv.lock (idempotent)"

setup: system-packages venv messages

system-packages:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

venv:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "khabar needs Python >= 3.12 (see .python-version)")'
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install -q uv
	@$(UV) sync --frozen --quiet

messages: venv
	@cd khabar && ../$(BIN)/django-admin compilemessages -v 0

demo: setup
	@$(BIN)/python -m khabar.demo

# pytest exits 5 when it collected no tests: that is a failure here, never a pass.
test: setup
	@$(BIN)/pytest -q $(PYTEST_ARGS); status=$$?; \
	  if [ $$status -eq 5 ]; then echo "pytest collected no tests"; exit 1; fi; exit $$status

test-fast: setup
	@$(BIN)/pytest -q -m "not slow" $(PYTEST_ARGS)

lint: venv
	@$(BIN)/ruff check khabar tests bench
	@$(BIN)/ruff format --check khabar tests bench

format: venv
	@$(BIN)/ruff format khabar tests bench
	@$(BIN)/ruff check --fix khabar tests bench

postgres-test: setup
	@scripts/with-postgres.sh $(BIN)/pytest -q $(PYTEST_ARGS); status=$$?; \
	  if [ $$status -eq 5 ]; then echo "pytest collected no tests"; exit 1; fi; exit $$status

bench: setup
	@$(BIN)/python bench/ingest.py
