#include "echo_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

extern char** environ;

namespace e2e {
namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
    return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 1'000'000));
}

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
    for (std::size_t at = text.find(from); at != std::string::npos;
         at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
    }
    return text;
}

int exit_code_of(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

void set_nonblocking(int fd) {
    const int flags = ::fcntl(fd, F_GETFL);
    REQUIRE(flags >= 0);
    REQUIRE(::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0);
}

sockaddr_un parse_unix(const std::string& path) {
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    REQUIRE(path.size() < sizeof(sa.sun_path));
    std::memcpy(sa.sun_path, path.data(), path.size());
    return sa;
}

// Waits for `events` on `fd` until the deadline; the revents, or 0 on timeout.
short wait_fd(int fd, short events, Clock::time_point deadline) {
    for (;;) {
        pollfd p{fd, events, 0};
        const int n = ::poll(&p, 1, remaining_ms(deadline));
        if (n > 0) return p.revents;
        if (n == 0) return 0;
        if (errno != EINTR) return POLLERR;
    }
}

}  // namespace

std::string echo_binary() {
    return MIO_ECHO_PATH;
}

std::string proxy_binary() {
#ifdef MIO_PROXY_PATH
    return MIO_PROXY_PATH;
#else
    FAIL("this build has no mio-proxy");
    return {};
#endif
}

// ---- TempDir -------------------------------------------------------------------------------

TempDir::TempDir() {
    std::string templ = "/tmp/mio-e2e-XXXXXX";
    REQUIRE(::mkdtemp(templ.data()) != nullptr);
    path_ = templ;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

std::string TempDir::file(std::string_view name) const {
    return path_ + "/" + std::string(name);
}

std::string TempDir::write(std::string_view name, std::string_view text) const {
    const std::string path = file(name);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.close();
    REQUIRE(out.good());
    return path;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    INFO("reading " << path);
    REQUIRE(in.good());
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string listener_toml(std::string_view name, std::string_view protocol, std::string_view extra,
                          std::string_view bind) {
    std::string out = "\n[listeners." + std::string(name) + "]\n";
    out += "bind = \"" + std::string(bind) + "\"\n";
    out += "protocol = \"" + std::string(protocol) + "\"\n";
    out += extra;
    if (!extra.empty() && extra.back() != '\n') out += '\n';
    return out;
}

std::string base_toml(std::string_view drain_timeout) {
    return "[runtime]\ndrain_timeout = \"" + std::string(drain_timeout) +
           "\"\n\n[admin]\nlisten = \"127.0.0.1:0\"\n";
}

// ---- EchoProcess ---------------------------------------------------------------------------

EchoProcess::EchoProcess(std::string_view config, Options options) {
    if (options.binary.empty()) options.binary = echo_binary();
    name_ = std::filesystem::path(options.binary).filename().string();
    write_config(config);
    std::vector<std::string> argv_text = options.wrapper;
    argv_text.push_back(options.binary);
    argv_text.push_back("-c");
    argv_text.push_back(config_path());
    for (auto& a : options.args)
        argv_text.push_back(a);
    std::vector<char*> argv;
    for (auto& a : argv_text)
        argv.push_back(a.data());
    argv.push_back(nullptr);

    int err_pipe[2];
    REQUIRE(::pipe2(err_pipe, O_CLOEXEC) == 0);
    int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    REQUIRE(devnull >= 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, devnull, 0);
    posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    // The child starts with default dispositions and nothing blocked, whatever the test does.
    sigset_t all;
    sigfillset(&all);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    const int rc = ::posix_spawnp(&pid_, argv[0], &actions, &attr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    ::close(devnull);
    ::close(err_pipe[1]);
    if (rc != 0) {
        ::close(err_pipe[0]);
        FAIL("posix_spawn " << argv_text.front() << ": " << std::strerror(rc));
    }
    pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));  // -1: fall back to EOF
    reader_ = std::thread([this, fd = err_pipe[0]] { reader_loop(fd); });
    if (!options.wait_ready) return;
    if (!wait_for_line(name_ + " ready", kWait)) {
        // A throwing constructor runs no destructor: stop the process and join the reader
        // here (a joinable std::thread member would call std::terminate).
        shut_down();
        FAIL(name_ << " did not become ready; its stderr:\n" << stderr_text());
    }
}

EchoProcess::~EchoProcess() {
    shut_down();
    // Shown by `ctest --output-on-failure` only when the test fails.
    std::cerr << "---- " << name_ << " stderr (pid " << pid_ << ") ----\n"
              << stderr_ << "---- end ----\n";
}

void EchoProcess::shut_down() noexcept {
    if (running() && pid_ > 0) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        exit_code_ = exit_code_of(status);
    }
    if (reader_.joinable()) reader_.join();  // the pipe is at EOF: only mio-echo held it
    if (pidfd_ >= 0) ::close(pidfd_);
    pidfd_ = -1;
}

void EchoProcess::write_config(std::string_view config) const {
    dir_.write(name_ + ".toml", replace_all(std::string(config), "@DIR@", dir_.path()));
}

void EchoProcess::reader_loop(int fd) {
    std::array<char, 4096> buf{};
    for (;;) {
        const ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        std::lock_guard lock(mutex_);
        if (n <= 0) {
            stderr_closed_ = true;
        } else {
            stderr_.append(buf.data(), static_cast<std::size_t>(n));
        }
        changed_.notify_all();
        if (n <= 0) break;
    }
    ::close(fd);
}

std::string EchoProcess::stderr_text() const {
    std::lock_guard lock(mutex_);
    return stderr_;
}

std::size_t EchoProcess::stderr_mark() const {
    std::lock_guard lock(mutex_);
    return stderr_.size();
}

std::optional<std::string> EchoProcess::wait_for_line(std::string_view needle, milliseconds timeout,
                                                      std::size_t from) const {
    const auto deadline = Clock::now() + timeout;
    std::unique_lock lock(mutex_);
    // Scan from the start of the line that holds `from` (a mark taken earlier).
    std::size_t begin = 0;
    if (from > 0) {
        const std::size_t nl = stderr_.rfind('\n', from - 1);
        begin = nl == std::string::npos ? 0 : nl + 1;
    }
    bool timed_out = false;
    for (;;) {
        std::size_t start = begin;
        while (start < stderr_.size()) {
            const std::size_t end = stderr_.find('\n', start);
            if (end == std::string::npos) break;  // complete lines only
            std::string_view line(stderr_.data() + start, end - start);
            if (line.find(needle) != std::string_view::npos) return std::string(line);
            start = end + 1;
        }
        if (stderr_closed_ || timed_out) return std::nullopt;
        timed_out = changed_.wait_until(lock, deadline) == std::cv_status::timeout;
    }
}

namespace {

// The address of the last "listener 'NAME' (...) listening on ADDR" line in `text`, or "".
// mio-echo: "listener 'x' (tcp) listening on ADDR";
// mio-proxy: "listener 'x' (tcp) listening on ADDR -> upstream 'u'".
std::string last_listening_address(const std::string& text, std::string_view name) {
    const std::string key = "listener '" + std::string(name) + "' ";
    std::string found;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        const auto k = line.find(key);
        if (k == std::string::npos) continue;
        const std::string_view rest = std::string_view(line).substr(k + key.size());
        if (!rest.starts_with("(") && !rest.starts_with("listening on ")) continue;
        const auto at = line.find(" listening on ");
        if (at == std::string::npos) continue;
        found = line.substr(at + 14);
        if (const auto arrow = found.find(" -> "); arrow != std::string::npos) found.resize(arrow);
    }
    return found;
}

}  // namespace

std::string EchoProcess::address(std::string_view name) const {
    // The line may still be in the daemon's asynchronous log queue (a reload's HTTP answer
    // can arrive before it): wait, line by line, until it is there.
    const auto deadline = Clock::now() + kWait;
    for (;;) {
        const std::size_t mark = stderr_mark();
        const std::string text = stderr_text();
        std::string found = last_listening_address(text, name);
        const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
        if (!found.empty() || left <= milliseconds(0) || !wait_for_line("", left, mark)) {
            INFO("stderr:\n" << text);
            REQUIRE_FALSE(found.empty());
            return found;
        }
    }
}

std::string EchoProcess::admin_address() const {
    const std::string text = stderr_text();
    std::string found;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        const auto at = line.find("admin endpoint on ");
        if (at != std::string::npos) found = line.substr(at + 18);
    }
    INFO("stderr:\n" << text);
    REQUIRE_FALSE(found.empty());
    return found;
}

void EchoProcess::send_signal(int signo) const {
    REQUIRE(running());
    REQUIRE(::kill(pid_, signo) == 0);
}

void EchoProcess::reap(int status) {
    exit_code_ = exit_code_of(status);
}

std::optional<int> EchoProcess::wait_exit(milliseconds timeout) {
    if (exit_code_) return exit_code_;
    const auto deadline = Clock::now() + timeout;
    if (pidfd_ >= 0) {
        if ((wait_fd(pidfd_, POLLIN, deadline) & POLLIN) == 0) return std::nullopt;
    } else {
        // No pidfd: mio-echo's stderr reaches EOF when it exits.
        std::unique_lock lock(mutex_);
        if (!changed_.wait_until(lock, deadline, [&] { return stderr_closed_; })) {
            return std::nullopt;
        }
    }
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0) {
        if (errno != EINTR) return std::nullopt;
    }
    reap(status);
    // Its last lines may still be in the pipe: let the reader reach EOF, so that stderr_text()
    // is complete once wait_exit() returns.
    std::unique_lock lock(mutex_);
    changed_.wait_until(lock, Clock::now() + kWait, [&] { return stderr_closed_; });
    return exit_code_;
}

long EchoProcess::rss_kib() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    }
    FAIL("no VmRSS for pid " << pid_);
    return -1;
}

long EchoProcess::cpu_ticks() const {
    const std::string stat = read_file("/proc/" + std::to_string(pid_) + "/stat");
    // Fields after the ")" of comm: state is field 3; utime and stime are fields 14 and 15.
    std::istringstream in(stat.substr(stat.rfind(')') + 2));
    std::vector<std::string> fields;
    for (std::string f; in >> f;)
        fields.push_back(f);
    REQUIRE(fields.size() > 12);
    return std::stol(fields[11]) + std::stol(fields[12]);
}

std::vector<int> EchoProcess::open_fds() const {
    std::vector<int> fds;
    for (const auto& entry :
         std::filesystem::directory_iterator("/proc/" + std::to_string(pid_) + "/fd")) {
        fds.push_back(std::stoi(entry.path().filename().string()));
    }
    std::sort(fds.begin(), fds.end());
    return fds;
}

// ---- run -----------------------------------------------------------------------------------

std::string shell_quote(std::string_view text) {
    std::string out = "'";
    for (char c : text) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    return out + "'";
}

RunResult run(const std::string& command, std::string_view stdin_data) {
    int in_pipe[2];
    int out_pipe[2];
    int err_pipe[2];
    REQUIRE(::pipe2(in_pipe, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(out_pipe, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(err_pipe, O_CLOEXEC) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setpgroup(&attr, 0);
    sigset_t all;
    sigfillset(&all);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(
        &attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    std::string sh = "/bin/sh";
    std::string dash_c = "-c";
    std::string cmd = command;
    char* argv[] = {sh.data(), dash_c.data(), cmd.data(), nullptr};
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, "/bin/sh", &actions, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    ::close(in_pipe[0]);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    REQUIRE(rc == 0);

    RunResult result;
    int in_fd = in_pipe[1];
    set_nonblocking(in_fd);
    if (stdin_data.empty()) {
        ::close(in_fd);
        in_fd = -1;
    }
    int out_fd = out_pipe[0];
    int err_fd = err_pipe[0];
    std::size_t written = 0;
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    bool killed = false;
    std::array<char, 65536> buf{};
    while (out_fd >= 0 || err_fd >= 0) {
        std::array<pollfd, 3> fds{};
        nfds_t n = 0;
        auto add = [&](int fd, short ev) {
            if (fd >= 0) fds[n++] = pollfd{fd, ev, 0};
        };
        add(in_fd, POLLOUT);
        add(out_fd, POLLIN);
        add(err_fd, POLLIN);
        const int ready = ::poll(fds.data(), n, remaining_ms(deadline));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) {
            ::kill(-pid, SIGKILL);
            killed = true;
            break;
        }
        for (nfds_t i = 0; i < n; ++i) {
            if (fds[i].revents == 0) continue;
            if (fds[i].fd == in_fd) {
                const ssize_t w =
                    ::write(in_fd, stdin_data.data() + written,
                            std::min<std::size_t>(stdin_data.size() - written, 65536));
                if (w > 0) written += static_cast<std::size_t>(w);
                if ((w < 0 && errno != EAGAIN && errno != EINTR) || written == stdin_data.size()) {
                    ::close(in_fd);
                    in_fd = -1;
                }
            } else {
                const ssize_t r = ::read(fds[i].fd, buf.data(), buf.size());
                if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
                if (r <= 0) {
                    ::close(fds[i].fd);
                    (fds[i].fd == out_fd ? out_fd : err_fd) = -1;
                } else {
                    (fds[i].fd == out_fd ? result.out : result.err)
                        .append(buf.data(), static_cast<std::size_t>(r));
                }
            }
        }
    }
    for (int fd : {in_fd, out_fd, err_fd}) {
        if (fd >= 0) ::close(fd);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    result.exit = killed ? -1 : exit_code_of(status);
    return result;
}

std::string pattern(std::size_t size, std::uint64_t seed) {
    std::string out(size, '\0');
    std::uint64_t x = seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull;
    std::size_t i = 0;
    while (i < size) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        for (int b = 0; b < 8 && i < size; ++b, ++i) {
            out[i] = static_cast<char>((x >> (8 * b)) & 0xff);
        }
    }
    return out;
}

std::string diff(std::string_view got, std::string_view want) {
    if (got == want) return "";
    const auto mismatch = std::mismatch(got.begin(), got.end(), want.begin(), want.end());
    return "got " + std::to_string(got.size()) + " bytes, want " + std::to_string(want.size()) +
           "; first difference at offset " +
           std::to_string(static_cast<std::size_t>(mismatch.first - got.begin()));
}

// ---- Client --------------------------------------------------------------------------------

Client Client::tcp(const std::string& address) {
    const sockaddr_in sa = parse_inet(address);
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    Client c(fd);
    INFO("connect " << address << ": " << std::strerror(errno));
    REQUIRE(::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0);
    set_nonblocking(fd);
    return c;
}

Client Client::unix_stream(const std::string& path) {
    const sockaddr_un sa = parse_unix(path);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    Client c(fd);
    INFO("connect " << path << ": " << std::strerror(errno));
    REQUIRE(::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0);
    set_nonblocking(fd);
    return c;
}

Client::Client(Client&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

Client& Client::operator=(Client&& other) noexcept {
    if (this != &other) {
        close();
        fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
}

Client::~Client() {
    close();
}

void Client::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

void Client::send_all(std::string_view data, milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    std::size_t sent = 0;
    while (sent < data.size()) {
        const ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += static_cast<std::size_t>(n);
            continue;
        }
        INFO("send: " << std::strerror(errno) << " after " << sent << " of " << data.size());
        REQUIRE((errno == EAGAIN || errno == EINTR));
        REQUIRE(wait_fd(fd_, POLLOUT, deadline) != 0);
    }
}

void Client::shutdown_write() {
    REQUIRE(::shutdown(fd_, SHUT_WR) == 0);
}

bool Client::wait_readable(milliseconds timeout) const {
    return wait_fd(fd_, POLLIN, Clock::now() + timeout) != 0;
}

std::string Client::recv_exact(std::size_t n, milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    std::string out;
    std::array<char, 65536> buf{};
    while (out.size() < n) {
        const ssize_t r = ::recv(fd_, buf.data(), std::min(buf.size(), n - out.size()), 0);
        if (r > 0) {
            out.append(buf.data(), static_cast<std::size_t>(r));
        } else if (r == 0) {
            break;
        } else if (errno == EAGAIN || errno == EINTR) {
            if (wait_fd(fd_, POLLIN, deadline) == 0) break;
        } else {
            break;
        }
    }
    return out;
}

std::string Client::recv_some(milliseconds timeout) {
    std::string out;
    if (wait_fd(fd_, POLLIN, Clock::now() + timeout) == 0) return out;
    std::array<char, 65536> buf{};
    for (;;) {
        const ssize_t r = ::recv(fd_, buf.data(), buf.size(), 0);
        if (r <= 0) break;
        out.append(buf.data(), static_cast<std::size_t>(r));
    }
    return out;
}

Client::ReadResult Client::read_to_eof(milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    ReadResult result;
    std::array<char, 65536> buf{};
    for (;;) {
        const ssize_t r = ::recv(fd_, buf.data(), buf.size(), 0);
        if (r > 0) {
            result.data.append(buf.data(), static_cast<std::size_t>(r));
        } else if (r == 0) {
            result.eof = true;
            return result;
        } else if (errno == EAGAIN || errno == EINTR) {
            if (wait_fd(fd_, POLLIN, deadline) == 0) {
                result.timed_out = true;
                return result;
            }
        } else {
            result.error = errno;
            return result;
        }
    }
}

std::string Client::echo(std::string_view data, milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    std::string out;
    std::size_t sent = 0;
    std::array<char, 65536> buf{};
    while (out.size() < data.size()) {
        const short want = static_cast<short>(POLLIN | (sent < data.size() ? POLLOUT : 0));
        const short ev = wait_fd(fd_, want, deadline);
        if (ev == 0) break;
        if ((ev & POLLOUT) != 0 && sent < data.size()) {
            const ssize_t n =
                ::send(fd_, data.data() + sent,
                       std::min<std::size_t>(data.size() - sent, 256 * 1024), MSG_NOSIGNAL);
            if (n > 0)
                sent += static_cast<std::size_t>(n);
            else if (errno != EAGAIN && errno != EINTR)
                break;
        }
        if ((ev & (POLLIN | POLLHUP | POLLERR)) != 0) {
            const ssize_t r = ::recv(fd_, buf.data(), buf.size(), 0);
            if (r > 0)
                out.append(buf.data(), static_cast<std::size_t>(r));
            else if (r == 0 || (errno != EAGAIN && errno != EINTR))
                break;
        }
    }
    return out;
}

std::uint16_t Client::local_port() const {
    sockaddr_in sa{};
    socklen_t len = sizeof sa;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len) == 0);
    return ntohs(sa.sin_port);
}

// ---- DatagramClient ------------------------------------------------------------------------

DatagramClient DatagramClient::udp(const std::string& ip, std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    REQUIRE(fd >= 0);
    DatagramClient c(fd, false);
    const sockaddr_in sa = parse_inet(ip + ":" + std::to_string(port));
    INFO("bind " << ip << ":" << port << ": " << std::strerror(errno));
    REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0);
    return c;
}

DatagramClient DatagramClient::unix_bound(const std::string& path) {
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    REQUIRE(fd >= 0);
    DatagramClient c(fd, true);
    const sockaddr_un sa = parse_unix(path);
    REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0);
    return c;
}

DatagramClient::DatagramClient(DatagramClient&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), unix_(other.unix_) {}

DatagramClient::~DatagramClient() {
    if (fd_ >= 0) ::close(fd_);
}

void DatagramClient::send_to(const std::string& address, std::string_view data) {
    ssize_t n = -1;
    if (unix_) {
        const sockaddr_un sa = parse_unix(address);
        n = ::sendto(fd_, data.data(), data.size(), 0, reinterpret_cast<const sockaddr*>(&sa),
                     sizeof sa);
    } else {
        const sockaddr_in sa = parse_inet(address);
        n = ::sendto(fd_, data.data(), data.size(), 0, reinterpret_cast<const sockaddr*>(&sa),
                     sizeof sa);
    }
    INFO("sendto " << address << " (" << data.size() << " bytes): " << std::strerror(errno));
    REQUIRE(n == static_cast<ssize_t>(data.size()));
}

std::optional<std::string> DatagramClient::recv(milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    std::string buf(70'000, '\0');
    for (;;) {
        const ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
        if (n >= 0) {
            buf.resize(static_cast<std::size_t>(n));
            return buf;
        }
        if (errno != EAGAIN && errno != EINTR) return std::nullopt;
        if (wait_fd(fd_, POLLIN, deadline) == 0) return std::nullopt;
    }
}

std::vector<std::string> DatagramClient::drain() {
    std::vector<std::string> out;
    std::string buf(70'000, '\0');
    for (;;) {
        const ssize_t n = ::recv(fd_, buf.data(), buf.size(), MSG_DONTWAIT);
        if (n < 0) break;
        out.emplace_back(buf.data(), static_cast<std::size_t>(n));
    }
    return out;
}

std::uint16_t DatagramClient::local_port() const {
    sockaddr_in sa{};
    socklen_t len = sizeof sa;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len) == 0);
    return ntohs(sa.sin_port);
}

// ---- HTTP and metrics ----------------------------------------------------------------------

HttpReply http_get(const std::string& address, const std::string& path) {
    Client c = Client::tcp(address);
    c.send_all("GET " + path + " HTTP/1.1\r\nHost: " + address + "\r\nConnection: close\r\n\r\n");
    const auto reply = c.read_to_eof(kWait);
    HttpReply out;
    const std::string& text = reply.data;
    if (text.rfind("HTTP/1.1 ", 0) != 0 || text.size() < 12) return out;
    out.status = std::stoi(text.substr(9, 3));
    const auto body = text.find("\r\n\r\n");
    if (body != std::string::npos) out.body = text.substr(body + 4);
    return out;
}

std::optional<std::uint64_t> series(std::string_view exposition, std::string_view name_and_labels) {
    const std::string key = std::string(name_and_labels) + " ";
    std::size_t at = 0;
    while ((at = exposition.find(key, at)) != std::string_view::npos) {
        if (at == 0 || exposition[at - 1] == '\n') {
            const std::size_t end = exposition.find('\n', at);
            return std::stoull(
                std::string(exposition.substr(at + key.size(), end - at - key.size())));
        }
        at += key.size();
    }
    return std::nullopt;
}

std::optional<std::uint64_t> metric(std::string_view exposition, std::string_view name,
                                    std::string_view listener) {
    return series(exposition, std::string(name) + "{listener=\"" + std::string(listener) + "\"}");
}

std::optional<std::uint64_t> wait_metric(const std::string& admin, std::string_view name,
                                         std::string_view listener, std::uint64_t expected) {
    // Each read is a full HTTP exchange with the daemon (a bounded blocking wait, no sleep);
    // the value is usually right on the first read.
    const auto deadline = Clock::now() + kWait;
    std::optional<std::uint64_t> value;
    do {
        const HttpReply reply = http_get(admin, "/metrics");
        REQUIRE(reply.status == 200);
        value = metric(reply.body, name, listener);
        if (value == expected) break;
    } while (Clock::now() < deadline);
    return value;
}

std::uint64_t raise_nofile(std::uint64_t n) {
    rlimit lim{};
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &lim) == 0);
    if (lim.rlim_cur < n) {
        lim.rlim_cur = std::min<rlim_t>(n, lim.rlim_max);
        REQUIRE(::setrlimit(RLIMIT_NOFILE, &lim) == 0);
    }
    return lim.rlim_cur;
}

sockaddr_in parse_inet(const std::string& address) {
    const auto colon = address.rfind(':');
    REQUIRE(colon != std::string::npos);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<std::uint16_t>(std::stoul(address.substr(colon + 1))));
    INFO("address " << address);
    REQUIRE(::inet_pton(AF_INET, address.substr(0, colon).c_str(), &sa.sin_addr) == 1);
    return sa;
}

std::size_t concurrent_echo(const std::string& address, std::size_t n,
                            const std::function<void()>& while_all_open) {
    const sockaddr_in sa = parse_inet(address);
    struct Conn {
        int fd = -1;
        std::string payload;
        std::size_t sent = 0;
        std::string got;
        bool connected = false;
        bool eof = false;
    };
    std::vector<Conn> conns(n);
    for (std::size_t i = 0; i < n; ++i) {
        Conn& c = conns[i];
        c.payload = "conn " + std::to_string(i) + ":" + pattern(500 + (i * 37) % 3000, 100 + i);
        c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        REQUIRE(c.fd >= 0);
        const int rc = ::connect(c.fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
        INFO("connect #" << i << ": " << std::strerror(errno));
        REQUIRE((rc == 0 || errno == EINPROGRESS));
        c.connected = rc == 0;
    }
    std::size_t done = 0;
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    std::vector<pollfd> fds(n);
    std::vector<char> buf(65536);
    while (done < n && Clock::now() < deadline) {
        for (std::size_t i = 0; i < n; ++i) {
            const Conn& c = conns[i];
            const bool finished = c.got.size() >= c.payload.size() || c.eof;
            short ev = POLLIN;
            if (!c.connected || c.sent < c.payload.size()) ev |= POLLOUT;
            fds[i] = pollfd{finished ? -1 : c.fd, ev, 0};
        }
        const int ready = ::poll(fds.data(), fds.size(), 1000);
        REQUIRE(ready >= 0);
        for (std::size_t i = 0; i < n; ++i) {
            Conn& c = conns[i];
            const short rev = fds[i].revents;
            if (rev == 0 || fds[i].fd < 0) continue;
            if (!c.connected && (rev & (POLLOUT | POLLERR | POLLHUP)) != 0) {
                int err = 0;
                socklen_t len = sizeof err;
                REQUIRE(::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0);
                if (err != 0) {
                    c.eof = true;
                    ++done;
                    continue;
                }
                c.connected = true;
            }
            if (c.connected && (rev & POLLOUT) != 0 && c.sent < c.payload.size()) {
                const ssize_t w = ::send(c.fd, c.payload.data() + c.sent, c.payload.size() - c.sent,
                                         MSG_NOSIGNAL);
                if (w > 0) c.sent += static_cast<std::size_t>(w);
            }
            if ((rev & (POLLIN | POLLHUP | POLLERR)) != 0) {
                const ssize_t r = ::recv(c.fd, buf.data(), buf.size(), 0);
                if (r > 0)
                    c.got.append(buf.data(), static_cast<std::size_t>(r));
                else if (r == 0 || (errno != EAGAIN && errno != EINTR))
                    c.eof = true;
                if (c.got.size() >= c.payload.size() || c.eof) ++done;
            }
        }
    }
    if (while_all_open) while_all_open();
    std::size_t exact = 0;
    for (Conn& c : conns) {
        if (c.got == c.payload && !c.eof) ++exact;
        ::close(c.fd);
    }
    return exact;
}

}  // namespace e2e
