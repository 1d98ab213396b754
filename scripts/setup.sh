#!/usr/bin/env bash
# Installs dependencies (from the lockfile) and builds every package. Idempotent and quick when
# nothing changed.
set -euo pipefail
source "$(dirname "$0")/toolchain.sh"
cd "$TL_ROOT"
stamp=node_modules/.tracelight-install-stamp
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ "$(cat "$stamp")" != "$(node --version)" ]; then
  npm ci --no-audit --no-fund --loglevel=error
  node --version > "$stamp"
fi
npm run --silent build
