#!/usr/bin/env bash
# Builds libpoll (release preset) and starts the main job in the foreground.
# Until mio-echo lands (a later issue), the main job is libpoll's example edge-triggered TCP
# echo server; its listen address defaults to 127.0.0.1:9000 (talk to it with `nc`).
#
# Usage: scripts/run.sh [listen-address]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc 2>/dev/null || echo 2)" --target tcp_echo_server
exec build/release/libpoll/examples/tcp_echo_server "${1:-127.0.0.1:9000}"
