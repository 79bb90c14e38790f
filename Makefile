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

# One pytest-xdist worker per core; a test file's tests stay in one worker (module fixtures).
test: lint
	$(PY) -m pytest -q -n auto --dist loadfile
