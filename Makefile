# The two commands: `make console` (set up, index, open the console) and `make test` (set up, run the tests).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: setup console test lint install-check services bench clean clean-data

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed (python3.11 / python3 not found)"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

console: setup
	$(VENV)/bin/briefbot ingest
	$(VENV)/bin/briefbot console

# Redis for the shared-state tests (the tests start their own redis-server and `chroma run` on free ports).
services:
	@command -v redis-server >/dev/null 2>&1 || { \
	  echo "installing redis-server (Debian package) for the shared-state tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y -qq redis-server >/dev/null 2>&1 || \
	  { $$SUDO apt-get update -qq >/dev/null && $$SUDO apt-get install -y -qq redis-server >/dev/null; }; }
	@command -v redis-server >/dev/null 2>&1 || { echo "redis-server is required for the tests"; exit 1; }

# Static checks: ruff on everything, mypy on the files listed in pyproject.toml ([tool.mypy] files).
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# The built wheel, installed without extras into a fresh venv, answers a question offline (~40 s, pip's cache).
install-check: setup
	bash .ci/plain-install

test: setup services lint install-check
	BRIEFBOT_REQUIRE_SERVICES=1 $(VENV)/bin/python -m pytest

bench: setup
	$(VENV)/bin/python bench/run_all.py

# The venv and caches only: .data (the index, conversation memory and recorded feedback) is kept.
clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build dist

# Deletes .data: the knowledge index, conversation memory and every recorded 👍/👎 — only when you mean it.
clean-data:
	rm -rf .data
