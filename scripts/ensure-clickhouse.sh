#!/usr/bin/env bash
# Makes sure Debian's clickhouse-server, clickhouse-client and zookeeperd are installed, for the
# ClickHouse store's tests (test/clickhouse/harness.ts starts its own servers from them, on
# loopback ports of its own; nothing here starts a service). Idempotent; returns at once when
# everything is already there. Runs `apt-get update` only when apt knows no candidate.
set -euo pipefail

packages=(clickhouse-server clickhouse-client zookeeperd)

installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

missing=()
for p in "${packages[@]}"; do installed "$p" || missing+=("$p"); done
[ "${#missing[@]}" -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-clickhouse: apt-get not found; install ${missing[*]} yourself" >&2
  exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "ensure-clickhouse: need root (or sudo) to install ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
quietly() {
  "$@" >>"$log" 2>&1 || { cat "$log" >&2; echo "ensure-clickhouse: failed: $*" >&2; exit 1; }
}

if ! apt-cache policy clickhouse-server 2>/dev/null | grep -q 'Candidate: [0-9]'; then
  quietly "${sudo[@]}" apt-get update -qq
fi

echo "ensure-clickhouse: installing ${missing[*]}" >&2
# The packages' own services are not wanted (tests run private servers); in containers
# policy-rc.d already keeps them from starting.
quietly "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"

for p in "${packages[@]}"; do
  installed "$p" || { echo "ensure-clickhouse: $p did not install" >&2; exit 1; }
done
