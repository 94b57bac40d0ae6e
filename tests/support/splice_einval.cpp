// An LD_PRELOAD shim for an end-to-end test: splice(2) answers EINVAL, as on a kernel or in a
// sandbox that does not splice these descriptors, so mio-proxy's fallback to buffers runs.
//
// The shim filters the system call itself with seccomp, not a C library entry point, so it
// holds however the process spells the call (glibc's splice(), syscall(SYS_splice, ...), a raw
// syscall instruction) and needs no change when the proxy's spelling changes. The filter
// is installed by a constructor, before main() and so before any thread exists: every thread
// inherits it. Every other system call, and every call of another ABI, is allowed.
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

// The ABI this shim (and so the process it is preloaded into) was built for: system call
// numbers mean something only together with it.
#if defined(__x86_64__)
constexpr unsigned kArch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr unsigned kArch = AUDIT_ARCH_AARCH64;
#elif defined(__i386__)
constexpr unsigned kArch = AUDIT_ARCH_I386;
#else
#error "splice_einval: add this architecture's AUDIT_ARCH_* value"
#endif

// Installs the filter: splice -> EINVAL, anything else -> allowed. A shim that cannot install
// it aborts the process, so the test fails loudly instead of passing on a splicing proxy.
// Errors: none returned (abort). Thread safety: runs once, before main().
__attribute__((constructor)) void refuse_splice() {
    sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kArch, 0, 3),  // another ABI: allow
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_splice, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EINVAL & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    sock_fprog prog{};
    prog.len = static_cast<unsigned short>(sizeof filter / sizeof filter[0]);
    prog.filter = filter;
    // Without no_new_privs an unprivileged process may not install a filter.
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
        std::fprintf(stderr, "splice_einval: cannot install the seccomp filter: %s\n",
                     std::strerror(errno));
        std::abort();
    }
}

}  // namespace
