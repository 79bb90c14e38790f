# The two commands of the README:  `make demo`  and  `make test`.
# Both first run scripts/install.sh, which is a no-op once the environment is complete.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: install demo test test-stacks lint format

install:
	@bash scripts/install.sh

demo: install
	$(PY) tools/demo.py

lint: install
	$(PY) -m ruff check .

format: install
	$(PY) -m ruff check --fix .

# One pytest-xdist worker per core, a test file's tests in one worker (module fixtures), the
# longest files handed out first (tests/conftest.py LONG_FILES; xdist's own reordering by test
# count is off); then the tests that start several training processes, alone. The parallel
# part prints its ten slowest tests, so that a slow new test shows where it lands.
# The files that hold the tests marked multiprocess: the second run collects only these
# (tests/conftest.py refuses a multiprocess test in any other file).
MULTIPROCESS := tests/test_distributed.py

test: lint
	$(PY) -m pytest -q -n auto --dist loadfile --no-loadscope-reorder --durations=10 -m "not multiprocess"
	$(PY) -m pytest -q -m multiprocess $(MULTIPROCESS)

# The stack matrix (docs/stacks.md): each stack of scripts/install.sh --stack NAME in
# .venvs/NAME, where the tests marked `stacks` run (the full suite runs above, on the current
# stack). Installing a stack the first time builds its mmcv (about 10 minutes each).
STACKS := classic onedl
# The test files that hold `stacks` tests (the deployment tests import ONNX at collection,
# which the stacks do not install).
STACK_FILES = $(shell grep -l 'pytest.mark.stacks' tests/test_*.py)

test-stacks:
	@for stack in $(STACKS); do \
	  bash scripts/install.sh --stack $$stack || exit 1; \
	  echo "== stack $$stack: $$(.venvs/$$stack/bin/python -c 'import torch, mmengine, mmseg, mmdet; print("torch", torch.__version__, "mmengine", mmengine.__version__, "mmseg", mmseg.__version__, "mmdet", mmdet.__version__)')"; \
	  .venvs/$$stack/bin/python -m pytest -q -n auto --dist loadfile -m stacks -p no:cacheprovider $(STACK_FILES) || exit 1; \
	done
