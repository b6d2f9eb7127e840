#!/usr/bin/env bash
# Reproduces the bundled model models/fmnist-lvm (version 2) on a CPU machine (Debian 12, 2 cores): data and the
# tokenizer on this machine, the transformer as two training runs on the local platform stack (Azurite + worker + API):
# a synchronous pre-training run (K = 1) and a DiLoCo run (K = 4 shards, H = 100) that starts from it and registers
# fmnist-lvm/2. Every step resumes: run it again after an interruption and finished steps are skipped.
# Writes data/ and runs/ (both git-ignored) and finally models/fmnist-lvm (the old folder moves to runs/).
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS=${THREADS:-$(nproc)}
SRC=/usr/share/datasets/fashion-mnist
if [ ! -f "$SRC/train-images-idx3-ubyte.gz" ]; then
  apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist
fi
dotnet build -c Release src/LvmCloud.Cli -o runs/bin >/dev/null
LVM=runs/bin/lvm
export LVM_ENDPOINT=${LVM_ENDPOINT:-http://127.0.0.1:7071}

# 1. Visual sentences (4 frames each): invert / flip analogies, inpainting, translating videos, category groups.
[ -f data/fmnist-long/train/sentences.jsonl ] || $LVM dataset-fashion-mnist --source $SRC --out data/fmnist-long/train --sentences 16000 --seed 1
[ -f data/fmnist-long/test/sentences.jsonl ]  || $LVM dataset-fashion-mnist --source $SRC --out data/fmnist-long/test --split test --sentences 480 --seed 2

# 2. Tokenizer (32x32 -> 8x8 codes from a 512-entry codebook): version 1's schedule from random weights, then a
#    fine-tune at a lower learning rate on all 20,000 distinct training images. The platform has no tokenizer job yet.
[ -d runs/tokenizer-v2/checkpoint ] || $LVM train-tokenizer --data data/fmnist-long/train --eval-data data/fmnist-long/test \
  --out runs/tokenizer --preset fmnist32 --steps 1000 --warmup 50 --max-images 8000 --threads "$THREADS"
$LVM train-tokenizer --data data/fmnist-long/train --eval-data data/fmnist-long/test --out runs/tokenizer-v2 \
  --preset fmnist32 --init runs/tokenizer/checkpoint/model --steps "${TOKENIZER_STEPS:-1400}" --lr 2e-4 --warmup 50 \
  --max-images 20000 --threads "$THREADS"

# 3. Token shards (LVM's jsonl format + binary twin) for the runs' data/ folders.
[ -f data/fmnist-long/v2-train-tokens.bin ] || $LVM tokenize-dataset --tokenizer runs/tokenizer-v2/checkpoint/model --data data/fmnist-long/train --out data/fmnist-long/v2-train-tokens --threads "$THREADS"
[ -f data/fmnist-long/v2-test-tokens.bin ]  || $LVM tokenize-dataset --tokenizer runs/tokenizer-v2/checkpoint/model --data data/fmnist-long/test --out data/fmnist-long/v2-test-tokens --threads "$THREADS"
for run in pretrain diloco; do
  mkdir -p runs/v2-$run/data
  cp models/recipe/$run/run.json runs/v2-$run/
  cp data/fmnist-long/v2-train-tokens.bin runs/v2-$run/data/train-tokens.bin
  cp data/fmnist-long/v2-test-tokens.bin runs/v2-$run/data/test-tokens.bin
done

# 4. The local stack, unless one is running already, with its storage in runs/azurite (apart from other work).
if ! curl -sf "$LVM_ENDPOINT/api/models" >/dev/null; then
  AZURITE_LOCATION="$PWD/runs/azurite" ./local/run-stack.sh > runs/stack.log 2>&1 &
  for _ in $(seq 1 600); do curl -sf "$LVM_ENDPOINT/api/models" >/dev/null && break; sleep 1; done
fi

# 5. Register the tokenizer: a run names its tokenizer as a registered model, so the new tokenizer is pushed in a
#    model folder beside version 1's transformer (which no run uses: the runs train their own).
if ! $LVM models list | grep -qx 'fmnist-lvm-tokenizer/2'; then
  rm -rf runs/tokenizer-model
  $LVM assemble-model --tokenizer runs/tokenizer-v2/checkpoint/model --transformer models/fmnist-lvm/transformer \
    --context-frames 4 --name fmnist-lvm-tokenizer --version 2 --out runs/tokenizer-model
  $LVM models push runs/tokenizer-model --name fmnist-lvm-tokenizer --version 2
fi

# 6. The transformer: synchronous pre-training (5 rounds of K = 1 x 100 steps of 32 sentences), then DiLoCo from it
#    (5 rounds of K = 4 x 100 steps of 8 sentences, outer Nesterov lr 0.7, momentum 0.9); each registers a model.
for run in pretrain diloco; do
  [ -f runs/v2-$run/run-id ] || $LVM runs submit runs/v2-$run/run.json > runs/v2-$run/run-id
  $LVM runs wait "$(cat runs/v2-$run/run-id)"
done

# 7. The registered model becomes models/fmnist-lvm; then its measurements.
if [ ! -f runs/fmnist-lvm-v2/lvm.json ]; then
  $LVM models pull fmnist-lvm/2 --out runs/fmnist-lvm-v2
fi
if ! grep -q '"version": *"2"' models/fmnist-lvm/lvm.json; then
  rm -rf runs/fmnist-lvm-v1 && mv models/fmnist-lvm runs/fmnist-lvm-v1
  cp -r runs/fmnist-lvm-v2 models/fmnist-lvm
fi
$LVM eval --model models/fmnist-lvm --data data/fmnist-long/test --train-tokens data/fmnist-long/v2-train-tokens.bin --threads "$THREADS"
