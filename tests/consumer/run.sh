#!/usr/bin/env bash
# libpoll as another project uses it. Builds libpoll alone (no apps or their packages),
# installs it to temporary prefixes, static and shared, and builds and runs tests/consumer five
# ways: find_package (static), find_package (shared), pkg-config, add_subdirectory and
# FetchContent (from this checkout's git repository, at its HEAD commit). Each run
# is an echo exchange through libpoll that checks its bytes. Also checks what is installed
# (headers, library, CMake package, libpoll.pc and nothing else), the shared library's SONAME
# and that it exports the public API only (nothing of the backend; libpoll's integration
# tests, which use only the public API, are linked to it and run), and that
# find_package(libpoll 0.2) refuses 0.1.
#
#   tests/consumer/run.sh        (scripts/test.sh runs it after the presets)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
JOBS=$(nproc 2>/dev/null || echo 2)
step() { echo "consumer: $*"; }

install_libpoll() {  # name shared tests targets...
    cmake -S "$ROOT" -B "$WORK/build-$1" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS="$2" \
        -DLIBPOLL_BUILD_TESTS="$3" -DLIBPOLL_BUILD_APPS=OFF -DLIBPOLL_BUILD_BENCH=OFF >/dev/null
    cmake --build "$WORK/build-$1" -j "$JOBS" --target "${@:4}" >/dev/null
    cmake --install "$WORK/build-$1" --prefix "$WORK/prefix-$1" >/dev/null
}

consumer() {  # name cmake-args...
    local name=$1
    shift
    cmake -S "$ROOT/tests/consumer" -B "$WORK/consumer-$name" -DCMAKE_BUILD_TYPE=Release "$@" \
        >/dev/null
    cmake --build "$WORK/consumer-$name" -j "$JOBS" >/dev/null
    "$WORK/consumer-$name/consumer"
}

step "installing libpoll (static and shared)"
install_libpoll static OFF OFF libpoll
# The shared build also builds libpoll's integration tests, which use only the public API.
install_libpoll shared ON ON libpoll integration_tests

step "what the static install holds"
(cd "$WORK/prefix-static" && find . -type f | sed 's|^\./||' | sort) > "$WORK/files"
unexpected=$(grep -v -E '^include/mio/.*\.hpp$|^lib(/[^/]+)?/(libpoll_mio\.a|cmake/libpoll/[^/]+\.cmake|pkgconfig/libpoll\.pc)$' \
    "$WORK/files" || true)
[ -z "$unexpected" ] || { echo "unexpected installed files:"; echo "$unexpected"; exit 1; }
grep -q '^include/mio/poll.hpp$' "$WORK/files"
grep -q '/libpoll_mio.a$' "$WORK/files"

step "the shared library's SONAME"
so=$(find "$WORK/prefix-shared" -name 'libpoll_mio.so.*.*.*' | head -1)
# Outputs are captured before grep looks at them: under pipefail, a `tool | grep -q` fails
# at random when grep exits first and the tool dies of SIGPIPE.
dynamic=$(readelf -d "$so")
grep -q 'SONAME.*\[libpoll_mio\.so\.0\.1\]' <<<"$dynamic"

step "the shared library exports the public API only"
# Exported: mio's public types and functions (and the C++ runtime's vague-linkage template
# symbols that any shared library carries); not the backend (mio::sys) or anything else.
exported=$(nm -D --defined-only "$so" | c++filt | cut -d' ' -f3-)
leaked=$(grep -v -E '^((typeinfo|typeinfo name|vtable) for )?(mio::|std::|__gnu_cxx::)' \
    <<<"$exported" || true)
[ -z "$leaked" ] || { echo "exported beyond the public API:"; echo "$leaked"; exit 1; }
internal=$(grep -E '^mio::sys::' <<<"$exported" || true)
[ -z "$internal" ] || { echo "the backend is exported:"; echo "$internal"; exit 1; }
grep -q '^mio::Poll::poll(' <<<"$exported"
echo "consumer: $(wc -l <<<"$exported") symbols exported"
step "libpoll's integration tests, linked to the shared library"
"$WORK/build-shared/tests/integration_tests" >"$WORK/integration.log" 2>&1 ||
    { tail -30 "$WORK/integration.log"; exit 1; }
grep -E "^All tests passed" "$WORK/integration.log"

step "find_package, static"
consumer static -DCMAKE_PREFIX_PATH="$WORK/prefix-static"
step "find_package, shared"
consumer shared -DCMAKE_PREFIX_PATH="$WORK/prefix-shared"
linked=$(ldd "$WORK/consumer-shared/consumer")
grep -q "$WORK/prefix-shared/.*libpoll_mio\.so\.0\.1" <<<"$linked" ||
    { echo "the shared consumer is not linked to the installed libpoll:"; echo "$linked"; exit 1; }

step "pkg-config"
pcdir=$(dirname "$(find "$WORK/prefix-static" -name libpoll.pc)")
[ "$(PKG_CONFIG_PATH="$pcdir" pkg-config --modversion libpoll)" = "0.1.0" ]
# shellcheck disable=SC2046  # pkg-config's flags are words
c++ "$ROOT/tests/consumer/consumer.cpp" -o "$WORK/consumer-pc" \
    $(PKG_CONFIG_PATH="$pcdir" pkg-config --cflags --libs libpoll)
"$WORK/consumer-pc"

step "add_subdirectory"
consumer vendored -DLIBPOLL_SOURCE_DIR="$ROOT"

if git -C "$ROOT" rev-parse HEAD >/dev/null 2>&1; then
    step "FetchContent (git, HEAD)"
    consumer fetched -DLIBPOLL_GIT="file://$ROOT" -DLIBPOLL_GIT_TAG="$(git -C "$ROOT" rev-parse HEAD)"
else
    step "FetchContent skipped: $ROOT is not a git checkout"
fi

step "find_package(libpoll 0.2) refuses 0.1"
if cmake -S "$ROOT/tests/consumer" -B "$WORK/consumer-too-new" \
    -DCMAKE_PREFIX_PATH="$WORK/prefix-static" -DLIBPOLL_WANT=0.2 >"$WORK/too-new.log" 2>&1; then
    echo "find_package(libpoll 0.2) accepted libpoll 0.1"
    exit 1
fi
grep -q 'version: 0.1.0' "$WORK/too-new.log"

step "all ways passed"
