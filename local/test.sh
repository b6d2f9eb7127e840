#!/usr/bin/env bash
# The project's test command: installs what the tests need that NuGet does not bring, then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
# The gallery test drives Debian's chromium headless (Playwright with ExecutablePath, no browser download).
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi
# Azurite, pinned by the lockfile; reinstalled only when the lockfile changed since the last install.
./local/install-azurite.sh
# One code style (.editorconfig): fails on any file `dotnet format LvmCloud.sln` would change.
if ! dotnet format LvmCloud.sln --verify-no-changes; then
  echo "Code style check failed: run 'dotnet format LvmCloud.sln' and commit the result." >&2
  exit 1
fi
dotnet test LvmCloud.sln "$@"
