#!/usr/bin/env bash
# The README's first command: set up, then run the all-in-one server.
set -euo pipefail
source "$(dirname "$0")/toolchain.sh"
bash "$TL_ROOT/scripts/setup.sh"
cd "$TL_ROOT"
exec node packages/cli/dist/bin.js start "$@"
