#!/usr/bin/env bash
# Debian's chromium (/usr/bin/chromium), which the browser tests (test/ui) and the UI benchmark drive
# with playwright-core. Never a downloaded browser build.
exec bash "$(dirname "$0")/ensure-debian.sh" chromium
