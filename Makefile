# The two commands: `make demo` runs the main job on the local sandbox; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: demo test lint bench-load bench-inventory bench-mivideo bench-stop clean

demo: $(VENV)/.runtime
	$(PY) run_jobs.py --sandbox demo

test: $(VENV)/.dev
	$(PY) -m pytest -n 2 $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .

bench-load: $(VENV)/.dev
	$(PY) -m bench.load

bench-inventory: $(VENV)/.dev
	$(PY) -m bench.inventory

bench-mivideo: $(VENV)/.dev
	$(PY) -m bench.mivideo_scan

bench-stop: $(VENV)/.dev
	$(PY) -m bench.stop

# Debian's python3 lacks ensurepip until python3-venv is installed; install it when we can.
$(PY):
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    rm -rf $(VENV); apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null && \
	    $(PYTHON) -m venv $(VENV); \
	  else echo "python3 -m venv failed: install python3-venv (Debian) and retry" >&2; exit 1; fi; }
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache data/sandbox.sqlite* data/sandbox-openedx-store
