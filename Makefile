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

# One pytest-xdist worker per core, a test file's tests in one worker (module fixtures run
# once), the files handed out in collection order (folder by folder; xdist's own reordering by
# test count would leave the long end-to-end files, which hold few tests, to the end); then
# the tests that start several training processes (marked multiprocess, in tests/e2e), alone.
# The parallel part prints its ten slowest tests, so that a slow new test shows where it lands.
test: lint
	$(PY) -m pytest -q -n auto --dist loadfile --no-loadscope-reorder --durations=10 -m "not multiprocess" tests
	$(PY) -m pytest -q -m multiprocess tests/e2e

# The stack matrix (docs/stacks.md): each stack of scripts/install.sh --stack NAME in
# .venvs/NAME, where the tests marked `stacks` run (the full suite runs above, on the current
# stack). Installing a stack the first time builds its mmcv (about 10 minutes each).
STACKS := classic onedl
# The test files that hold `stacks` tests (the deployment tests import ONNX at collection,
# which the stacks do not install).
STACK_FILES = $(shell grep -rl --include='test_*.py' 'pytest.mark.stacks' tests | sort)

test-stacks:
	@for stack in $(STACKS); do \
	  bash scripts/install.sh --stack $$stack || exit 1; \
	  echo "== stack $$stack: $$(.venvs/$$stack/bin/python -c 'import torch, mmengine, mmseg, mmdet; print("torch", torch.__version__, "mmengine", mmengine.__version__, "mmseg", mmseg.__version__, "mmdet", mmdet.__version__)')"; \
	  .venvs/$$stack/bin/python -m pytest -q -n auto --dist loadfile -m stacks -p no:cacheprovider $(STACK_FILES) || exit 1; \
	done
