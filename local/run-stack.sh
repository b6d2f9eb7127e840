#!/usr/bin/env bash
# Runs the whole platform on one machine: Azurite, the queue worker (serving the bundled model from models/),
# and the HTTP API: `func start` when Azure Functions Core Tools are installed, else the local API host
# (src/LvmCloud.LocalApi: the same function classes on Kestrel, with a manifest watcher in place of Event Grid).
# Ctrl+C or SIGTERM stops everything it started: the API and the worker first (the worker hands its message
# back), then Azurite.
#
# Settings (environment): LVM_API_PORT (7071), AZURITE_BLOB_PORT/QUEUE_PORT/TABLE_PORT (10000-10002),
# AZURITE_LOCATION (.azurite/), LVM_MODELS_DIR (models/), LVM_CONFIGURATION (Release), LVM_NO_BUILD=1 to use
# what is built already, LVM_NO_FUNC=1 to use the local API host even when `func` is installed.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
config="${LVM_CONFIGURATION:-Release}"
api_port="${LVM_API_PORT:-7071}"
blob_port="${AZURITE_BLOB_PORT:-10000}" queue_port="${AZURITE_QUEUE_PORT:-10001}" table_port="${AZURITE_TABLE_PORT:-10002}"
export AZURITE_BLOB_PORT="$blob_port" AZURITE_QUEUE_PORT="$queue_port" AZURITE_TABLE_PORT="$table_port"

azurite_pid="" app_pids=()
stopping=""
stop_all() {
  [ -n "$stopping" ] && return
  stopping=1
  trap '' INT TERM # a second Ctrl+C (or a signal sent to the whole group) must not cut the clean-up short
  echo "Stopping the stack..."
  for pid in "${app_pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${app_pids[@]}"; do wait_for_exit "$pid" 40; done
  if [ -n "$azurite_pid" ]; then
    # Azurite closes its services on the first signal and exits on the second.
    kill -TERM "$azurite_pid" 2>/dev/null; wait_for_exit "$azurite_pid" 3 keep
    kill -TERM "$azurite_pid" 2>/dev/null; wait_for_exit "$azurite_pid" 5
  fi
  echo "Stack stopped."
}
wait_for_exit() { # pid, seconds [keep]: waits; then kills it unless told to keep it
  local pid=$1 left=$(( $2 * 10 ))
  while kill -0 "$pid" 2>/dev/null && [ $left -gt 0 ]; do sleep 0.1; left=$((left - 1)); done
  [ "${3:-}" = keep ] && return
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap 'stop_all' EXIT

# Install first (a fresh clone's npm ci takes longer than any sensible wait for ports), then start and wait.
"$root/local/install-azurite.sh" || exit 1
"$root/local/start-azurite.sh" --silent & azurite_pid=$!
for port in "$blob_port" "$queue_port" "$table_port"; do
  for _ in $(seq 1 300); do
    (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    kill -0 "$azurite_pid" 2>/dev/null || { echo "Azurite exited before opening port $port (is the port in use? AZURITE_*_PORT moves it)." >&2; exit 1; }
    sleep 0.1
  done
  (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "Azurite did not open port $port within 30 s." >&2; exit 1; }
done
echo "Azurite is up (blob $blob_port, queue $queue_port, table $table_port)."

key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
export Storage__ConnectionString="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$blob_port/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue_port/devstoreaccount1;TableEndpoint=http://127.0.0.1:$table_port/devstoreaccount1;"
# The worker finds models as {name}/{version}/ or, for version `latest`, {name}/: the bundled models/fmnist-lvm.
export Worker__ModelsDirectory="${LVM_MODELS_DIR:-$root/models}"
# Tokenize planning names a tokenizer by the hash of its files, so it looks where the worker does.
export Tokenize__ModelsDirectory="$Worker__ModelsDirectory"

use_func=""
command -v func >/dev/null 2>&1 && [ -z "${LVM_NO_FUNC:-}" ] && use_func=1
if [ -z "${LVM_NO_BUILD:-}" ]; then
  echo "Building ($config)..."
  dotnet build "$root/src/LvmCloud.Worker" -c "$config" -v minimal -nologo || exit 1
  [ -n "$use_func" ] || dotnet build "$root/src/LvmCloud.LocalApi" -c "$config" -v minimal -nologo || exit 1
fi

# One malloc arena for every thread. Training steps already run on one thread of their own; this also keeps the
# worker's other work (merges, inference) from leaving working sets in many per-thread arenas (a 5M-parameter run at
# batch 32 once grew the worker past 20 GB in four jobs; docs/training.md, "Step speed and memory").
(cd "$root/src/LvmCloud.Worker/bin/$config/net10.0" && GLIBC_TUNABLES="${GLIBC_TUNABLES:-glibc.malloc.arena_max=1}" exec dotnet LvmCloud.Worker.dll) & app_pids+=($!)

if [ -n "$use_func" ]; then
  (cd "$root/src/LvmCloud.Functions" && Storage="$Storage__ConnectionString" exec func start --port "$api_port") & app_pids+=($!)
  echo "Functions host on http://localhost:$api_port/api/ (post the Event Grid event yourself, see docs/platform.md)."
else
  (cd "$root/src/LvmCloud.LocalApi/bin/$config/net10.0" && exec dotnet LvmCloud.LocalApi.dll --urls "http://127.0.0.1:$api_port") & app_pids+=($!)
  echo "Local API host on http://127.0.0.1:$api_port/api/ (Azure Functions Core Tools not found; manifests are picked up by polling)."
fi
echo "Submit a batch: lvm batches submit samples/fashion/manifest.jsonl --endpoint http://127.0.0.1:$api_port"
echo "Upload a dataset (tokenized on upload and on Tokenize:Schedule): lvm datasets upload DIR --name NAME --endpoint http://127.0.0.1:$api_port"

# Runs until stopped, or until one of the processes ends by itself (then everything stops).
wait -n "$azurite_pid" "${app_pids[@]}"
status=$?
[ -z "$stopping" ] && echo "A process of the stack exited ($status); stopping the rest." >&2
exit "$status"
