#!/usr/bin/env bash
# Starts Azurite (pinned in local/package.json) on loopback, data kept in .azurite/ (or $AZURITE_LOCATION).
# Ports: $AZURITE_BLOB_PORT, $AZURITE_QUEUE_PORT, $AZURITE_TABLE_PORT (default 10000, 10001, 10002).
set -euo pipefail
cd "$(dirname "$0")"
./install-azurite.sh
exec node node_modules/azurite/dist/src/azurite.js \
  --location "${AZURITE_LOCATION:-../.azurite}" --skipApiVersionCheck \
  --blobHost 127.0.0.1 --blobPort "${AZURITE_BLOB_PORT:-10000}" \
  --queueHost 127.0.0.1 --queuePort "${AZURITE_QUEUE_PORT:-10001}" \
  --tableHost 127.0.0.1 --tablePort "${AZURITE_TABLE_PORT:-10002}" "$@"
