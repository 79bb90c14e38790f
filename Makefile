# The two commands of the README:  `make demo`  and  `make test`.
# Both first run scripts/install.sh, which is a no-op once the environment is complete.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: install demo test lint format

install:
	@bash scripts/install.sh

demo: install
	$(PY) tools/demo.py

lint: install
	$(PY) -m ruff check .

format: install
	$(PY) -m ruff check --fix .

# One pytest-xdist worker per core, a test file's tests in one worker (module fixtures); then
# the tests that start several training processes, alone.
test: lint
	$(PY) -m pytest -q -n auto --dist loadfile -m "not multiprocess"
	$(PY) -m pytest -q -m multiprocess
