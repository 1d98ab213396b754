#!/usr/bin/env bash
# Makes sure Debian's prometheus package (for `promtool check metrics`, used by the collector's
# self-metrics test) is installed. Idempotent; returns at once when promtool is there. Runs
# `apt-get update` only when apt knows no candidate. Nothing here starts a service.
set -euo pipefail

command -v promtool >/dev/null 2>&1 && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-prometheus: apt-get not found; install Debian's prometheus package (promtool) yourself" >&2
  exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "ensure-prometheus: need root (or sudo) to install prometheus" >&2; exit 1; }
  sudo=(sudo)
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
quietly() {
  "$@" >>"$log" 2>&1 || { cat "$log" >&2; echo "ensure-prometheus: failed: $*" >&2; exit 1; }
}

if ! apt-cache policy prometheus 2>/dev/null | grep -q 'Candidate: [0-9]'; then
  quietly "${sudo[@]}" apt-get update -qq
fi
echo "ensure-prometheus: installing prometheus (for promtool)" >&2
quietly "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus
command -v promtool >/dev/null 2>&1 || { echo "ensure-prometheus: promtool did not install" >&2; exit 1; }
