#!/usr/bin/env bash
# Makes sure Debian's `chromium` is installed, for the browser tests (test/ui) and the UI
# benchmark (bench/ui.ts), which drive /usr/bin/chromium with playwright-core. Never downloads a
# browser build: only Debian's package. Idempotent and quiet; returns at once when it is there.
# Runs `apt-get update` only when apt knows no candidate.
set -euo pipefail

installed() {
  [ "$(dpkg-query -W -f='${Status}' chromium 2>/dev/null)" = "install ok installed" ] && [ -x /usr/bin/chromium ]
}
installed && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: apt-get not found; install Debian's chromium (/usr/bin/chromium) yourself" >&2
  exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "ensure-chromium: need root (or sudo) to install chromium" >&2; exit 1; }
  sudo=(sudo)
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
quietly() {
  "$@" >>"$log" 2>&1 || { cat "$log" >&2; echo "ensure-chromium: failed: $*" >&2; exit 1; }
}

if ! apt-cache policy chromium 2>/dev/null | grep -q 'Candidate: [0-9]'; then
  quietly "${sudo[@]}" apt-get update -qq
fi
echo "ensure-chromium: installing chromium" >&2
quietly "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium
installed || { echo "ensure-chromium: chromium did not install" >&2; exit 1; }
