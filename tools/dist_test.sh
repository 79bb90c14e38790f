#!/usr/bin/env bash
# Test with NPROC processes on this machine (one per GPU, or gloo on the CPU):
#   bash tools/dist_test.sh CONFIG CHECKPOINT NPROC [test.py args...]
set -euo pipefail
CONFIG=$1
CHECKPOINT=$2
NPROC=$3
exec bash "$(dirname "$0")/dist_run.sh" "$NPROC" test.py "$CONFIG" "$CHECKPOINT" --launcher pytorch \
  "${@:4}"
