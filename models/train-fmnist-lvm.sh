#!/usr/bin/env bash
# Reproduces the bundled model models/fmnist-lvm from scratch on a CPU machine (Debian 12, 2 cores).
# Every step resumes: run it again after an interruption and finished steps are skipped, training continues
# from its last checkpoint. Writes data/ and runs/ (both git-ignored) and finally models/fmnist-lvm.
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS=${THREADS:-$(nproc)}
SRC=/usr/share/datasets/fashion-mnist
if [ ! -f "$SRC/train-images-idx3-ubyte.gz" ]; then
  apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist
fi
dotnet build -c Release src/LvmCloud.Cli -o runs/bin >/dev/null
LVM=runs/bin/lvm

# 1. Visual sentences (4 frames each): invert / flip analogies, inpainting, translating videos, category groups.
[ -f data/fmnist/train/sentences.jsonl ] || $LVM dataset-fashion-mnist --source $SRC --out data/fmnist/train --sentences 12000 --seed 1
[ -f data/fmnist/test/sentences.jsonl ]  || $LVM dataset-fashion-mnist --source $SRC --out data/fmnist/test --split test --sentences 500 --seed 2

# 2. Tokenizer: 32x32 -> 8x8 codes from a 512-entry codebook.
$LVM train-tokenizer --data data/fmnist/train --eval-data data/fmnist/test --out runs/tokenizer \
  --preset fmnist32 --steps 1000 --warmup 50 --max-images 8000 --threads "$THREADS"

# 3. Token shards (LVM's jsonl format + binary twin).
[ -f data/fmnist/train-tokens.bin ] || $LVM tokenize-dataset --tokenizer runs/tokenizer/checkpoint/model --data data/fmnist/train --out data/fmnist/train-tokens --max-sentences 12000 --threads "$THREADS"
[ -f data/fmnist/test-tokens.bin ]  || $LVM tokenize-dataset --tokenizer runs/tokenizer/checkpoint/model --data data/fmnist/test --out data/fmnist/test-tokens --threads "$THREADS"

# 4. Transformer: next-token prediction on the sentences.
$LVM train --tokens data/fmnist/train-tokens.bin --eval-tokens data/fmnist/test-tokens.bin --out runs/transformer \
  --preset fmnist_lm --steps "${LM_STEPS:-2400}" --batch-size 16 --lr 2e-3 --warmup 100 --threads "$THREADS"

# 5. One model folder, then its measurements.
$LVM assemble-model --tokenizer runs/tokenizer/checkpoint/model --transformer runs/transformer/checkpoint/model \
  --context-frames 4 --name fmnist-lvm --version 1 --out models/fmnist-lvm
$LVM eval --model models/fmnist-lvm --data data/fmnist/test --train-tokens data/fmnist/train-tokens.bin --threads "$THREADS"
