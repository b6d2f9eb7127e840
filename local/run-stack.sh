#!/usr/bin/env bash
# Runs the whole stack on one machine: Azurite, the queue worker, and the Functions host when Azure
# Functions Core Tools (`func`) is installed. Ctrl+C stops everything this script started.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

"$root/local/start-azurite.sh" --silent & pids+=($!)
for port in 10000 10001 10002; do
  for _ in $(seq 1 100); do (echo > /dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
done
echo "Azurite is up (blob 10000, queue 10001, table 10002)."

export Storage__ConnectionString="UseDevelopmentStorage=true"
# Models are read from {name}/{version}/ under this folder first, then from the models container.
export Worker__ModelsDirectory="${LVM_MODELS_DIR:-$root/models}"
dotnet run --project "$root/src/LvmCloud.Worker" & pids+=($!)

if command -v func >/dev/null 2>&1; then
  (cd "$root/src/LvmCloud.Functions" && func start --port 7071) & pids+=($!)
  echo "Functions host on http://localhost:7071/api/ (see docs/platform.md for posting the Event Grid event)."
else
  echo "Azure Functions Core Tools not found: the HTTP API and blob trigger are not running (install 'func' to add them)."
fi
wait
