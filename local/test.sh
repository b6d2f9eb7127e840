#!/usr/bin/env bash
# The project's test command: installs what the tests need that NuGet does not bring, then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f local/package-lock.json ]; then
  (cd local && npm ci --no-audit --no-fund --loglevel=error)
fi
dotnet test LvmCloud.sln "$@"
