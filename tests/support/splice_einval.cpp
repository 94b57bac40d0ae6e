// An LD_PRELOAD shim for an end-to-end test: splice(2) answers EINVAL, as on a kernel or in a
// sandbox that does not splice these descriptors, so mio-proxy's fallback to buffers runs.
// mio-proxy calls splice through syscall(2) (see apps/mio-proxy/proxy_splice.cpp), so that is
// what the shim wraps; every other system call goes through unchanged.
#include <dlfcn.h>
#include <sys/syscall.h>

#include <cerrno>
#include <cstdarg>

extern "C" long syscall(long number, ...) {
    // Six register arguments, as glibc's own syscall() reads them.
    va_list ap;
    va_start(ap, number);
    long a[6];
    for (long& arg : a)
        arg = va_arg(ap, long);
    va_end(ap);
    if (number == SYS_splice) {
        errno = EINVAL;
        return -1;
    }
    using Syscall = long (*)(long, ...);
    static const auto real = reinterpret_cast<Syscall>(::dlsym(RTLD_NEXT, "syscall"));
    return real(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}
