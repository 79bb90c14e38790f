#!/usr/bin/env bash
# Install everything this project needs into a project-local virtual environment (.venv).
#
# Idempotent and fast when repeated: each step is skipped when what it installs is already
# there, and the slow mmcv build (about 10 minutes on 2 cores) happens once per torch
# version, its wheel kept outside the repository in $MMSEG_INCEPTIONNEXT_CACHE.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
PY="${PYTHON:-python3.11}"
command -v "$PY" >/dev/null 2>&1 || PY=python3
CACHE="${MMSEG_INCEPTIONNEXT_CACHE:-$HOME/.cache/mmseg_inceptionnext}"

TORCH_VERSION=2.14.1
TORCHVISION_VERSION=0.29.1
MMCV_VERSION=2.1.0

log() { printf '[install] %s\n' "$*"; }

# A complete environment is recorded by a stamp of the files that define it: a second run of a
# complete install does nothing.
STAMP_FILE="$VENV/.mmseg_inceptionnext-install"
STAMP="$(cat "$ROOT/scripts/install.sh" "$ROOT/setup.py" "$ROOT/setup.cfg" "$ROOT/pyproject.toml" | sha256sum | cut -c1-16)"
if [ -f "$STAMP_FILE" ] && [ "$(cat "$STAMP_FILE")" = "$STAMP" ] && [ -x "$VENV/bin/python" ]; then
  exit 0
fi

if [ ! -x "$VENV/bin/python" ]; then
  log "creating virtual environment $VENV"
  "$PY" -m venv "$VENV"
fi
VPY="$VENV/bin/python"
# pip, without this machine's "Location ... is ignored" lines about local index folders
PIP=(pip_quiet)
pip_quiet() {
  "$VPY" -m pip --disable-pip-version-check "$@" 2>&1 \
    | sed -e '/is ignored: it is neither a file nor a directory/d'
}

have() { "$VPY" - "$@" <<'PYEOF' >/dev/null 2>&1
import sys
from importlib.metadata import version
for spec in sys.argv[1:]:
    name, _, want = spec.partition('==')
    got = version(name)
    if want and got.split('+')[0] != want:
        sys.exit(1)
PYEOF
}

# setuptools<81: mmcv 2.1.0's setup.py and mmengine's `pkg::` config lookup import pkg_resources.
if ! have "torch==$TORCH_VERSION" "torchvision==$TORCHVISION_VERSION" setuptools wheel ninja; then
  log "installing torch $TORCH_VERSION, torchvision $TORCHVISION_VERSION and build tools"
  "${PIP[@]}" install -q "setuptools<81" wheel ninja \
    "torch==$TORCH_VERSION" "torchvision==$TORCHVISION_VERSION"
fi
"${PIP[@]}" install -q "setuptools<81" >/dev/null

# mmcv with its compiled CPU ops (MMDetection imports them); built once per torch version.
if ! have "mmcv==$MMCV_VERSION" || ! "$VPY" -c "import mmcv.ops" >/dev/null 2>&1; then
  WHEELS="$CACHE/wheels/torch-$TORCH_VERSION-py$("$VPY" -c 'import sys; print("%d%d" % sys.version_info[:2])')"
  mkdir -p "$WHEELS"
  if ! ls "$WHEELS"/mmcv-"$MMCV_VERSION"-*.whl >/dev/null 2>&1; then
    log "building mmcv $MMCV_VERSION with CPU ops (about 10 minutes, once per torch version)"
    "${PIP[@]}" install -q "mmengine>=0.10,<1" "numpy<2" \
      packaging pyyaml addict yapf
    # torch's headers need C++20 while mmcv's setup forces -std=c++17; -g0 halves the build time.
    WRAP="$CACHE/cxx20"
    mkdir -p "$WRAP"
    printf '#!/bin/sh\nexec g++ "$@" -std=c++20 -g0\n' > "$WRAP/g++"
    chmod +x "$WRAP/g++"
    CXX="$WRAP/g++" MMCV_WITH_OPS=1 FORCE_CUDA=0 MAX_JOBS="${MAX_JOBS:-2}" \
      "${PIP[@]}" wheel --no-build-isolation --no-deps --no-binary mmcv -w "$WHEELS" \
      "mmcv==$MMCV_VERSION"
  fi
  log "installing mmcv from $WHEELS"
  "${PIP[@]}" install -q --no-deps "$WHEELS"/mmcv-"$MMCV_VERSION"-*.whl
fi

log "installing the package, OpenMMLab stack and dev tools"
"${PIP[@]}" install -q -e "$ROOT[all]"
"$VPY" - <<'PYEOF'
import mmcv
import mmcv.ops  # noqa: F401  (the compiled ops MMDetection needs)
import mmdet
import mmseg
import timm
import torch

import mmseg_inceptionnext  # noqa: F401

print(f'[install] ok: torch {torch.__version__}, mmcv {mmcv.__version__}, '
      f'mmseg {mmseg.__version__}, mmdet {mmdet.__version__}, timm {timm.__version__}')
PYEOF
echo "$STAMP" > "$STAMP_FILE"
