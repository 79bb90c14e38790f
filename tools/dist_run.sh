#!/usr/bin/env bash
# Run one of this folder's tools with NPROC processes on this machine (one per GPU, or gloo on
# the CPU); dist_train.sh and dist_test.sh are this with train.py and test.py:
#   bash tools/dist_run.sh NPROC TOOL [TOOL args...]
# PORT (default 29500) is the rendezvous port, PYTHON (default python) the interpreter.
set -euo pipefail
NPROC=$1
TOOL=$2
PORT=${PORT:-29500}
PYTHON=${PYTHON:-python}
TOOLS="$(cd "$(dirname "$0")" && pwd)"
exec "$PYTHON" -m torch.distributed.run --nnodes=1 --node_rank=0 --master_addr=127.0.0.1 \
  --nproc_per_node="$NPROC" --master_port="$PORT" "$TOOLS/$TOOL" "${@:3}"
