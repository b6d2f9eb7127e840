#!/usr/bin/env bash
# The project's test command: installs what the tests need that NuGet does not bring, checks that each install
# works, then runs every test. Each install step is retried; a step that still fails stops the run with a line that
# names the step and what to do. Test results go to test-results/ (or $TEST_RESULTS_DIR): one .trx file per test
# project and the whole console output in test.log, kept when the run fails. Extra arguments go to `dotnet test`
# (e.g. `./local/test.sh --filter "FullyQualifiedName~WorkerTests"`).
set -euo pipefail
cd "$(dirname "$0")/.."
results="${TEST_RESULTS_DIR:-test-results}"
rm -rf "$results"
mkdir -p "$results"
results="$(cd "$results" && pwd)"
log="$results/test.log"
: >"$log"

# Everything this script and the tools it runs print goes to the console and to the log.
exec > >(tee -a "$log") 2>&1
tee_pid=$!
# On exit, let tee write the last lines before the shell returns.
trap 'exec >&- 2>&-; wait "$tee_pid" 2>/dev/null || true' EXIT

failed() { # step, what to do
  echo "" >&2
  echo "local/test.sh: FAILED at step '$1'." >&2
  echo "  $2" >&2
  echo "  Full log: $log" >&2
  exit 1
}

# Runs a command up to 3 times, waiting 5 s and then 10 s between tries (a registry or mirror hiccup on a fresh
# machine); returns the last try's status.
retry() {
  local attempt status
  for attempt in 1 2 3; do
    status=0
    "$@" || status=$?
    [ "$status" -eq 0 ] && return 0
    echo "'$*' exited with $status (attempt $attempt of 3)." >&2
    [ "$attempt" -lt 3 ] && sleep $((attempt * 5))
  done
  return "$status"
}

step() { echo "==> $*"; }

# 1. Chromium: the gallery test drives Debian's chromium headless (Playwright with ExecutablePath, no browser
#    download). The check starts it headless once, which also builds its font cache before the test's launch
#    timeout starts counting.
chromium=/usr/bin/chromium
chromium_runs() {
  [ -x "$chromium" ] && timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$(mktemp -d)" --dump-dom about:blank >/dev/null 2>&1
}
install_chromium() {
  apt-get update -qq || return 1
  # --reinstall puts the files back where the package is recorded as installed but its binary is gone.
  if dpkg-query -W -f='${Status}' chromium 2>/dev/null | grep -q "ok installed"; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --reinstall chromium >/dev/null
  else
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
}
step "chromium ($chromium)"
if ! chromium_runs; then
  if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    failed "chromium" "$chromium is missing or does not start headless, and this script can install it only as root on Debian: run 'sudo apt-get install chromium' (the gallery test in HttpApiTests needs it), then run this script again."
  fi
  echo "Installing chromium with apt-get..."
  retry install_chromium || failed "chromium" "apt-get could not install chromium after 3 attempts (see apt's output above): check the machine's apt sources and network, then run this script again."
  chromium_runs || failed "chromium" "chromium installed but '$chromium --headless --dump-dom about:blank' did not finish within 120 s: run it by hand to see why."
fi
"$chromium" --version 2>/dev/null | grep -i chromium || true

# 1b. Fashion-MNIST: the README walk's test builds its dataset with `lvm dataset-fashion-mnist`, which reads Debian's
#     dataset-fashion-mnist package (IDX files under /usr/share/datasets/fashion-mnist).
fashion_mnist=/usr/share/datasets/fashion-mnist
fashion_mnist_present() { [ -s "$fashion_mnist/train-images-idx3-ubyte.gz" ] && [ -s "$fashion_mnist/t10k-labels-idx1-ubyte.gz" ]; }
install_fashion_mnist() {
  apt-get update -qq || return 1
  # --reinstall puts the files back where the package is recorded as installed but its files are gone.
  if dpkg-query -W -f='${Status}' dataset-fashion-mnist 2>/dev/null | grep -q "ok installed"; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --reinstall dataset-fashion-mnist >/dev/null
  else
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >/dev/null
  fi
}
step "dataset-fashion-mnist ($fashion_mnist)"
if ! fashion_mnist_present; then
  if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    failed "dataset-fashion-mnist" "$fashion_mnist is missing, and this script can install it only as root on Debian: run 'sudo apt-get install dataset-fashion-mnist' (the README walk's test, ReadmeWalkTests, needs it), then run this script again."
  fi
  echo "Installing dataset-fashion-mnist with apt-get..."
  retry install_fashion_mnist || failed "dataset-fashion-mnist" "apt-get could not install dataset-fashion-mnist after 3 attempts (see apt's output above): check the machine's apt sources and network, then run this script again."
  fashion_mnist_present || failed "dataset-fashion-mnist" "dataset-fashion-mnist installed but $fashion_mnist has no IDX files: run 'dpkg -L dataset-fashion-mnist' to see where they went."
fi
ls "$fashion_mnist"

# 2. Azurite, pinned by local/package-lock.json; reinstalled only when the lockfile changed since the last install.
#    install-azurite.sh retries npm itself.
step "azurite (local/node_modules)"
./local/install-azurite.sh || failed "azurite" "npm ci in local/ failed 3 times (see npm's output above): check that Node.js 20+ and the npm registry are reachable, then run this script again."
azurite_version="$(timeout 60 node local/node_modules/azurite/dist/src/azurite.js --version 2>/dev/null)" \
  || failed "azurite" "Azurite is installed but 'node local/node_modules/azurite/dist/src/azurite.js --version' fails: delete local/node_modules and run this script again."
echo "azurite $azurite_version"

# 3. NuGet packages (a try that hangs is ended after 20 minutes).
step "dotnet restore"
retry timeout 1200 dotnet restore LvmCloud.sln --nologo -v quiet \
  || failed "dotnet restore" "NuGet restore failed 3 times (see its output above): check the NuGet sources in NuGet.config or your network, then run this script again."

# 4. One code style (.editorconfig): fails on any file `dotnet format LvmCloud.sln` would change.
step "dotnet format --verify-no-changes"
dotnet format LvmCloud.sln --no-restore --verify-no-changes \
  || failed "code style" "run 'dotnet format LvmCloud.sln' and commit the result."

# 5. The tests. A test that hangs is ended after 15 minutes and named in the log (no dump is written). The platform
#    tests' worker hosts log to hosts.log beside the results (the runner drops the output of a test that hangs).
step "dotnet test (results in $results)"
export LVM_TEST_LOG="${LVM_TEST_LOG:-$results/hosts.log}"
status=0
dotnet test LvmCloud.sln --no-restore --results-directory "$results" --logger "trx" \
  --blame-hang-timeout 15m --blame-hang-dump-type none "$@" || status=$?
if [ "$status" -ne 0 ]; then
  echo "" >&2
  echo "Failed tests:" >&2
  grep -E "^\s*Failed [A-Za-z_]" "$log" | sort -u >&2 || echo "  (none named: the run itself failed, see above)" >&2
  failed "dotnet test" "the tests above failed (exit $status). One .trx file per test project is in $results."
fi
echo "All tests passed. Results: $results"
