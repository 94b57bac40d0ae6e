#!/usr/bin/env bash
# Benchmark: mio-proxy against HAProxy (Debian's package), measured in the same run on this
# machine, both as a plain TCP proxy in front of the same backend (scripts/bench/epoll_echo.cpp,
# a minimal epoll echo server).
#
# CPU placement (two cores): the proxy under test is pinned to CPU 0; the backend and the load
# generator (scripts/bench/echo_load.cpp) share CPU 1. Results are reported as work per proxy
# CPU-second (rate divided by the proxy's CPU share over the window, utime + stime from
# /proc/<pid>/stat), because the load generator and the backend saturate their shared core long
# before the proxy does, so raw rates say more about CPU 1 than about the proxy.
#
#   scripts/bench-proxy.sh [seconds-per-run] [repetitions]     (defaults: 5 3)
#   environment: WORKLOADS="pingpong 50 64,stream 10 16384" (comma-separated), QUICK=1 (skip
#   iperf3 and the allocation count), MIO_SPLICE=off|auto|always, MIO_BUFFER=16KiB
#
# A third proxy is measured in every repetition as a reference point of what this kernel allows:
# scripts/bench/epoll_relay.cpp, a minimal edge-triggered epoll relay (copying, 16 KiB buffers).
# Configurations, kept as close as the programs allow:
#   mio-proxy  one listener -> one server, log level warn, no admin endpoint, 16 KiB buffers
#              (MIO_BUFFER overrides), everything else default (splice = "auto"; MIO_SPLICE=off|always overrides it).
#   HAProxy    global: nbthread 1, maxconn 100000 (lowered to what the descriptor limit allows:
#              HAProxy will not start otherwise); defaults: mode tcp, timeouts 1m;
#              one frontend (bind 127.0.0.1:<port>, default_backend) and one backend server;
#              run in the foreground with `haproxy -f <cfg> -db`.
# Workloads: 64-byte ping-pong over 50 connections, and 10 connections streaming 16 KiB chunks
# (bench_echo_load stream 10 16384). Each is repeated (the three proxies in a rotating order)
# and the medians are printed.
# Also: one iperf3 stream through each proxy, and mio-proxy's heap allocations per request in
# steady state (LD_PRELOAD of scripts/bench/libbench_malloc_count.so, as bench-echo.sh does).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh haproxy iperf3 util-linux >/dev/null
SECONDS_PER_RUN=${1:-5}
REPS=${2:-3}
cmake --preset release -DLIBPOLL_BUILD_BENCH=ON >/dev/null
cmake --build --preset release -j "$(nproc)" --target mio-proxy bench_epoll_echo bench_epoll_relay \
    bench_echo_load bench_malloc_count >/dev/null
B=build/release
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
TMP=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$TMP"' EXIT
# HAProxy refuses to start unless it can raise its descriptor limit to about 2 x maxconn: keep
# maxconn 100000 where the hard limit allows it, else the most it allows (both far above the
# 50 connections used here).
HA_MAXCONN=$(( $(ulimit -n) / 2 - 64 ))
[ "$HA_MAXCONN" -gt 100000 ] && HA_MAXCONN=100000

source scripts/bench/lib.sh

# The backend for every run: the plain epoll echo server on CPU 1.
BACKEND_PORT=$(free_port)
taskset -c 1 "$B/scripts/bench/bench_epoll_echo" "$BACKEND_PORT" 16384 >/dev/null &
BACKEND_PID=$!
wait_port "$BACKEND_PORT"

write_mio_config() {  # port server_port
    cat > "$TMP/mio-proxy.toml" <<TOML
[runtime]
max_connections = 100000
buffer_size = "${MIO_BUFFER:-16KiB}"
${MIO_SPLICE:+splice = \"$MIO_SPLICE\"}
[log]
level = "warn"
[listeners.bench]
bind = "127.0.0.1:$1"
upstream = "backend"
max_connections = 100000
[upstreams.backend]
servers = [ { address = "127.0.0.1:$2" } ]
TOML
}

write_haproxy_config() {  # port server_port
    cat > "$TMP/haproxy.cfg" <<CFG
global
    nbthread 1
    maxconn $HA_MAXCONN
defaults
    mode tcp
    timeout connect 1m
    timeout client 1m
    timeout server 1m
frontend bench
    bind 127.0.0.1:$1
    default_backend echo
backend echo
    server s1 127.0.0.1:$2
CFG
}

start_proxy() {  # kind port server_port -> sets PID (the proxy on CPU 0)
    local kind=$1 port=$2 server=$3
    if [ "$kind" = mio ]; then
        write_mio_config "$port" "$server"
        taskset -c 0 env ${PRELOAD:+LD_PRELOAD=$PRELOAD} MALLOC_COUNT_FILE="$TMP/mallocs" \
            "$B/apps/mio-proxy" -c "$TMP/mio-proxy.toml" 2>>"$TMP/mio-proxy.log" &
    elif [ "$kind" = haproxy ]; then
        write_haproxy_config "$port" "$server"
        taskset -c 0 haproxy -f "$TMP/haproxy.cfg" -db >>"$TMP/haproxy.log" 2>&1 &
    else
        taskset -c 0 "$B/scripts/bench/bench_epoll_relay" "$port" "$server" 16384 &
    fi
    PID=$!
    wait_port "$port"
}

stop_proxy() { kill "$PID"; wait "$PID" 2>/dev/null || true; }

# run_load kind mode conns size -> prints "rate work_per_cpu_s cpu_share"
run_load() {
    local kind=$1 mode=$2 conns=$3 size=$4 port
    port=$(free_port)
    start_proxy "$kind" "$port" "$BACKEND_PORT"
    measure_load "$PID" "$mode" "$port" "$conns" "$size"
    stop_proxy
}

check_numbers() {  # a run that failed leaves its fields empty: stop with the proxies' logs
    for v in "$@"; do
        if ! [[ "$v" =~ ^[0-9.]+$ ]]; then
            echo "a run failed; proxy logs:" >&2
            cat "$TMP"/mio-proxy.log "$TMP"/haproxy.log >&2 2>/dev/null || true
            exit 1
        fi
    done
}

echo "mio-proxy $("$B/apps/mio-proxy" -V | head -1 | cut -d' ' -f2-) vs $(haproxy -v | head -1)"
echo "HAProxy maxconn $HA_MAXCONN (descriptor limit $(ulimit -n))"
echo "proxy on CPU 0; backend (bench_epoll_echo) and load generator on CPU 1; ${SECONDS_PER_RUN}s x $REPS"
echo "units: pingpong = round trips, stream = echoed bytes; cpu = proxy CPU share of the window"
echo "relay = scripts/bench/epoll_relay.cpp, a minimal epoll relay (what the kernel allows here)"
printf '%-20s %14s %5s %14s %5s %14s %5s %8s %8s\n' workload "mio work/cpu" cpu \
    "ha work/cpu" cpu "relay work/cpu" cpu mio/ha mio/rly
IFS=, read -r -a SPECS <<<"${WORKLOADS:-pingpong 50 64,stream 10 16384}"
for spec in "${SPECS[@]}"; do
    read -r mode conns size <<<"$spec"
    mworks=(); hworks=(); rworks=(); ratios=(); rratios=()
    for rep in $(seq 1 "$REPS"); do
        # The order rotates from one repetition to the next, so a drift of the machine during
        # a repetition does not always favour the same proxy.
        order=(mio haproxy relay)
        for ((i = 0; i < rep % 3; ++i)); do order=("${order[@]:1}" "${order[0]}"); done
        for kind in "${order[@]}"; do
            case $kind in
                mio) read -r mr mw mc <<<"$(run_load mio "$mode" "$conns" "$size")" ;;
                haproxy) read -r hr hw hc <<<"$(run_load haproxy "$mode" "$conns" "$size")" ;;
                relay) read -r rr rw rc <<<"$(run_load relay "$mode" "$conns" "$size")" ;;
            esac
        done
        check_numbers "$mr" "$mw" "$hr" "$hw" "$rr" "$rw"
        ratio=$(python3 -c "print(f'{$mw / $hw:.3f}')")
        rratio=$(python3 -c "print(f'{$mw / $rw:.3f}')")
        mworks+=("$mw"); hworks+=("$hw"); rworks+=("$rw"); ratios+=("$ratio"); rratios+=("$rratio")
        printf '%-20s %14s %5s %14s %5s %14s %5s %8s %8s\n' "$mode x$conns ${size}B" "$mw" "$mc" \
            "$hw" "$hc" "$rw" "$rc" "$ratio" "$rratio"
    done
    printf '%-20s %14.0f %5s %14.0f %5s %14.0f %5s %8.3f %8.3f\n' "  median" \
        "$(median "${mworks[@]}")" "" "$(median "${hworks[@]}")" "" "$(median "${rworks[@]}")" "" \
        "$(median "${ratios[@]}")" "$(median "${rratios[@]}")"
    echo "  median work-per-proxy-CPU-second ratio: mio-proxy / HAProxy $(median "${ratios[@]}")," \
         "mio-proxy / minimal epoll relay $(median "${rratios[@]}")"
done

[ -n "${QUICK:-}" ] && exit 0  # ping-pong and streaming only
# One iperf3 stream through each proxy (iperf3's server replaces the echo backend here).
echo
echo "iperf3, one stream, ${SECONDS_PER_RUN}s (caveat: on two cores the iperf3 client and server"
echo "share CPU 1, so this measures that core as much as the proxy on CPU 0)"
IPERF_PORT=$(free_port)
taskset -c 1 iperf3 -s -p "$IPERF_PORT" --forceflush >"$TMP/iperf3-server.log" 2>&1 &
IPERF_PID=$!
for _ in $(seq 1 200); do grep -q "Server listening" "$TMP/iperf3-server.log" && break; pause 0.05; done
for kind in mio haproxy; do
    port=$(free_port)
    start_proxy "$kind" "$port" "$IPERF_PORT"
    t0=$(cpu_ticks "$PID")
    json=$(taskset -c 1 iperf3 -c 127.0.0.1 -p "$port" -t "$SECONDS_PER_RUN" -J)
    t1=$(cpu_ticks "$PID")
    stop_proxy
    python3 -c '
import json, sys
r = json.load(sys.stdin)
kind, t0, t1, hz, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
bps = r["end"]["sum_received"]["bits_per_second"]
print(f"  {kind:8s} {bps / 1e9:8.2f} Gbit/s (bits_per_second {bps:.0f}, received), proxy CPU share {(t1 - t0) / hz / secs:.2f}")
' "$kind" "$t0" "$t1" "$CLK_TCK" "$SECONDS_PER_RUN" <<<"$json"
done
kill "$IPERF_PID"; wait "$IPERF_PID" 2>/dev/null || true

# mio-proxy's heap allocations per request in steady state (64-byte ping-pong, 50 connections).
echo
port=$(free_port)
: > "$TMP/mallocs"
PRELOAD="$PWD/$B/scripts/bench/libbench_malloc_count.so" start_proxy mio "$port" "$BACKEND_PORT"
taskset -c 1 "$B/scripts/bench/bench_echo_load" pingpong "$port" 50 64 1 >/dev/null
kill -USR2 "$PID"
out=$(taskset -c 1 "$B/scripts/bench/bench_echo_load" pingpong "$port" 50 64 "$SECONDS_PER_RUN")
kill -USR2 "$PID"
pause 0.2
stop_proxy
ops=$(sed -E 's/.*ops=([0-9]+).*/\1/' <<<"$out")
read -r before after < <(paste -sd' ' "$TMP/mallocs")
echo "mio-proxy heap allocations in steady state: $((after - before)) over $ops requests" \
     "($(python3 -c "print(f'{($after - $before) / $ops:.6f}')") per request)"
if [ -s "$TMP/mio-proxy.log" ]; then echo "mio-proxy warnings:"; cat "$TMP/mio-proxy.log"; fi
