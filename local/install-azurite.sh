#!/usr/bin/env bash
# Installs Azurite as pinned by local/package-lock.json, once: again only when the lockfile is newer than the
# last install. Retries a failed or hung `npm ci` (a registry hiccup on a fresh machine) and checks what it installed,
# so callers can start Azurite right after it and wait only for its ports, never for npm.
set -euo pipefail
cd "$(dirname "$0")"
installed() { [ -f node_modules/azurite/dist/src/azurite.js ] && [ -f node_modules/.package-lock.json ] \
  && [ ! package-lock.json -nt node_modules/.package-lock.json ]; }
installed && exit 0
command -v npm >/dev/null 2>&1 || { echo "npm was not found: install Node.js (20 or later) to run Azurite." >&2; exit 1; }
echo "Installing Azurite (npm ci in local/, once)..." >&2
# A try that hangs (a registry that stops answering) is ended after $NPM_CI_TIMEOUT seconds (default 15 minutes).
for attempt in 1 2 3; do
  status=0
  timeout "${NPM_CI_TIMEOUT:-900}" npm ci --no-audit --no-fund --loglevel=error || status=$?
  if [ "$status" -eq 0 ]; then
    installed && exit 0
    echo "npm ci finished but node_modules/azurite is incomplete (attempt $attempt of 3)." >&2
  elif [ "$status" -eq 124 ]; then
    echo "npm ci did not finish within ${NPM_CI_TIMEOUT:-900} s (attempt $attempt of 3): the npm registry is slow or unreachable." >&2
  else
    echo "npm ci failed with exit code $status (attempt $attempt of 3)." >&2
  fi
  [ "$attempt" -lt 3 ] && sleep $((attempt * 5))
done
echo "Could not install Azurite from local/package-lock.json after 3 attempts; see npm's output above." >&2
exit 1
