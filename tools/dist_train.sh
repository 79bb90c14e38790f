#!/usr/bin/env bash
# Train with NPROC processes on this machine (one per GPU, or gloo on the CPU):
#   bash tools/dist_train.sh CONFIG NPROC [train.py args...]
set -euo pipefail
CONFIG=$1
NPROC=$2
PORT=${PORT:-29500}
PYTHON=${PYTHON:-python}
TOOLS="$(cd "$(dirname "$0")" && pwd)"
exec "$PYTHON" -m torch.distributed.run --nnodes=1 --node_rank=0 --master_addr=127.0.0.1 \
  --nproc_per_node="$NPROC" --master_port="$PORT" \
  "$TOOLS/train.py" "$CONFIG" --launcher pytorch "${@:3}"
