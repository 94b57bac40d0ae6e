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
CLK_TCK=$(getconf CLK_TCK)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
wait_port() {
    for _ in $(seq 1 200); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        python3 -c 'import time; time.sleep(0.05)'
    done
    echo "server on port $1 did not come up" >&2; return 1
}

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

# run_load kind mode conns size -> prints "rate work_per_cpu_s"
run_load() {
    local kind=$1 mode=$2 conns=$3 size=$4 port
    port=$(free_port)
    start_server "$port" "$kind"
    taskset -c 1 "$B/scripts/bench/bench_echo_load" "$mode" "$port" "$conns" "$size" 1 >/dev/null
    local t0 t1 out ops secs
    t0=$(cpu_ticks "$PID")
    out=$(taskset -c 1 "$B/scripts/bench/bench_echo_load" "$mode" "$port" "$conns" "$size" "$SECONDS_PER_RUN")
    t1=$(cpu_ticks "$PID")
    kill "$PID"; wait "$PID" 2>/dev/null || true
    ops=$(sed -E 's/.*ops=([0-9]+).*/\1/' <<<"$out")
    if [ "$mode" = stream ]; then ops=$(sed -E 's/.*bytes=([0-9]+).*/\1/' <<<"$out"); fi
    secs=$(sed -E 's/.*seconds=([0-9.]+).*/\1/' <<<"$out")
    python3 - "$ops" "$secs" "$t0" "$t1" "$CLK_TCK" <<'PY'
import sys
ops, secs, t0, t1, hz = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
cpu = max((t1 - t0) / hz, 1e-9)
print(f"{ops / secs:.0f} {ops / cpu:.0f} {cpu / secs:.2f}")
PY
}

median() { python3 -c 'import sys,statistics; print(statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }

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
python3 -c 'import time; time.sleep(0.2)'
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
        python3 -c 'import time; time.sleep(0.05)'
    done
    # Let a few event-loop turns pass so every connection has been registered.
    python3 -c 'import time; time.sleep(0.5)'
    now=$(rss_kib "$PID")
    echo "$kind: idle connection costs $(python3 -c "print(f'{($now - $base) * 1024 / 10000:.0f}')") bytes of RSS (10,000 idle connections)"
    exec {fd}>&"${IDLE[1]}"; exec {fd}>&-
    kill "$PID"; wait "$PID" 2>/dev/null || true
    kill "$IDLE_PID" 2>/dev/null || true; wait "$IDLE_PID" 2>/dev/null || true
done
