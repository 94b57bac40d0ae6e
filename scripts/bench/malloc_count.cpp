// LD_PRELOAD shim for scripts/bench-echo.sh: counts malloc/calloc/realloc/aligned allocations
// in the process it is loaded into. On SIGUSR2 it appends the running count as one line to
// the file named by $MALLOC_COUNT_FILE, so a benchmark can read the count before and after a
// window of requests and report allocations per request.
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace {

std::atomic<unsigned long long> g_count{0};
int g_out = -1;

using MallocFn = void* (*)(std::size_t);
using CallocFn = void* (*)(std::size_t, std::size_t);
using ReallocFn = void* (*)(void*, std::size_t);
using MemalignFn = int (*)(void**, std::size_t, std::size_t);

// dlsym itself may call calloc: serve those early calls from a static arena.
alignas(16) char g_arena[4096];
std::size_t g_arena_used = 0;

void write_count(int) {
    if (g_out < 0) return;
    char buf[32];
    int n = 0;
    unsigned long long v = g_count.load();
    char digits[24];
    int d = 0;
    do {
        digits[d++] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (d > 0)
        buf[n++] = digits[--d];
    buf[n++] = '\n';
    (void)!::write(g_out, buf, static_cast<std::size_t>(n));
}

__attribute__((constructor)) void init() {
    if (const char* path = std::getenv("MALLOC_COUNT_FILE")) {
        g_out = ::open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    }
    struct sigaction sa {};
    sa.sa_handler = write_count;
    sa.sa_flags = SA_RESTART;
    ::sigaction(SIGUSR2, &sa, nullptr);
}

template <class Fn>
Fn next(const char* name) {
    return reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" {

void* malloc(std::size_t n) {
    static MallocFn real = next<MallocFn>("malloc");
    g_count.fetch_add(1, std::memory_order_relaxed);
    return real(n);
}

void* calloc(std::size_t a, std::size_t b) {
    static CallocFn real = nullptr;
    static bool resolving = false;
    if (real == nullptr) {
        if (resolving) {  // dlsym's own allocation
            void* p = g_arena + g_arena_used;
            g_arena_used += (a * b + 15) & ~std::size_t{15};
            return p;
        }
        resolving = true;
        real = next<CallocFn>("calloc");
        resolving = false;
    }
    g_count.fetch_add(1, std::memory_order_relaxed);
    return real(a, b);
}

void* realloc(void* p, std::size_t n) {
    static ReallocFn real = next<ReallocFn>("realloc");
    g_count.fetch_add(1, std::memory_order_relaxed);
    return real(p, n);
}

int posix_memalign(void** out, std::size_t align, std::size_t n) {
    static MemalignFn real = next<MemalignFn>("posix_memalign");
    g_count.fetch_add(1, std::memory_order_relaxed);
    return real(out, align, n);
}

void free(void* p) {
    using FreeFn = void (*)(void*);
    static FreeFn real = next<FreeFn>("free");
    if (p >= static_cast<void*>(g_arena) && p < static_cast<void*>(g_arena + sizeof g_arena)) {
        return;
    }
    real(p);
}
}
