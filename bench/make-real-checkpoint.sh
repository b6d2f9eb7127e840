#!/usr/bin/env bash
# Writes a random-weight LVM model folder of a real size, laid out like the release:
#   bench/make-real-checkpoint.sh SIZE OUT_DIR [--seed N]     SIZE: small | 1b | 7b
# small ~0.8 GB, 1b ~2.9 GB, 7b ~13.7 GB on disk; memory stays under ~1.5 GB (the safetensors are streamed, the
# VQGAN is built in memory). Never run in CI; never commit the output (write it outside the repository).
set -euo pipefail
if [[ $# -lt 2 ]]; then
  echo "usage: $0 SIZE OUT_DIR [--seed N]   (SIZE: small | 1b | 7b)" >&2
  exit 2
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$(realpath -m "$2")"
case "$out/" in
  "$root"/*) echo "error: OUT_DIR '$out' is inside the repository; write checkpoints outside it (they are GBs)." >&2; exit 2 ;;
esac
dotnet build "$root/bench/LvmCloud.Bench" -c Release -v quiet -nologo >&2
exec dotnet run --no-build -c Release --project "$root/bench/LvmCloud.Bench" -- make-checkpoint "$1" "$out" "${@:3}"
