#!/usr/bin/env bash
# Builds mio-echo (release preset) and starts it in the foreground on config/mio-echo.toml:
# TCP and UDP echo on 127.0.0.1:7007, admin endpoint on 127.0.0.1:9901.
# Try it:  echo hello | nc -q1 127.0.0.1 7007      curl 127.0.0.1:9901/metrics
#
# Usage: scripts/run.sh [mio-echo options...]    (e.g. --log-level debug, --set key=value)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc 2>/dev/null || echo 2)" --target mio-echo
exec build/release/apps/mio-echo -c config/mio-echo.toml "$@"
