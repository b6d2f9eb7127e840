#!/usr/bin/env bash
# Starts Azurite (pinned in local/package.json) on the default ports 10000-10002, data kept in .azurite/.
set -euo pipefail
cd "$(dirname "$0")"
[ -d node_modules/azurite ] || npm ci --no-audit --no-fund --loglevel=error
exec node node_modules/azurite/dist/src/azurite.js \
  --location ../.azurite --skipApiVersionCheck \
  --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 "$@"
