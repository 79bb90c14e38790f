#!/usr/bin/env bash
# Train through Slurm: bash tools/slurm_train.sh PARTITION JOB_NAME CONFIG [GPUS] [train.py args...]
set -euo pipefail
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
GPUS=${4:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
TOOLS="$(cd "$(dirname "$0")" && pwd)"
srun -p "$PARTITION" --job-name="$JOB_NAME" --gres=gpu:"$GPUS_PER_NODE" --ntasks="$GPUS" \
  --ntasks-per-node="$GPUS_PER_NODE" --cpus-per-task="$CPUS_PER_TASK" --kill-on-bad-exit=1 \
  ${SRUN_ARGS:-} python -u "$TOOLS/train.py" "$CONFIG" --launcher slurm "${@:5}"
