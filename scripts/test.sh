#!/usr/bin/env bash
# Builds and runs the whole test suite on every backend this machine can run (epoll and
# poll(2) on Linux), then once more under AddressSanitizer + UndefinedBehaviorSanitizer.
# Exits non-zero on any failure or sanitizer report.
#
# Usage: scripts/test.sh [preset ...]     (default: every backend preset, then dev)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

if [ $# -gt 0 ]; then
  presets=("$@")
elif [ "$(uname -s)" = Linux ]; then
  presets=(epoll poll dev)
else
  presets=(poll)
fi

# The output of every failed test of the last ctest run in DIR (its LastTest.log), at most 80
# lines each: printed again at the end, where a CI log's tail shows it.
failure_output() {
  local dir=$1 number
  while IFS=: read -r number _; do
    awk -v n="$number" '
      $0 ~ "^" n "/[0-9]+ Testing: " { on = 1; lines = 0 }
      on && lines < 80 { print; lines++ }
      on && /time elapsed:/ { on = 0 }' "$dir/LastTest.log"
  done <"$dir/LastTestsFailed.log"
}

jobs=$(nproc 2>/dev/null || echo 2)
# One compiler cache for every preset's build tree, inside build/ (a clean clone starts empty).
export CCACHE_DIR=${CCACHE_DIR:-$PWD/build/.ccache}
failed=()
failed_tests=()  # "preset: test" lines, repeated at the end so that a log's tail names them
for preset in "${presets[@]}"; do
  echo "=== test.sh: preset '$preset' ==="
  rm -f "build/$preset/Testing/Temporary/LastTestsFailed.log"  # a failed build runs no ctest
  if cmake --preset "$preset" >/dev/null &&
     cmake --build --preset "$preset" -j "$jobs" &&
     ctest --preset "$preset" -j "$jobs"; then
    echo "=== test.sh: preset '$preset' passed ==="
  else
    echo "=== test.sh: preset '$preset' FAILED ===" >&2
    failed+=("$preset")
    log="build/$preset/Testing/Temporary/LastTestsFailed.log"
    if [ -f "$log" ]; then
      while IFS= read -r line; do failed_tests+=("$preset: $line"); done <"$log"
      failure_output "build/$preset/Testing/Temporary" >"build/$preset/failures.txt" || true
    fi
  fi
done

# Checks that run once, not per preset: libpoll installed and used by another project (it
# builds libpoll alone), the container image built and run with podman, the Kubernetes
# manifests validated, and the systemd units verified.
checks=(package:tests/consumer/run.sh docker:scripts/test-docker.sh
        kubernetes:scripts/test-kubernetes.sh systemd:scripts/test-systemd.sh)
if [ $# -eq 0 ]; then
  for check in "${checks[@]}"; do
    name=${check%%:*}
    echo "=== test.sh: $name (${check#*:}) ==="
    if "${check#*:}"; then
      echo "=== test.sh: $name passed ==="
    else
      echo "=== test.sh: $name FAILED ===" >&2
      failed+=("$name")
    fi
  done
fi

if [ ${#failed[@]} -gt 0 ]; then
  for preset in "${failed[@]}"; do
    if [ -f "build/$preset/failures.txt" ]; then
      sed "s/^/[$preset] /" "build/$preset/failures.txt" >&2
    fi
  done
  for t in "${failed_tests[@]}"; do echo "test.sh: failed test $t" >&2; done
  echo "test.sh: FAILED presets: ${failed[*]}" >&2
  exit 1
fi
echo "test.sh: all passed: ${presets[*]}$([ $# -eq 0 ] && echo " ${checks[*]%%:*}")"
