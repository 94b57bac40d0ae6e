#!/usr/bin/env bash
# Installs exactly what the build and the tests need, from Debian's packages.
# Idempotent: runs `apt-get update` once, and only when something is missing.
# Usage: scripts/install-deps.sh [--build | --only] [extra-package ...]
#   --build   only what building the daemons needs (the Dockerfile's build stage uses it)
#   --only    only the packages named (scripts that need a tool of their own)
set -euo pipefail

build_packages=(
  build-essential cmake pkg-config
  libcli11-dev libspdlog-dev libfmt-dev libtomlplusplus-dev catch2
)
test_packages=(
  clang-format
  # The presets share compiled objects through it (see CMakeLists.txt).
  ccache
  # Real clients for the end-to-end tests (tests/e2e): socat, ncat, nc, curl, prlimit.
  socat ncat netcat-openbsd curl procps util-linux
  # Real peers for mio-proxy's end-to-end tests (tests/e2e/proxy_*) and scripts/bench-proxy.sh.
  # Debian may start the packaged services; the tests never use them: they start their own
  # instances on free ports with temporary configs and directories.
  redis-server redis-tools nginx-light iperf3 haproxy
  # DNS through the UDP proxy: dnsmasq answers, dig asks.
  dnsmasq-base bind9-dnsutils
)

if [ "${1:-}" = --build ]; then
  shift
  packages=("${build_packages[@]}" "$@")
elif [ "${1:-}" = --only ]; then
  shift
  packages=("$@")
else
  packages=("${build_packages[@]}" "${test_packages[@]}" "$@")
fi

missing=()
for p in "${packages[@]}"; do
  if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
