# Shell helpers shared by scripts/bench-echo.sh and scripts/bench-proxy.sh (sourced, not run).
# Expects B (the build directory) and SECONDS_PER_RUN to be set by the caller.

CLK_TCK=$(getconf CLK_TCK)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
pause() { python3 -c "import time; time.sleep($1)"; }
median() { python3 -c 'import sys,statistics; print(statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }

# wait_port PORT: until something accepts on 127.0.0.1:PORT (at most 10 s).
wait_port() {
    for _ in $(seq 1 200); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        pause 0.05
    done
    echo "nothing came up on port $1" >&2; return 1
}

# measure_load PID MODE PORT CONNS SIZE -> prints "rate work_per_cpu_s cpu_share" for the
# server process PID under bench_echo_load on CPU 1: a 1 s warm-up, then SECONDS_PER_RUN
# measured. Work is round trips (pingpong) or echoed bytes (stream); CPU is the process's
# utime + stime over the window.
measure_load() {
    local pid=$1 mode=$2 port=$3 conns=$4 size=$5 t0 t1 out ops secs
    taskset -c 1 "$B/scripts/bench/bench_echo_load" "$mode" "$port" "$conns" "$size" 1 >/dev/null
    t0=$(cpu_ticks "$pid")
    out=$(taskset -c 1 "$B/scripts/bench/bench_echo_load" "$mode" "$port" "$conns" "$size" "$SECONDS_PER_RUN")
    t1=$(cpu_ticks "$pid")
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
