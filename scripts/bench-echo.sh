#!/usr/bin/env bash
# Benchmark: mio-echo against a minimal edge-triggered epoll echo server (scripts/bench/
# epoll_echo.cpp), measured in the same run on this machine. The server is pinned to CPU 0 and
# the load generator to CPU 1. Results are work per server CPU-second (rate divided by the
# server's CPU share over the window), because from 50 connections on the load generator
# saturates its own core and raw rates hide the server's cost.
#
#   scripts/bench-echo.sh [seconds-per-run] [repetitions]     (defaults: 5 3)
#
# Also reports heap allocations per request in steady state (LD_PRELOAD counter) and the
# user-space memory of an idle connection (RSS delta over 10,000 idle connections / 10,000).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh curl util-linux >/dev/null
SECONDS_PER_RUN=${1:-5}
REPS=${2:-3}
cmake --preset release -DLIBPOLL_BUILD_BENCH=ON >/dev/null
cmake --build --preset release -j "$(nproc)" --target mio-echo bench_epoll_echo bench_echo_load \
    bench_malloc_count >/dev/null
B=build/release
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
TMP=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$TMP"' EXIT

source scripts/bench/lib.sh
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

write_config() {  # port admin_port
    cat > "$TMP/echo.toml" <<TOML
[runtime]
max_connections = 200000
[log]
level = "warn"
[admin]
listen = "127.0.0.1:$2"
[listeners.bench]
bind = "127.0.0.1:$1"
max_connections = 200000
idle_timeout = "off"
buffer_size = "16KiB"
TOML
}

start_server() {  # kind port -> sets PID
    local port=$1 kind=$2
    if [ "$kind" = mio ]; then
        write_config "$port" "$(free_port)"
        taskset -c 0 env ${PRELOAD:+LD_PRELOAD=$PRELOAD} MALLOC_COUNT_FILE="$TMP/mallocs" \
            "$B/apps/mio-echo" -c "$TMP/echo.toml" 2>"$TMP/server.log" &
    else
        taskset -c 0 "$B/scripts/bench/bench_epoll_echo" "$port" 16384 >/dev/null &
    fi
    PID=$!
    wait_port "$port"
}

# run_load kind mode conns size -> prints "rate work_per_cpu_s cpu_share"
run_load() {
    local kind=$1 mode=$2 conns=$3 size=$4 port
    port=$(free_port)
    start_server "$port" "$kind"
    measure_load "$PID" "$mode" "$port" "$conns" "$size"
    kill "$PID"; wait "$PID" 2>/dev/null || true
}

printf '%-28s %14s %14s %10s %14s %14s %10s %8s\n' workload "mio rate" "mio work/cpu" "mio cpu" \
    "epoll rate" "epoll work/cpu" "epoll cpu" ratio
for spec in "pingpong 50 64" "pingpong 1000 64" "stream 10 16384"; do
    read -r mode conns size <<<"$spec"
    ratios=()
    for _ in $(seq 1 "$REPS"); do
        read -r mr mw mc <<<"$(run_load mio "$mode" "$conns" "$size")"
        read -r er ew ec <<<"$(run_load epoll "$mode" "$conns" "$size")"
        ratios+=("$(python3 -c "print($mw / $ew)")")
        printf '%-28s %14s %14s %10s %14s %14s %10s %8.3f\n' "$mode x$conns ${size}B" "$mr" "$mw" \
            "$mc" "$er" "$ew" "$ec" "$(python3 -c "print($mw / $ew)")"
    done
    echo "  median work-per-CPU-second ratio (mio-echo / epoll baseline): $(median "${ratios[@]}")"
done

# Heap allocations per request in steady state (64-byte ping-pong, 50 connections).
port=$(free_port)
: > "$TMP/mallocs"
PRELOAD="$PWD/$B/scripts/bench/libbench_malloc_count.so" start_server "$port" mio
taskset -c 1 "$B/scripts/bench/bench_echo_load" pingpong "$port" 50 64 1 >/dev/null
kill -USR2 "$PID"
out=$(taskset -c 1 "$B/scripts/bench/bench_echo_load" pingpong "$port" 50 64 "$SECONDS_PER_RUN")
kill -USR2 "$PID"
pause 0.2
kill "$PID"; wait "$PID" 2>/dev/null || true
ops=$(sed -E 's/.*ops=([0-9]+).*/\1/' <<<"$out")
read -r before after < <(paste -sd' ' "$TMP/mallocs")
echo "heap allocations in steady state: $((after - before)) over $ops requests" \
     "($(python3 -c "print(f'{($after - $before) / $ops:.6f}')") per request)"

# User-space memory per idle connection.
for kind in mio epoll; do
    port=$(free_port)
    start_server "$port" "$kind"
    base=$(rss_kib "$PID")
    coproc IDLE { taskset -c 1 "$B/scripts/bench/bench_echo_load" idle "$port" 10000; }
    read -r _ <&"${IDLE[0]}"
    # Wait until the server has accepted them all: its fd count reaches 10,000 more.
    for _ in $(seq 1 400); do
        [ "$(ls "/proc/$PID/fd" | wc -l)" -ge 10000 ] && break
        pause 0.05
    done
    # Let a few event-loop turns pass so every connection has been registered.
    pause 0.5
    now=$(rss_kib "$PID")
    echo "$kind: idle connection costs $(python3 -c "print(f'{($now - $base) * 1024 / 10000:.0f}')") bytes of RSS (10,000 idle connections)"
    exec {fd}>&"${IDLE[1]}"; exec {fd}>&-
    kill "$PID"; wait "$PID" 2>/dev/null || true
    kill "$IDLE_PID" 2>/dev/null || true; wait "$IDLE_PID" 2>/dev/null || true
done
