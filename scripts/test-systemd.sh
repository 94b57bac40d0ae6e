#!/usr/bin/env bash
# Checks config/systemd/: `systemd-analyze verify` accepts every unit without a single warning
# (the ExecStart paths pointed at this build's binaries, which must exist: build/epoll); a
# copy with a misspelt key is caught (so the check can fail); each .socket's
# FileDescriptorName is a listener of its daemon's shipped config, and each service lists its
# sockets; TimeoutStopSec is above the shipped drain_timeout. The daemons' notify and socket
# activation code is tested end to end by tests/e2e (echo_notify_*, echo_socket_activation_*).
#
#   scripts/test-systemd.sh      (scripts/test.sh runs it after the presets)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
step() { echo "test-systemd: $*"; }
die() {
    echo "test-systemd: FAILED: $*" >&2
    exit 1
}
command -v systemd-analyze >/dev/null || scripts/install-deps.sh --only systemd
for d in mio-echo mio-proxy; do
    [ -x "build/epoll/apps/$d" ] || die "build/epoll/apps/$d is not built (cmake --preset epoll)"
done

# Verifies the units in DIR; prints what systemd-analyze said (nothing when all is well).
verify() {
    (cd "$1" && systemd-analyze verify --man=no ./*.service ./*.socket 2>&1) || true
}
copy_units() {  # into DIR, ExecStart and ExecStartPre pointed at this build
    mkdir -p "$1"
    for f in config/systemd/*; do
        sed "s|/usr/local/bin/|$ROOT/build/epoll/apps/|g" "$f" >"$1/$(basename "$f")"
    done
}

step "systemd-analyze verify, no warnings"
copy_units "$WORK/units"
said=$(verify "$WORK/units")
[ -z "$said" ] || die "systemd-analyze verify: $said"

step "a misspelt key is caught"
copy_units "$WORK/broken"
sed -i 's/^Type=notify$/Tpye=notify/' "$WORK/broken/mio-echo.service"
said=$(verify "$WORK/broken")
grep -F "Unknown key 'Tpye'" <<<"$said" >/dev/null || die "a misspelt key passed: '$said'"

step "sockets name listeners of the shipped configs; services list their sockets"
for socket in config/systemd/*.socket; do
    service=$(sed -n 's/^Service=//p' "$socket")
    daemon=${service%.service}
    name=$(sed -n 's/^FileDescriptorName=//p' "$socket")
    grep -F -x "[listeners.$name]" "config/$daemon.toml" >/dev/null ||
        die "$socket: FileDescriptorName=$name is no listener of config/$daemon.toml"
    grep -E "^Sockets=.*\b$(basename "$socket")\b" "config/systemd/$service" >/dev/null ||
        die "config/systemd/$service does not list $(basename "$socket") in Sockets="
done

step "TimeoutStopSec outlasts the drain"
for daemon in mio-echo mio-proxy; do
    drain=$(sed -n 's/^drain_timeout *= *"\([0-9]*\)s".*/\1/p' "config/$daemon.toml")
    stop=$(sed -n 's/^TimeoutStopSec=//p' "config/systemd/$daemon.service")
    [ -n "$drain" ] && [ "$stop" -gt "$drain" ] ||
        die "$daemon: TimeoutStopSec=$stop is not above drain_timeout ${drain}s"
done
step "all passed"
