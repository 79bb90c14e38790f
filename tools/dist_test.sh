#!/usr/bin/env bash
# Test with NPROC processes on this machine (one per GPU, or gloo on the CPU):
#   bash tools/dist_test.sh CONFIG CHECKPOINT NPROC [test.py args...]
set -euo pipefail
CONFIG=$1
CHECKPOINT=$2
NPROC=$3
PORT=${PORT:-29500}
PYTHON=${PYTHON:-python}
TOOLS="$(cd "$(dirname "$0")" && pwd)"
exec "$PYTHON" -m torch.distributed.run --nnodes=1 --node_rank=0 --master_addr=127.0.0.1 \
  --nproc_per_node="$NPROC" --master_port="$PORT" \
  "$TOOLS/test.py" "$CONFIG" "$CHECKPOINT" --launcher pytorch "${@:4}"
