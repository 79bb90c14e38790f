#!/usr/bin/env bash
# Train with NPROC processes on this machine (one per GPU, or gloo on the CPU):
#   bash tools/dist_train.sh CONFIG NPROC [train.py args...]
set -euo pipefail
CONFIG=$1
NPROC=$2
exec bash "$(dirname "$0")/dist_run.sh" "$NPROC" train.py "$CONFIG" --launcher pytorch "${@:3}"
