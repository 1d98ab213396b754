#!/usr/bin/env bash
# The README's second command (and CI's): set up, lint, type-check, run every test.
set -euo pipefail
source "$(dirname "$0")/toolchain.sh"
bash "$TL_ROOT/scripts/setup.sh"
cd "$TL_ROOT"
npm run --silent typecheck
npm run --silent lint
node scripts/run-tests.mjs "$@"
