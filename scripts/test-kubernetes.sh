#!/usr/bin/env bash
# Validates config/kubernetes/ (scripts/kubernetes/validate.mjs): every document against the
# Kubernetes schemas (the npm package kubernetes-models, versions pinned by package-lock.json,
# installed once under build/kubernetes-validate/), plus the checks a schema cannot make
# (probes on the config's admin port, grace period above the drain, ports = listeners,
# Services select the pods, the kustomization lists every manifest). Proves the validator can
# fail on broken copies, and checks the ConfigMaps' TOML with the daemons' own --check when
# they are built (build/epoll). Needs node and npm (Debian's nodejs, npm; installed if missing).
#
#   scripts/test-kubernetes.sh       (scripts/test.sh runs it after the presets)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
TOOL="$ROOT/build/kubernetes-validate"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
step() { echo "test-kubernetes: $*"; }

command -v npm >/dev/null || scripts/install-deps.sh --only nodejs npm
mkdir -p "$TOOL"
if ! cmp -s scripts/kubernetes/package-lock.json "$TOOL/package-lock.json" ||
    [ ! -d "$TOOL/node_modules" ]; then
    step "installing the validator's packages (npm ci)"
    cp scripts/kubernetes/package.json scripts/kubernetes/package-lock.json "$TOOL/"
    (cd "$TOOL" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
cp scripts/kubernetes/validate.mjs "$TOOL/"  # resolved against its node_modules
validate() { node "$TOOL/validate.mjs" "$@"; }

step "config/kubernetes"
validate config/kubernetes --extract "$WORK"

# Each broken copy must be refused, with the reason that names its defect.
refuses() {  # sed-expression file expected-message
    rm -rf "$WORK/broken" && cp -r config/kubernetes "$WORK/broken"
    sed -i "$1" "$WORK/broken/$2"
    if validate "$WORK/broken" >"$WORK/out" 2>&1; then
        echo "test-kubernetes: FAILED: a copy with '$1' in $2 was accepted" >&2
        exit 1
    fi
    grep -F -e "$3" "$WORK/out" >/dev/null || {
        echo "test-kubernetes: FAILED: '$1' refused without '$3':" >&2
        cat "$WORK/out" >&2
        exit 1
    }
}
step "broken copies are refused"
refuses 's/replicas: 2/replicas: two/' mio-echo.yaml "spec/replicas must be integer"
refuses 's/terminationGracePeriodSeconds: 40/terminationGracePeriodSeconds: 20/' mio-proxy.yaml \
    "terminationGracePeriodSeconds 20 <= drain_timeout 25s"
refuses 's/port: admin}/port: echo-tcp}/' mio-echo.yaml "is not the admin port 9901"
refuses 's/- mio-proxy.yaml//' kustomization.yaml "are not the manifests"
refuses 's/targetPort: front-udp, protocol: UDP/targetPort: front-udp, protocol: TCP/' \
    mio-proxy.yaml "targetPort front-udp/TCP is no container port"

for daemon in mio-echo mio-proxy; do
    binary="build/epoll/apps/$daemon"
    if [ -x "$binary" ]; then
        step "$daemon --check on its ConfigMap's config"
        "$binary" -c "$WORK/$daemon.toml" --check
    else
        step "$daemon --check skipped: $binary is not built"
    fi
done
step "all passed"
