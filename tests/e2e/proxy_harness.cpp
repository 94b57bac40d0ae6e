#include "proxy_harness.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

extern char** environ;

namespace e2e {
namespace {

using Clock = std::chrono::steady_clock;

int exit_code_of(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

int remaining_ms(Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
    return left <= 0 ? 0 : static_cast<int>(left);
}

}  // namespace

// ---- ProxyProcess and Backend ------------------------------------------------------------

std::vector<std::string> die_with_parent() {
    return {"setpriv", "--pdeathsig", "KILL", "--"};
}

EchoProcess::Options ProxyProcess::dying_with_parent() {
    Options options;
    options.wrapper = die_with_parent();
    return options;
}

EchoProcess::Options ProxyProcess::with_binary(Options options) {
    options.binary = proxy_binary();
    if (options.wrapper.empty()) options.wrapper = die_with_parent();
    return options;
}

ProxyProcess::ProxyProcess(std::string_view config, Options options)
    : EchoProcess(config, with_binary(std::move(options))) {}

std::string ProxyProcess::upstreams() const {
    const HttpReply reply = http_get(admin_address(), "/upstreams");
    REQUIRE(reply.status == 200);
    return reply.body;
}

std::string ProxyProcess::metrics() const {
    const HttpReply reply = http_get(admin_address(), "/metrics");
    REQUIRE(reply.status == 200);
    return reply.body;
}

void ProxyProcess::reload(std::string_view config) {
    write_config(config);
    const std::size_t mark = stderr_mark();
    send_signal(SIGHUP);
    const auto line = wait_for_line("configuration reloaded", kWait, mark);
    INFO(stderr_text());
    REQUIRE(line.has_value());
}

Backend::Backend(std::string_view mode, std::string_view bind)
    : EchoProcess(base_toml() + listener_toml("b", "tcp",
                                              "mode = \"" + std::string(mode) +
                                                  "\"\nmax_connections = 5000\n"
                                                  "idle_timeout = \"off\"\n",
                                              bind),
                  ProxyProcess::dying_with_parent()) {
    addr_ = address("b");
}

// ---- config builders -----------------------------------------------------------------------

std::string proxy_base(std::string_view runtime_extra) {
    std::string out = "[runtime]\ndrain_timeout = \"20s\"\n" + std::string(runtime_extra);
    if (!out.ends_with('\n')) out += '\n';
    return out + "\n[admin]\nlisten = \"127.0.0.1:0\"\n";
}

std::string proxy_listener(std::string_view name, std::string_view upstream, std::string_view extra,
                           std::string_view bind) {
    std::string out = "\n[listeners." + std::string(name) + "]\nbind = \"" + std::string(bind) +
                      "\"\nupstream = \"" + std::string(upstream) + "\"\n" + std::string(extra);
    if (!out.ends_with('\n')) out += '\n';
    return out;
}

std::string proxy_upstream(std::string_view name, const std::vector<std::string>& servers,
                           std::string_view keys, std::string_view tables) {
    std::string out = "\n[upstreams." + std::string(name) + "]\n" + std::string(keys);
    if (!out.ends_with('\n')) out += '\n';
    out += "servers = [\n";
    for (const std::string& s : servers) {
        if (s.find('=') == std::string::npos) {
            out += "  { address = \"" + s + "\" },\n";
        } else {
            out += "  { " + s + " },\n";
        }
    }
    out += "]\n" + std::string(tables);
    if (!out.ends_with('\n')) out += '\n';
    return out;
}

std::string simple_proxy(const std::vector<std::string>& servers, std::string_view upstream_keys,
                         std::string_view runtime_extra, std::string_view listener_extra) {
    return proxy_base(runtime_extra) + proxy_listener("front", "u", listener_extra) +
           proxy_upstream("u", servers, upstream_keys);
}

// ---- observing -----------------------------------------------------------------------------

std::optional<std::string> server_field(std::string_view json, std::string_view address,
                                        std::string_view field) {
    const std::string key = "{\"address\":\"" + std::string(address) + "\"";
    const auto start = json.find(key);
    if (start == std::string_view::npos) return std::nullopt;
    const auto end = json.find('}', start);  // server objects are flat
    const std::string_view object = json.substr(start, end - start);
    const std::string name = "\"" + std::string(field) + "\":";
    const auto at = object.find(name);
    if (at == std::string_view::npos) return std::nullopt;
    const auto value = object.substr(at + name.size());
    return std::string(value.substr(0, value.find_first_of(",}")));
}

bool eventually(const std::function<bool()>& condition, milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    do {
        if (condition()) return true;
    } while (Clock::now() < deadline);
    return false;
}

// ---- clients and peers ---------------------------------------------------------------------

Client tcp_from(const std::string& address, const std::string& source_ip) {
    const sockaddr_in to = parse_inet(address);
    const sockaddr_in from = parse_inet(source_ip + ":0");
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    Client c(fd);
    INFO("bind " << source_ip << ": " << std::strerror(errno));
    REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&from), sizeof from) == 0);
    INFO("connect " << address << " from " << source_ip << ": " << std::strerror(errno));
    REQUIRE(::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) == 0);
    const int flags = ::fcntl(fd, F_GETFL);
    REQUIRE(::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0);
    return c;
}

int try_connect(const std::string& address) {
    const sockaddr_in to = parse_inet(address);
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to);
    const int err = rc == 0 ? 0 : errno;
    ::close(fd);
    return err;
}

std::string served_by(const std::string& proxy, const std::string& source_ip) {
    Client c = source_ip.empty() ? Client::tcp(proxy) : tcp_from(proxy, source_ip);
    const auto reply = c.read_to_eof();
    const std::string key = "\"local\":\"";
    const auto at = reply.data.find(key);
    if (at == std::string::npos) return "";
    const auto end = reply.data.find('"', at + key.size());
    return reply.data.substr(at + key.size(), end - at - key.size());
}

void set_linger_zero(int fd) {
    const linger lin{1, 0};
    REQUIRE(::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lin, sizeof lin) == 0);
}

PlainServer::PlainServer(int backlog) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0);
    REQUIRE(::listen(fd_, backlog) == 0);
    socklen_t len = sizeof sa;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len) == 0);
    addr_ = "127.0.0.1:" + std::to_string(ntohs(sa.sin_port));
}

PlainServer::~PlainServer() {
    if (fd_ >= 0) ::close(fd_);
}

Client PlainServer::accept(milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    INFO("waiting for a connection on " << addr_);
    REQUIRE(::poll(&p, 1, static_cast<int>(timeout.count())) == 1);
    const int fd = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    REQUIRE(fd >= 0);
    return Client(fd);
}

namespace {

// Whether 127.0.0.1:`port` can be bound for TCP now (0: the kernel picks; *port gets it).
bool bind_tcp(std::uint16_t* port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(*port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool ok = ::bind(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0;
    socklen_t len = sizeof sa;
    if (ok) REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) == 0);
    ::close(fd);
    *port = ntohs(sa.sin_port);
    return ok;
}

// The lowest ephemeral port (net.ipv4.ip_local_port_range), 32768 if unreadable.
std::uint16_t first_ephemeral_port() {
    std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
    unsigned low = 32768;
    range >> low;
    return static_cast<std::uint16_t>(low);
}

}  // namespace

// Below the ephemeral range: a port the kernel hands out for bind(0) is also one it may give
// to any outgoing connection (of a test running in parallel) before our server binds it.
std::uint16_t free_port() {
    const std::uint16_t low = first_ephemeral_port();
    if (low > 12000) {
        static std::mt19937 pick(std::random_device{}());
        std::uniform_int_distribution<unsigned> in(10000, low - 1u);
        for (int attempt = 0; attempt < 200; ++attempt) {
            auto port = static_cast<std::uint16_t>(in(pick));
            if (bind_tcp(&port)) return port;
        }
    }
    std::uint16_t port = 0;
    REQUIRE(bind_tcp(&port));
    return port;
}

// ---- ChildProcess --------------------------------------------------------------------------

ChildProcess::ChildProcess(std::vector<std::string> command, std::string name)
    : name_(std::move(name)) {
    const std::string log_path = dir_.file("output.log");
    std::vector<std::string> argv_text = die_with_parent();
    argv_text.insert(argv_text.end(), command.begin(), command.end());
    std::vector<char*> argv;
    for (auto& a : argv_text)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t all;
    sigfillset(&all);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(
        &attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    const int rc = ::posix_spawnp(&pid_, argv[0], &actions, &attr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) FAIL("posix_spawn " << argv_text.front() << ": " << std::strerror(rc));
    pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
    REQUIRE(pidfd_ >= 0);
}

ChildProcess::~ChildProcess() {
    if (!exit_code_ && pid_ > 0) {
        ::kill(-pid_, SIGKILL);
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
    }
    if (pidfd_ >= 0) ::close(pidfd_);
    std::cerr << "---- " << name_ << " output (pid " << pid_ << ") ----\n"
              << log() << "---- end ----\n";
}

std::string ChildProcess::log() const {
    std::ifstream in(dir_.file("output.log"), std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void ChildProcess::wait_for_log(std::string_view needle, milliseconds timeout) {
    // The log is a file: re-read it each time the child has had a moment (a bounded wait on
    // its exit, which also ends the wait at once if it dies).
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        if (log().find(needle) != std::string::npos) return;
        if (exit_code_ || Clock::now() >= deadline) break;
        pollfd p{pidfd_, POLLIN, 0};
        if (::poll(&p, 1, std::min(20, remaining_ms(deadline))) == 1) {
            (void)wait_exit(kWait);
        }
    }
    if (log().find(needle) != std::string::npos) return;
    FAIL(name_ << " never printed '" << needle << "'"
               << (exit_code_ ? " (exited " + std::to_string(*exit_code_) + ")" : "")
               << "; its output:\n"
               << log());
}

void ChildProcess::wait_listening(std::uint16_t port, milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    const std::string address = "127.0.0.1:" + std::to_string(port);
    for (;;) {
        if (try_connect(address) == 0) return;
        if (exit_code_ || Clock::now() >= deadline) break;
        pollfd p{pidfd_, POLLIN, 0};
        if (::poll(&p, 1, std::min(20, remaining_ms(deadline))) == 1) {
            (void)wait_exit(kWait);
        }
    }
    FAIL(name_ << " is not listening on " << address
               << (exit_code_ ? " (exited " + std::to_string(*exit_code_) + ")" : "")
               << "; its output:\n"
               << log());
}

std::optional<int> ChildProcess::wait_exit(milliseconds timeout) {
    if (exit_code_) return exit_code_;
    pollfd p{pidfd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return std::nullopt;
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0) {
        if (errno != EINTR) return std::nullopt;
    }
    exit_code_ = exit_code_of(status);
    // Its process group may still hold children (none of ours fork, but be safe).
    ::kill(-pid_, SIGKILL);
    return exit_code_;
}

TcpHaproxy::TcpHaproxy(std::string_view bind_options, const std::string& server,
                       std::string_view server_options)
    : port_(free_port()) {
    const std::string cfg =
        dir_.write("haproxy.cfg",
                   "global\n    nbthread 1\ndefaults\n    mode tcp\n"
                   "    timeout connect 5s\n    timeout client 30s\n    timeout server 30s\n"
                   "frontend f\n    bind " +
                       addr() + " " + std::string(bind_options) +
                       "\n    default_backend b\nbackend b\n    server s1 " + server + " " +
                       std::string(server_options) + "\n");
    child_.emplace(std::vector<std::string>{"haproxy", "-f", cfg, "-db"}, "haproxy");
    child_->wait_listening(port_);
}

}  // namespace e2e
