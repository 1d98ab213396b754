#!/usr/bin/env bash
# The README's second command (and CI's): set up, type-check, lint, run every test.
set -euo pipefail
source "$(dirname "$0")/toolchain.sh"
cd "$TL_ROOT"
bash scripts/setup.sh
# What the tests need from the system, from Debian's packages: ClickHouse and ZooKeeper (the
# ClickHouse store's tests start private servers from them), Prometheus (promtool and a real
# scrape), Chromium (browser tests); and the machine's brokers and databases, running.
bash scripts/ensure-debian.sh clickhouse-server clickhouse-client zookeeperd prometheus chromium
bash scripts/ensure-services.sh
npm run --silent typecheck
npm run --silent lint
node scripts/run-tests.mjs "$@"
