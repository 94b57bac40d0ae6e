# shellcheck shell=bash
# Sourced by scripts/test-docker.sh: one function per check on a running container. Each
# waits for a condition with a bound (never a fixed sleep) and calls die() with what it saw.

# Waits until CONTAINER's log holds TEXT (bounded: 30 s), following the log as it is written;
# dies with the log's tail if the container exits first or the time runs out.
wait_for_log() {
    local container=$1 text=$2 found=1 logfd follower
    exec {logfd}< <(exec timeout 30 podman logs -f "$container" 2>&1)
    follower=$!
    grep -m1 -F -e "$text" <&"$logfd" >/dev/null && found=0
    kill "$follower" 2>/dev/null || true
    exec {logfd}<&-
    [ "$found" = 0 ] && return 0
    podman logs "$container" 2>&1 | tail -20 >&2
    die "$container: no '$text' in its log"
}

check_echo_tcp() {  # host port
    local got
    got=$(printf 'hello over tcp\n' | timeout 10 socat -t 5 - "TCP:$1:$2") || true
    [ "$got" = "hello over tcp" ] || die "TCP echo on $1:$2 answered '$got'"
    step "  TCP $1:$2 echoes"
}

check_echo_udp() {  # host port
    local got
    got=$(printf 'hello over udp\n' | timeout 10 socat -T 5 - "UDP:$1:$2") || true
    [ "$got" = "hello over udp" ] || die "UDP echo on $1:$2 answered '$got'"
    step "  UDP $1:$2 echoes"
}

check_healthz() {  # host port
    local code
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://$1:$2/healthz") || true
    [ "$code" = 200 ] || die "GET http://$1:$2/healthz answered '$code'"
    step "  /healthz on $1:$2 answers 200"
}

# The daemon is the container's PID 1 (no init) and runs as uid 10001 with no capabilities.
check_pid1_unprivileged() {  # container
    local pid status
    pid=$(podman inspect --format '{{.State.Pid}}' "$1")
    status=$(cat "/proc/$pid/status")
    grep -E '^NSpid:.*[[:space:]]1$' <<<"$status" >/dev/null || die "$1: the daemon is not PID 1"
    grep -E '^Uid:[[:space:]]+10001[[:space:]]' <<<"$status" >/dev/null ||
        die "$1: the daemon does not run as uid 10001: $(grep '^Uid:' <<<"$status")"
    grep -E '^CapEff:[[:space:]]+0+$' <<<"$status" >/dev/null ||
        die "$1: the daemon has capabilities: $(grep '^CapEff:' <<<"$status")"
    step "  PID 1 in the container, uid 10001, no capabilities"
}

# The image's HEALTHCHECK (the daemon's own --health) passes, and podman records it.
check_healthcheck() {  # container
    podman healthcheck run "$1" >/dev/null || die "$1: the HEALTHCHECK failed"
    local health
    health=$(podman inspect --format '{{.State.Health.Status}}' "$1")
    [ "$health" = healthy ] || die "$1: health status '$health'"
    step "  HEALTHCHECK passes ($health)"
}

# `podman stop` while a client is mid-exchange through CONTAINER's HOST:PORT: the drain is
# logged, the client's second half still goes through and comes back, the exit code is 0.
check_stop_drains() {  # container host port
    local container=$1 first second stopper code
    exec 3<>"/dev/tcp/$2/$3"
    printf 'first half|' >&3
    IFS= read -r -N 11 -t 10 first <&3 || true
    [ "$first" = "first half|" ] || die "$container: before the stop, the echo gave '$first'"
    podman stop -t 60 "$container" >/dev/null &
    stopper=$!
    wait_for_log "$container" 'draining 1 connections'
    printf 'second half' >&3
    IFS= read -r -N 11 -t 10 second <&3 || true
    exec 3>&-
    [ "$second" = "second half" ] || die "$container: during the drain, the echo gave '$second'"
    wait "$stopper" || die "podman stop $container failed"
    code=$(podman inspect --format '{{.State.ExitCode}}' "$container")
    [ "$code" = 0 ] || die "$container exited with $code after the drain"
    step "  drained: the transfer completed, exit code 0"
}
