#!/usr/bin/env bash
# Usage: ensure-debian.sh PACKAGE...
# Installs the Debian packages that are not installed yet, in one apt-get run; returns at once when
# all are there. Runs `apt-get update` only when apt knows no candidate for one of them. Never
# downloads anything but Debian's packages, and starts no service (tests run private servers).
set -euo pipefail
[ "$#" -gt 0 ] || { echo "usage: $0 PACKAGE..." >&2; exit 2; }

installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

missing=()
for p in "$@"; do installed "$p" || missing+=("$p"); done
[ "${#missing[@]}" -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-debian: apt-get not found; install ${missing[*]} yourself" >&2
  exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "ensure-debian: need root (or sudo) to install ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
quietly() {
  "$@" >>"$log" 2>&1 || { cat "$log" >&2; echo "ensure-debian: failed: $*" >&2; exit 1; }
}

for p in "${missing[@]}"; do
  if ! apt-cache policy "$p" 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    quietly "${sudo[@]}" apt-get update -qq
    break
  fi
done

echo "ensure-debian: installing ${missing[*]}" >&2
quietly "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
for p in "${missing[@]}"; do
  installed "$p" || { echo "ensure-debian: $p did not install" >&2; exit 1; }
done
