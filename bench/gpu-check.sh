#!/usr/bin/env bash
# The GPU path in one run (docs/benchmarks.md, "GPU check"): on a machine with an NVIDIA GPU and network access to
# nuget.org, restore and build the CUDA backend (-p:TorchBackend=cuda), run the golden-fixture parity tests on the GPU
# (LVM_TEST_DEVICE=cuda), complete the sample batch on the GPU, run the benchmark on cuda, and print one table.
#
#   bench/gpu-check.sh                 # from anywhere in the repository
#   GPU_CHECK_LOGS=DIR bench/gpu-check.sh    # keep each step's output in DIR (default: a new temporary folder)
#   GPU_CHECK_BENCH_ARGS=--quick bench/gpu-check.sh
#
# Exits 0 when every step passed, 1 when one failed (the steps after it are skipped), 2 when there is no GPU.
# It builds in the working tree: afterwards the next plain `dotnet build` restores the CPU backend again by itself.
set -euo pipefail
cd "$(dirname "$0")/.."

logs="${GPU_CHECK_LOGS:-$(mktemp -d -t lvm-gpu-check-XXXXXX)}"
mkdir -p "$logs"
bench_args="${GPU_CHECK_BENCH_ARGS:-}"
parity_filter='FullyQualifiedName~ParityTests|FullyQualifiedName~HalfPrecisionLoadingTests|FullyQualifiedName~LlamaRmsNormTests'

if ! command -v nvidia-smi >/dev/null 2>&1; then
  echo "error: nvidia-smi not found: this check needs a machine with an NVIDIA GPU and its driver (in a container: docker run --gpus all)." >&2
  exit 2
fi
if ! nvidia-smi; then
  echo "error: nvidia-smi found no usable GPU (driver not loaded, or no device passed into this container)." >&2
  exit 2
fi
if ! command -v dotnet >/dev/null 2>&1; then
  echo "error: the .NET 10 SDK (dotnet) is not on PATH." >&2
  exit 2
fi

names=()
results=()
seconds=()
failed=0

# step NAME COMMAND...: runs COMMAND with its output in $logs/NN-NAME.log (also shown), records result and time;
# after a failure the remaining steps are recorded as skipped.
step() {
  local name="$1"
  shift
  local log
  log="$logs/$(printf '%02d' "${#names[@]}")-$(printf '%s' "$name" | tr -cs 'A-Za-z0-9' '-' | sed 's/-$//').log"
  names+=("$name")
  if [ "$failed" -ne 0 ]; then
    results+=("skipped")
    seconds+=("-")
    return
  fi
  echo "==> $name"
  local start end rc=0
  start=$(date +%s.%N)
  "$@" 2>&1 | tee "$log" || rc=$?
  end=$(date +%s.%N)
  seconds+=("$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')")
  if [ "$rc" -eq 0 ]; then
    results+=("ok")
  else
    results+=("FAILED (exit $rc, $log)")
    failed=1
  fi
}

step "restore (TorchBackend=cuda)" dotnet restore LvmCloud.sln -p:TorchBackend=cuda
step "build Vision tests (cuda)" dotnet build tests/LvmCloud.Vision.Tests -c Release -p:TorchBackend=cuda --no-restore
step "parity tests on cuda" env LVM_TEST_DEVICE=cuda dotnet test tests/LvmCloud.Vision.Tests -c Release -p:TorchBackend=cuda --no-build \
  --filter "$parity_filter" --logger "console;verbosity=normal"
step "lvm complete samples/fashion on cuda" dotnet run -c Release -p:TorchBackend=cuda --project src/LvmCloud.Cli -- \
  complete samples/fashion/manifest.jsonl --out "$logs/complete" --device cuda
# shellcheck disable=SC2086 # GPU_CHECK_BENCH_ARGS is a list of arguments
step "benchmark on cuda" dotnet run -c Release -p:TorchBackend=cuda --project bench/LvmCloud.Bench -- --device cuda $bench_args

gpu=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -n 1 || true)
echo
echo "GPU check on ${gpu:-an NVIDIA GPU}, $(date -u +%Y-%m-%dT%H:%MZ), logs in $logs"
echo
echo "| step | result | seconds |"
echo "|---|---|---:|"
for i in "${!names[@]}"; do
  echo "| ${names[$i]} | ${results[$i]} | ${seconds[$i]} |"
done
exit "$failed"
