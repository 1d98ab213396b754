#!/usr/bin/env bash
# Debian's ClickHouse server and client and ZooKeeper, for the ClickHouse store's tests
# (@tracelight/store-clickhouse/testing starts private servers from them on loopback ports).
exec bash "$(dirname "$0")/ensure-debian.sh" clickhouse-server clickhouse-client zookeeperd
