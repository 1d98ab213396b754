#!/usr/bin/env bash
# Debian's prometheus package: promtool checks our metrics output, and test/prometheus runs a real
# server that scrapes them.
exec bash "$(dirname "$0")/ensure-debian.sh" prometheus
