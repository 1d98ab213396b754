#!/usr/bin/env bash
# The README's first command: set everything up on a fresh clone, then run `tracelight demo`: the
# all-in-one server, the demo services (real PostgreSQL, RabbitMQ, NATS) and a load generator.
set -euo pipefail
source "$(dirname "$0")/toolchain.sh"
bash "$TL_ROOT/scripts/setup.sh"
cd "$TL_ROOT"
exec node packages/cli/dist/bin.js demo "$@"
