#!/usr/bin/env bash
# Benchmark: mio-proxy's UDP proxying against nginx `stream` (Debian's libnginx-mod-stream),
# both in front of the same UDP echo backend (scripts/bench/udp_echo.cpp), measured in the
# same run, with the method of scripts/bench-proxy.sh: the proxy on CPU 0, the backend and the
# load generator (scripts/bench/udp_load.cpp) on CPU 1, work reported per proxy CPU-second.
#
#   scripts/bench-proxy-udp.sh [seconds-per-run] [repetitions]     (defaults: 5 3)
#
# Workloads: 64-byte datagram ping-pong with 10 and with 1,000 client sockets, sessions kept
# (nginx without proxy_responses, mio-proxy with expected_responses = 0); and the DNS case, one
# session per exchange (nginx `proxy_responses 1`, mio-proxy `expected_responses = 1`).
# Configurations: nginx with one process (master_process off, worker_processes 1),
# worker_connections 16384, proxy_timeout 30s; mio-proxy with log level warn, no admin endpoint,
# max_sessions 100000, everything else default. A reply must come back to the client that sent
# the request, unchanged (udp_load counts "wrong" replies); losses are counted and resent.
# A third candidate is measured in every repetition, the floor this kernel sets:
# scripts/bench/udp_relay.cpp, a hand-written relay with the same design constraints (one
# connected upstream socket per session, edge-triggered epoll) and every trick we know
# (recvmmsg batches that skip the EAGAIN call, one sendmmsg per wake-up for the replies, no
# per-datagram work beyond the table lookup). The candidates run in a rotating order.
# Last, a real workload: dnsperf (10 sockets, 5 s) through each proxy (one reply per session)
# to dnsmasq answering from a hosts file, in queries per proxy CPU-second.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh nginx-light libnginx-mod-stream util-linux dnsmasq-base dnsperf >/dev/null
SECONDS_PER_RUN=${1:-5}
REPS=${2:-3}
cmake --preset release -DLIBPOLL_BUILD_BENCH=ON >/dev/null
cmake --build --preset release -j "$(nproc)" --target mio-proxy bench_udp_echo bench_udp_load \
    bench_udp_relay >/dev/null
B=build/release
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
TMP=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$TMP"' EXIT
source scripts/bench/lib.sh

free_udp_port() {
    python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
# wait_udp PORT [dns]: until a datagram to 127.0.0.1:PORT comes back (at most 10 s); with
# "dns", the datagram is a DNS query for web.test (a DNS server drops anything else).
wait_udp() {
    python3 - "$1" "${2:-}" <<'PY'
import socket, sys, time
probe = b"ping"
if sys.argv[2] == "dns":
    probe = bytes.fromhex("123401000001000000000000") + b"\x03web\x04test\x00" + bytes.fromhex("00010001")
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.05)
for _ in range(200):
    s.sendto(probe, ("127.0.0.1", int(sys.argv[1])))
    try:
        s.recv(512); sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit("nothing answered on UDP port " + sys.argv[1])
PY
}

BACKEND_PORT=$(free_udp_port)
taskset -c 1 "$B/scripts/bench/bench_udp_echo" "$BACKEND_PORT" &
wait_udp "$BACKEND_PORT"

start_proxy() {  # kind port responses -> sets PID (the proxy on CPU 0)
    local kind=$1 port=$2 responses=$3
    if [ "$kind" = mio ]; then
        cat > "$TMP/mio-proxy.toml" <<TOML
[log]
level = "warn"
[listeners.bench]
bind = "127.0.0.1:$port"
protocol = "udp"
upstream = "backend"
[listeners.bench.udp]
max_sessions = 100000
expected_responses = $responses
[upstreams.backend]
servers = [ { address = "127.0.0.1:$BACKEND_PORT" } ]
TOML
        taskset -c 0 "$B/apps/mio-proxy" -c "$TMP/mio-proxy.toml" 2>>"$TMP/mio-proxy.log" &
    elif [ "$kind" = relay ]; then
        taskset -c 0 "$B/scripts/bench/bench_udp_relay" "$port" "$BACKEND_PORT" "$responses" &
    else
        local extra=""
        [ "$responses" -gt 0 ] && extra="proxy_responses $responses;"
        cat > "$TMP/nginx.conf" <<CONF
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
daemon off;
master_process off;
worker_processes 1;
worker_rlimit_nofile 40000;
error_log $TMP/nginx-error.log warn;
pid $TMP/nginx.pid;
events { worker_connections 16384; }
stream {
    server {
        listen 127.0.0.1:$port udp;
        proxy_pass 127.0.0.1:$BACKEND_PORT;
        proxy_timeout 30s;
        $extra
    }
}
CONF
        taskset -c 0 nginx -c "$TMP/nginx.conf" -p "$TMP" >>"$TMP/nginx.log" 2>&1 &
    fi
    PID=$!
    wait_udp "$port" "${PROBE:-}"
}

stop_proxy() { kill "$PID"; wait "$PID" 2>/dev/null || true; }

# run_load kind sockets size responses -> prints "rate work_per_cpu_s cpu_share lost wrong"
run_load() {
    local kind=$1 sockets=$2 size=$3 responses=$4 port t0 t1 out
    port=$(free_udp_port)
    start_proxy "$kind" "$port" "$responses"
    taskset -c 1 "$B/scripts/bench/bench_udp_load" "$port" "$sockets" "$size" 1 >/dev/null
    t0=$(cpu_ticks "$PID")
    out=$(taskset -c 1 "$B/scripts/bench/bench_udp_load" "$port" "$sockets" "$size" "$SECONDS_PER_RUN")
    t1=$(cpu_ticks "$PID")
    stop_proxy
    python3 - "$out" "$t0" "$t1" "$CLK_TCK" <<'PY'
import re, sys
f = dict(re.findall(r"(\w+)=([0-9.]+)", sys.argv[1]))
t0, t1, hz = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
ops, secs = float(f["ops"]), float(f["seconds"])
cpu = max((t1 - t0) / hz, 1e-9)
print(f"{ops / secs:.0f} {ops / cpu:.0f} {cpu / secs:.2f} {f['lost']} {f['wrong']}")
PY
}

echo "mio-proxy $("$B/apps/mio-proxy" -V | head -1 | cut -d' ' -f2-) vs $(nginx -v 2>&1)"
echo "proxy on CPU 0; backend (bench_udp_echo) and load generator on CPU 1; ${SECONDS_PER_RUN}s x $REPS"
echo "units: round trips per proxy CPU-second; lost/wrong: datagrams without reply / misrouted"
echo "relay: the hand-written C relay (scripts/bench/udp_relay.cpp), the floor this kernel sets"
printf '%-34s %9s %9s %9s %11s %11s %8s %8s %8s\n' workload mio nginx relay "mio lst/wr" \
    "ngx lst/wr" mio/ngx mio/rly ngx/rly
for spec in "10 64 0" "1000 64 0" "10 64 1" "1000 64 1"; do
    read -r sockets size responses <<<"$spec"
    label="pingpong x$sockets ${size}B"
    [ "$responses" -gt 0 ] && label="$label, 1 reply/session"
    mio_ngx=() mio_rly=() ngx_rly=()
    kinds=(mio nginx relay)
    for rep in $(seq 1 "$REPS"); do
        order=("${kinds[@]:$((rep % 3))}" "${kinds[@]:0:$((rep % 3))}")  # rotated each time
        declare -A work=() lost=()
        for kind in "${order[@]}"; do
            read -r _ w _ l x <<<"$(run_load "$kind" "$sockets" "$size" "$responses")"
            work[$kind]=$w
            lost[$kind]="$l/$x"
        done
        r1=$(python3 -c "print(f'{${work[mio]} / ${work[nginx]}:.3f}')")
        r2=$(python3 -c "print(f'{${work[mio]} / ${work[relay]}:.3f}')")
        r3=$(python3 -c "print(f'{${work[nginx]} / ${work[relay]}:.3f}')")
        mio_ngx+=("$r1") mio_rly+=("$r2") ngx_rly+=("$r3")
        printf '%-34s %9s %9s %9s %11s %11s %8s %8s %8s\n' "$label" "${work[mio]}" \
            "${work[nginx]}" "${work[relay]}" "${lost[mio]}" "${lost[nginx]}" "$r1" "$r2" "$r3"
        unset work lost
    done
    echo "  medians: mio-proxy/nginx $(median "${mio_ngx[@]}"), mio-proxy/relay" \
        "$(median "${mio_rly[@]}"), nginx/relay $(median "${ngx_rly[@]}")"
done
# dnsperf -> proxy (CPU 0) -> dnsmasq; dnsperf and dnsmasq on CPU 1.
DNS_PORT=$(free_port)  # dnsmasq binds TCP too
printf '127.0.0.5 web.test\n' > "$TMP/hosts"
for _ in $(seq 1 2000); do echo "web.test A"; done > "$TMP/queries"
user_flag=(); [ "$(id -u)" -eq 0 ] && user_flag=(--user=root)
taskset -c 1 dnsmasq --keep-in-foreground --log-facility=- --port="$DNS_PORT" \
    --listen-address=127.0.0.1 --bind-interfaces --no-resolv --no-hosts \
    --addn-hosts="$TMP/hosts" --conf-file=/dev/null --pid-file= "${user_flag[@]}" \
    >"$TMP/dnsmasq.log" 2>&1 &
wait_udp "$DNS_PORT" dns
BACKEND_PORT=$DNS_PORT
PROBE=dns
echo
echo "dnsperf (10 sockets, ${SECONDS_PER_RUN}s) -> proxy -> dnsmasq; one reply per session"
for kind in mio nginx relay; do
    port=$(free_udp_port)
    start_proxy "$kind" "$port" 1
    t0=$(cpu_ticks "$PID")
    out=$(taskset -c 1 dnsperf -s 127.0.0.1 -p "$port" -d "$TMP/queries" -l "$SECONDS_PER_RUN" \
        -c 10 -q 100 2>&1)
    t1=$(cpu_ticks "$PID")
    stop_proxy
    OUT="$out" python3 - "$kind" "$t0" "$t1" "$CLK_TCK" "$SECONDS_PER_RUN" <<'PY'
import os, re, sys
out = os.environ["OUT"]
kind, t0, t1, hz, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
qps = float(re.search(r"Queries per second:\s+([0-9.]+)", out).group(1))
lost = re.search(r"Queries lost:\s+([0-9]+)", out).group(1)
cpu = max((t1 - t0) / hz, 1e-9)
print(f"  {kind:6s} {qps:10.0f} queries/s, {qps * secs / cpu:10.0f} per proxy CPU-second, lost {lost}")
PY
done
if [ -s "$TMP/mio-proxy.log" ]; then echo "mio-proxy warnings:"; cat "$TMP/mio-proxy.log"; fi
