#!/usr/bin/env bash
# Validates config/kubernetes/ with scripts/kubernetes/validate.mjs: every document against the
# Kubernetes schemas (npm's kubernetes-models, unknown fields refused too) and what a schema
# cannot see (probes on the config's admin port, grace period above preStop + drain, ports =
# listeners = Service ports, selectors, the hardened pod, one core, the kustomization lists
# every manifest; see the script's header). Then proves that the validator fails: broken
# copies of the folder must be refused, each with the reason that names its defect. Last,
# when the daemons are built (build/epoll), runs each Deployment's command line with --check
# on its ConfigMap's TOML. The validator's packages (versions pinned by package-lock.json) are
# installed once under build/kubernetes-validate/. Needs node and npm (Debian's nodejs and npm:
# installed if missing) and the npm registry on the first run.
#
#   scripts/test-kubernetes.sh       (exit 0: all passed)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
TOOL="$ROOT/build/kubernetes-validate"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
step() { echo "test-kubernetes: $*"; }
failed() { echo "test-kubernetes: FAILED: $*" >&2; exit 1; }

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    scripts/install-deps.sh --only nodejs npm
fi
# The stamp is the lock file of the last install that finished: a changed lock, or an install
# cut short, installs again.
mkdir -p "$TOOL"
if ! cmp -s scripts/kubernetes/package-lock.json "$TOOL/installed.lock" ||
    [ ! -d "$TOOL/node_modules" ]; then
    step "installing the validator's packages (npm ci, versions from package-lock.json)"
    rm -f "$TOOL/installed.lock"
    cp scripts/kubernetes/package.json scripts/kubernetes/package-lock.json "$TOOL/"
    (cd "$TOOL" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    cp scripts/kubernetes/package-lock.json "$TOOL/installed.lock"
fi
cp scripts/kubernetes/validate.mjs "$TOOL/"  # beside its node_modules, which it imports
validate() { node "$TOOL/validate.mjs" "$@"; }

step "config/kubernetes"
validate config/kubernetes --extract "$WORK"

# kubectl is optional here (nothing installs it): where it is, kustomize must render the folder
# with the image named, and Services before Deployments (mio-proxy's pods take the mio-echo
# Service's address from the variables the kubelet gives pods started after it).
if command -v kubectl >/dev/null; then
    step "kubectl kustomize config/kubernetes"
    kubectl kustomize config/kubernetes >"$WORK/rendered.yaml"
    awk '/^kind: Service$/ { if (deployment) bad = 1 } /^kind: Deployment$/ { deployment = 1 }
         END { exit bad }' "$WORK/rendered.yaml" || failed "kustomize puts a Deployment before a Service"
    if grep -E '^ +image: libpoll$' "$WORK/rendered.yaml" >&2; then
        failed "kustomize left the image 'libpoll' as it is (kustomization.yaml images)"
    fi
else
    step "kubectl kustomize skipped: no kubectl"
fi

# A copy of config/kubernetes with one sed expression applied to FILE must be refused with a
# message that contains EXPECTED. The expression must change the file (else the test is void).
refuses() {  # FILE SED-EXPRESSION EXPECTED
    local file=$1 expr=$2 expected=$3
    rm -rf "$WORK/broken" && cp -r config/kubernetes "$WORK/broken"
    sed -i "$expr" "$WORK/broken/$file"
    cmp -s "config/kubernetes/$file" "$WORK/broken/$file" && failed "'$expr' changes nothing in $file"
    if validate "$WORK/broken" >"$WORK/out" 2>&1; then
        failed "a copy with '$expr' in $file was accepted"
    fi
    grep -F -e "$expected" "$WORK/out" >/dev/null || {
        cat "$WORK/out" >&2
        failed "'$expr' in $file was refused, but not for '$expected'"
    }
    broken=$((broken + 1))
}
step "broken copies are refused"
broken=0
# Schema: a wrong type, an unknown field (a misspelt key), a missing required field.
refuses mio-echo.yaml 's/replicas: 2/replicas: two/' "spec/replicas must be integer"
refuses mio-echo.yaml 's/terminationGracePeriodSeconds: 25/terminationGracePeriodSecond: 25/' \
    "data/spec/template/spec has an unknown field 'terminationGracePeriodSecond'"
refuses mio-proxy.yaml 's/sleep: {seconds: 5}/sleep: {second: 5}/' "sleep must have required property seconds"
refuses mio-proxy.yaml 's/^kind: Service$/kind: Servce/' "unknown apiVersion/kind 'v1' 'Servce'"
refuses mio-echo.yaml 's/^    rate_limit_pps = 0/    rate_limit_pps = /' "mio-echo.toml: TOML:"
# What a schema cannot see.
refuses kustomization.yaml '/- mio-proxy.yaml/d' "are not the manifests"
refuses kustomization.yaml 's/- name: libpoll/- name: libpol/' "image libpoll is not named"
refuses mio-proxy.yaml 's/terminationGracePeriodSeconds: 40/terminationGracePeriodSeconds: 30/' \
    "terminationGracePeriodSeconds 30 <= drain_timeout 25s + preStop sleep 5s"
refuses mio-echo.yaml 's/path: \/healthz, port: admin/path: \/healthz, port: echo-tcp/' \
    "livenessProbe port echo-tcp is not the admin port 9901"
refuses mio-echo.yaml 's/path: \/readyz,/path: \/ready,/' "readinessProbe path /ready is not /readyz"
refuses mio-echo.yaml 's/listen = "0.0.0.0:9901"/listen = "127.0.0.1:9901"/' "is loopback"
refuses mio-echo.yaml '/name: echo-udp, port: 7007/d' "listener 'echo-udp' (UDP 7007) is behind no Service port"
refuses mio-proxy.yaml 's/targetPort: front-udp, protocol: UDP/targetPort: front-udp, protocol: TCP/' \
    "targetPort front-udp/TCP is no container port"
refuses mio-proxy.yaml 's/^  selector: {app.kubernetes.io\/name: mio-proxy}/  selector: {app.kubernetes.io\/part-of: libpoll}/' \
    "selects the pods of 2 Deployments"
refuses mio-proxy.yaml 's/SERVICE_PORT_ECHO_UDP)/SERVICE_PORT_ECHO_UPD)/' \
    "\$(MIO_ECHO_SERVICE_PORT_ECHO_UPD) is neither"
refuses mio-proxy.yaml 's/SERVICE_PORT_ECHO_UDP)/SERVICE_PORT_ECHO_TCP)/' \
    "port echo-tcp is TCP, the listeners using it are UDP"
refuses mio-proxy.yaml 's/readOnlyRootFilesystem: true/readOnlyRootFilesystem: false/' \
    "readOnlyRootFilesystem is not true"
refuses mio-proxy.yaml 's/requests: {cpu: 500m/requests: {cpu: 1500m/' "cpu requests 1500m is more than one core"
refuses mio-proxy.yaml 's/memory: 640Mi/memory: 512Mi/' "is not above runtime.memory_limit 512MiB"
step "$broken broken copies refused, each for its defect"

for argv_file in "$WORK"/*.argv; do
    mapfile -d '' -t argv <"$argv_file"
    daemon=${argv[0]}
    binary="build/epoll/apps/$daemon"
    if [ -x "$binary" ]; then
        step "$daemon --check: the Deployment's arguments on its ConfigMap's TOML"
        "$binary" "${argv[@]:1}" --check || failed "$daemon refuses its Deployment's arguments and config"
    else
        step "$daemon --check skipped: $binary is not built (cmake --preset epoll && cmake --build --preset epoll)"
    fi
done
step "all passed"
