#!/usr/bin/env bash
# Builds the image from the Dockerfile with podman and runs it for real: mio-echo answers TCP
# and UDP, mio-proxy in a second container (with a mounted config) forwards to it, /healthz
# answers and the image's HEALTHCHECK passes, the daemons run as PID 1 under an unprivileged
# user, and `podman stop` drains: exit 0, the drain logged, a transfer in flight completes.
#
# No registry is needed: a debian:bookworm base image is made with debootstrap from the
# mirror apt already uses, imported as localhost/debian:bookworm and kept between runs.
# Containers use the host's network (ports 7007, 7100, 9901 and 9902 of 127.0.0.1, the
# shipped configs' ports, which the other tests never use). Run as root (CI is) or with sudo.
#
#   scripts/test-docker.sh          (scripts/test.sh runs it after the presets)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
HERE="$ROOT/build/docker"
BASE=localhost/debian:bookworm
IMAGE=localhost/libpoll:test
mkdir -p "$HERE"
step() { echo "test-docker: $*"; }
die() {
    echo "test-docker: FAILED: $*" >&2
    exit 1
}

[ "$(id -u)" -eq 0 ] || exec sudo -E "$0" "$@"
scripts/install-deps.sh --only podman runc debootstrap
source scripts/docker/podman-env.sh "$HERE"
source scripts/docker/checks.sh

# Podman runs a container's HEALTHCHECK on a systemd timer; this machine has no systemd, so
# the timer is off and the check is run by `podman healthcheck run` (check_healthcheck).
run_flags=(-d --network=host --health-interval=disable)
containers=()
cleanup() {
    for c in "${containers[@]}"; do podman rm -f -t 0 "$c" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT

step "base image $BASE"
scripts/docker/base-image.sh "$BASE" "$HERE"

step "building $IMAGE (podman build, the Dockerfile as it is)"
podman build --network=host --format docker --build-arg BASE_IMAGE="$BASE" -t "$IMAGE" \
    -f Dockerfile . >"$HERE/build.log" 2>&1 || {
    tail -40 "$HERE/build.log"
    die "podman build"
}
size=$(podman image inspect --format '{{.Size}}' "$IMAGE")
step "image size: $((size / 1000 / 1000)) MB ($size bytes)"

step "mio-echo, the default command"
podman run "${run_flags[@]}" --name mio-echo-test "$IMAGE" >/dev/null
containers+=(mio-echo-test)
wait_for_log mio-echo-test 'admin endpoint on 0.0.0.0:9901'
wait_for_log mio-echo-test 'listening on 0.0.0.0:7007'
check_echo_tcp 127.0.0.1 7007
check_echo_udp 127.0.0.1 7007
check_healthz 127.0.0.1 9901
check_pid1_unprivileged mio-echo-test
check_healthcheck mio-echo-test

step "mio-proxy in a second container, config mounted, forwarding to mio-echo"
cp config/mio-proxy.toml "$HERE/proxy.toml"
podman run "${run_flags[@]}" --name mio-proxy-test -e MIO_HEALTH_ADDR=127.0.0.1:9902 \
    -v "$HERE/proxy.toml:/etc/mio-proxy/mio-proxy.toml:ro" "$IMAGE" \
    mio-proxy -c /etc/mio-proxy/mio-proxy.toml --log-format json >/dev/null
containers+=(mio-proxy-test)
wait_for_log mio-proxy-test 'admin endpoint on'
check_echo_tcp 127.0.0.1 7100
check_healthz 127.0.0.1 9902
check_pid1_unprivileged mio-proxy-test
check_healthcheck mio-proxy-test

step "podman stop drains mio-proxy while a transfer is in flight"
check_stop_drains mio-proxy-test 127.0.0.1 7100
step "podman stop: mio-echo"
podman stop -t 30 mio-echo-test >/dev/null
[ "$(podman inspect --format '{{.State.ExitCode}}' mio-echo-test)" = 0 ] ||
    die "mio-echo exited with $(podman inspect --format '{{.State.ExitCode}}' mio-echo-test)"
step "all passed (image $((size / 1000 / 1000)) MB)"
