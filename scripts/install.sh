#!/usr/bin/env bash
# Install this project and one OpenMMLab stack into a project-local virtual environment.
#
#   bash scripts/install.sh                  # the stack `make demo` / `make test` use: .venv/
#   bash scripts/install.sh --stack classic  # .venvs/classic/
#   bash scripts/install.sh --stack onedl    # .venvs/onedl/
#
# Stacks (docs/stacks.md says what each one is for and what passes on it):
#   current  torch 2.14.1, mmengine 0.10.7, mmcv 2.1.0, mmsegmentation 1.2.2, mmdet 3.3.0
#   classic  torch 2.1.2 (OpenMMLab's install guide; prebuilt mmcv wheels exist up to torch
#            2.4), numpy<2, mmengine 0.10.7, mmcv 2.1.0, mmsegmentation 1.2.2, mmdet 3.3.0
#   onedl    torch 2.14.1 with the maintained OpenMMLab fork (onedl-mmengine, onedl-mmcv,
#            onedl-mmsegmentation, onedl-mmdetection), imported as mmengine, mmcv, mmseg, mmdet
#
# Idempotent and fast when repeated: a complete environment is recorded by a stamp, and the
# slow mmcv build (about 10 minutes on 2 cores) happens once per stack and torch version. Its
# wheel is kept outside the repository in $MMSEG_INCEPTIONNEXT_CACHE/wheels/STACK/torch-VERSION
# and is never served to another torch: pip builds it with --no-cache-dir, because pip's own
# wheel cache keys a wheel by its source only and would hand a wheel compiled against one
# torch to an environment with another (whose `import mmcv.ops` then fails on an undefined
# symbol).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STACK=current
while [ $# -gt 0 ]; do
  case "$1" in
    --stack) STACK="${2:-}"; shift 2 ;;
    --stack=*) STACK="${1#--stack=}"; shift ;;
    -h|--help) sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown argument '$1' (usage: install.sh [--stack current|classic|onedl])" >&2
       exit 2 ;;
  esac
done

# Per stack: torch, torchvision, the mmcv distribution and version to build, whether torch's
# headers need the C++20 wrapper, and the pip requirements of the rest.
case "$STACK" in
  current)
    VENV="${VENV:-$ROOT/.venv}"
    TORCH_VERSION=2.14.1; TORCHVISION_VERSION=0.29.1
    MMCV_DIST=mmcv; MMCV_VERSION=2.1.0; CXX20=1
    BUILD_DEPS=("mmengine==0.10.7" "numpy<2")
    EXTRAS="all" ;;
  classic)
    VENV="${VENV:-$ROOT/.venvs/classic}"
    TORCH_VERSION=2.1.2; TORCHVISION_VERSION=0.16.2
    MMCV_DIST=mmcv; MMCV_VERSION=2.1.0; CXX20=0
    BUILD_DEPS=("mmengine==0.10.7")
    # torch 2.1 is compiled against numpy 1; opencv-python >= 4.11 asks for numpy 2
    CONSTRAINTS="numpy<2 opencv-python<4.11"
    EXTRAS="openmmlab,dev" ;;
  onedl)
    VENV="${VENV:-$ROOT/.venvs/onedl}"
    TORCH_VERSION=2.14.1; TORCHVISION_VERSION=0.29.1
    MMCV_DIST=onedl-mmcv; MMCV_VERSION=2.3.6; CXX20=1
    # onedl-mmengine, unlike mmengine, does not install OpenCV, which mmcv imports
    BUILD_DEPS=("onedl-mmengine==0.10.12" opencv-python)
    EXTRAS="onedl,dev" ;;
  *)
    echo "install.sh: unknown stack '$STACK'; the stacks are: current, classic, onedl" >&2
    exit 2 ;;
esac

CONSTRAINTS="${CONSTRAINTS:-}"
PY="${PYTHON:-python3.11}"
command -v "$PY" >/dev/null 2>&1 || PY=python3
CACHE="${MMSEG_INCEPTIONNEXT_CACHE:-$HOME/.cache/mmseg_inceptionnext}"

log() { printf '[install %s] %s\n' "$STACK" "$*"; }

# A complete environment is recorded by a stamp of the files that define it: a second run of a
# complete install does nothing.
STAMP_FILE="$VENV/.mmseg_inceptionnext-install"
STAMP="$STACK-$(cat "$ROOT/scripts/install.sh" "$ROOT/setup.py" "$ROOT/setup.cfg" "$ROOT/pyproject.toml" | sha256sum | cut -c1-16)"
if [ -f "$STAMP_FILE" ] && [ "$(cat "$STAMP_FILE")" = "$STAMP" ] && [ -x "$VENV/bin/python" ]; then
  exit 0
fi

if [ ! -x "$VENV/bin/python" ]; then
  log "creating virtual environment $VENV"
  mkdir -p "$(dirname "$VENV")"
  "$PY" -m venv "$VENV"
fi
VPY="$VENV/bin/python"
# The stack's constraints hold for every pip install into its environment.
CONSTRAINT_FILE="$VENV/mmseg_inceptionnext-constraints.txt"
printf '%s\n' $CONSTRAINTS > "$CONSTRAINT_FILE"
# pip, without this machine's "Location ... is ignored" lines about local index folders
PIP=(pip_quiet)
pip_quiet() {
  local cmd="$1"; shift
  local extra=()
  [ "$cmd" = install ] && [ -n "$CONSTRAINTS" ] && extra=(-c "$CONSTRAINT_FILE")
  "$VPY" -m pip --disable-pip-version-check "$cmd" "${extra[@]}" "$@" 2>&1 \
    | sed -e '/is ignored: it is neither a file nor a directory/d'
  return "${PIPESTATUS[0]}"
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

# setuptools<81: mmcv's setup.py and mmengine's `pkg::` config lookup import pkg_resources.
if ! have "torch==$TORCH_VERSION" "torchvision==$TORCHVISION_VERSION" setuptools wheel ninja; then
  log "installing torch $TORCH_VERSION, torchvision $TORCHVISION_VERSION and build tools"
  "${PIP[@]}" install -q "setuptools<81" wheel ninja \
    "torch==$TORCH_VERSION" "torchvision==$TORCHVISION_VERSION"
fi
"${PIP[@]}" install -q "setuptools<81" >/dev/null

# mmcv with its compiled CPU ops (MMDetection imports them); built once per stack and torch.
PYV="$("$VPY" -c 'import sys; print("%d%d" % sys.version_info[:2])')"
WHEELS="$CACHE/wheels/$STACK/torch-$TORCH_VERSION-py$PYV"
WHEEL_GLOB="${MMCV_DIST//-/_}-$MMCV_VERSION-*.whl"
if ! have "$MMCV_DIST==$MMCV_VERSION" || ! "$VPY" -c "import mmcv.ops" >/dev/null 2>&1; then
  mkdir -p "$WHEELS"
  # what mmcv needs to build and to import (mmengine, OpenCV), whether built or cached
  "${PIP[@]}" install -q "${BUILD_DEPS[@]}" packaging pyyaml addict yapf
  if ! ls "$WHEELS"/$WHEEL_GLOB >/dev/null 2>&1; then
    log "building $MMCV_DIST $MMCV_VERSION with CPU ops for torch $TORCH_VERSION (about 10 minutes, once)"
    (
      if [ "$CXX20" = 1 ]; then
        # torch >= 2.6's headers need C++20 while mmcv's setup forces -std=c++17.
        WRAP="$CACHE/cxx20"
        mkdir -p "$WRAP"
        printf '#!/bin/sh\nexec g++ "$@" -std=c++20 -g0\n' > "$WRAP/g++"
        chmod +x "$WRAP/g++"
        export CXX="$WRAP/g++"
      else
        export CFLAGS=-g0 CXXFLAGS=-g0  # -g0 halves the build time
      fi
      # MMCV_WITH_OPS for mmcv; onedl-mmcv builds its ops whenever torch is importable, which
      # --no-build-isolation (torch installed above) makes it.
      export MMCV_WITH_OPS=1 FORCE_CUDA=0 MAX_JOBS="${MAX_JOBS:-2}"
      "${PIP[@]}" wheel --no-cache-dir --no-build-isolation --no-deps --no-binary "$MMCV_DIST" \
        -w "$WHEELS" "$MMCV_DIST==$MMCV_VERSION"
    )
  fi
  log "installing $MMCV_DIST from $WHEELS"
  "${PIP[@]}" install -q --no-deps --force-reinstall "$WHEELS"/$WHEEL_GLOB
  if ! ERR="$("$VPY" -c "import mmcv.ops" 2>&1)"; then
    printf '%s\n' "$ERR" | tail -3 >&2
    if printf '%s' "$ERR" | grep -q 'undefined symbol'; then
      # compiled against another torch: never serve it again
      rm -f "$WHEELS"/$WHEEL_GLOB
      log "the cached $MMCV_DIST wheel does not fit torch $TORCH_VERSION (removed): run this again to rebuild it"
    fi
    exit 1
  fi
fi

log "installing the package, the OpenMMLab stack and dev tools"
"${PIP[@]}" install -q -e "$ROOT[$EXTRAS]"
"$VPY" - <<'PYEOF'
import mmcv
import mmcv.ops  # noqa: F401  (the compiled ops MMDetection needs)
import mmdet
import mmengine
import mmseg
import timm
import torch

import mmseg_inceptionnext  # noqa: F401

print(f'[install] ok: torch {torch.__version__}, mmengine {mmengine.__version__}, '
      f'mmcv {mmcv.__version__}, mmseg {mmseg.__version__}, mmdet {mmdet.__version__}, '
      f'timm {timm.__version__}')
PYEOF
"$VPY" -m pip --disable-pip-version-check check
echo "$STAMP" > "$STAMP_FILE"
