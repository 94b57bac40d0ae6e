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

jobs=$(nproc 2>/dev/null || echo 2)
failed=()
failed_tests=()  # "preset: test" lines, repeated at the end so that a log's tail names them
for preset in "${presets[@]}"; do
  echo "=== test.sh: preset '$preset' ==="
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
    fi
  fi
done

# libpoll installed and used by another project (once: it builds libpoll alone).
if [ $# -eq 0 ]; then
  echo "=== test.sh: libpoll as a package (tests/consumer/run.sh) ==="
  if tests/consumer/run.sh; then
    echo "=== test.sh: package passed ==="
  else
    echo "=== test.sh: package FAILED ===" >&2
    failed+=(package)
  fi
fi

if [ ${#failed[@]} -gt 0 ]; then
  for t in "${failed_tests[@]}"; do echo "test.sh: failed test $t" >&2; done
  echo "test.sh: FAILED presets: ${failed[*]}" >&2
  exit 1
fi
echo "test.sh: all passed: ${presets[*]}$([ $# -eq 0 ] && echo ' package')"
