#pragma once
// End-to-end harness for mio-echo: the real binary (MIO_ECHO_PATH, compiled in) started with
// posix_spawn on a temporary config, its stderr read by a thread (so it never blocks on a
// full pipe), plus small blocking clients over plain sockets and a runner for real clients
// (socat, ncat, nc, curl) through /bin/sh.
//
// Rules kept by every helper: no sleeps, no fixed ports (port 0 everywhere; the real address
// is parsed from mio-echo's "listening on" lines), every wait is bounded (poll(2) on a socket
// or a pipe, a condition variable, or `timeout` around a client command).

#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace e2e {

using std::chrono::milliseconds;
using namespace std::chrono_literals;

/// Generous bound for anything that should happen "at once" on a loaded 2-core machine.
inline constexpr milliseconds kWait{20'000};

/// The mio-echo binary under test.
[[nodiscard]] std::string echo_binary();
/// The mio-proxy binary under test (MIO_PROXY_PATH; FAILs in a build without mio-proxy).
[[nodiscard]] std::string proxy_binary();

/// A fresh directory under /tmp (mkdtemp; short, so Unix socket paths fit), removed with
/// everything in it on destruction.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    [[nodiscard]] const std::string& path() const noexcept { return path_; }
    /// path() + "/" + name.
    [[nodiscard]] std::string file(std::string_view name) const;
    /// Writes `text` to file(name) and returns that path.
    std::string write(std::string_view name, std::string_view text) const;

private:
    std::string path_;
};

/// Reads a whole file (REQUIREs that it can be read).
[[nodiscard]] std::string read_file(const std::string& path);

/// A config fragment: [listeners.<name>] on 127.0.0.1:0 (or `bind` if given) plus `extra`
/// lines (each "key = value").
[[nodiscard]] std::string listener_toml(std::string_view name, std::string_view protocol,
                                        std::string_view extra = "",
                                        std::string_view bind = "127.0.0.1:0");
/// [runtime] with the given drain timeout and an admin endpoint on 127.0.0.1:0.
[[nodiscard]] std::string base_toml(std::string_view drain_timeout = "20s");

/// A running mio-echo.
class EchoProcess {
public:
    struct Options {
        std::vector<std::string> args;     ///< after "-c <config>"
        std::vector<std::string> wrapper;  ///< argv prefix that execs mio-echo, e.g. prlimit
        bool wait_ready = true;            ///< wait for "mio-echo ready" in the constructor
        /// The daemon to start ("" = echo_binary()); its file name ("mio-echo", "mio-proxy")
        /// names the config file (<name>.toml) and the ready line ("<name> ready").
        std::string binary;
    };

    /// Writes `config` (every "@DIR@" replaced by dir()) to dir()/mio-echo.toml, spawns
    /// mio-echo on it and, if options.wait_ready, waits (bounded) for "mio-echo ready";
    /// FAILs with mio-echo's stderr if it exits or stays silent instead.
    explicit EchoProcess(std::string_view config, Options options);
    explicit EchoProcess(std::string_view config) : EchoProcess(config, Options{}) {}
    /// SIGKILL if still running, reap, and print the captured stderr (shown by
    /// ctest --output-on-failure).
    ~EchoProcess();
    EchoProcess(const EchoProcess&) = delete;
    EchoProcess& operator=(const EchoProcess&) = delete;

    [[nodiscard]] pid_t pid() const noexcept { return pid_; }
    [[nodiscard]] const TempDir& dir() const noexcept { return dir_; }
    [[nodiscard]] std::string config_path() const { return dir_.file(name_ + ".toml"); }
    /// Rewrites the config file ("@DIR@" replaced), e.g. before a SIGHUP.
    void write_config(std::string_view config) const;

    /// The address last printed for listener `name` ("127.0.0.1:port" or a socket path);
    /// FAILs if there is none. Reads mio-echo's "listener 'x' (tcp) listening on ADDR" and
    /// mio-proxy's "listener 'x' (tcp) listening on ADDR -> upstream 'u'" lines.
    [[nodiscard]] std::string address(std::string_view name) const;
    /// The admin endpoint's address ("127.0.0.1:port"); FAILs if there is none.
    [[nodiscard]] std::string admin_address() const;

    void send_signal(int signo) const;
    /// Waits (bounded) for the process to exit; its exit code (128 + signal if killed), or
    /// nullopt on timeout.
    [[nodiscard]] std::optional<int> wait_exit(milliseconds timeout);
    [[nodiscard]] bool running() const noexcept { return !exit_code_.has_value(); }

    /// Everything mio-echo wrote on stderr so far (kept being drained by a thread).
    [[nodiscard]] std::string stderr_text() const;
    /// The size of stderr_text() now: a mark for "lines after this point".
    [[nodiscard]] std::size_t stderr_mark() const;
    /// Waits (bounded) for a complete line containing `needle` that starts at or after `from`;
    /// returns that line, or nullopt on timeout or if stderr closes first.
    [[nodiscard]] std::optional<std::string> wait_for_line(std::string_view needle,
                                                           milliseconds timeout = kWait,
                                                           std::size_t from = 0) const;
    /// VmRSS from /proc/<pid>/status, in KiB.
    [[nodiscard]] long rss_kib() const;
    /// utime + stime from /proc/<pid>/stat, in clock ticks.
    [[nodiscard]] long cpu_ticks() const;
    /// The descriptors the process has open (from /proc/<pid>/fd), in order.
    [[nodiscard]] std::vector<int> open_fds() const;

private:
    void reader_loop(int fd);
    void reap(int status);
    /// SIGKILL if still running, reap, join the stderr reader.
    void shut_down() noexcept;

    TempDir dir_;
    std::string name_ = "mio-echo";  ///< the binary's file name
    pid_t pid_ = -1;
    int pidfd_ = -1;
    std::optional<int> exit_code_;
    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;
    std::string stderr_;
    bool stderr_closed_ = false;
    std::thread reader_;
};

/// What a client command printed and how it ended.
struct RunResult {
    int exit = -1;  ///< exit code; 128 + signal if killed; -1 if it had to be killed by us
    std::string out;
    std::string err;
};

/// Runs `command` through /bin/sh -c (in its own process group), feeding `stdin_data` and
/// collecting stdout and stderr; bounded: after 30 s the whole group is killed. Commands should
/// still wrap clients in `timeout 20`.
[[nodiscard]] RunResult run(const std::string& command, std::string_view stdin_data = {});
/// `text` quoted for /bin/sh.
[[nodiscard]] std::string shell_quote(std::string_view text);

/// Deterministic pseudo-random bytes (xorshift), different for each seed.
[[nodiscard]] std::string pattern(std::size_t size, std::uint64_t seed);

/// "" if `got` equals `want`, else a short description (sizes, first differing offset): lets
/// CHECK compare big binary payloads without printing them.
[[nodiscard]] std::string diff(std::string_view got, std::string_view want);

/// A connected stream socket (TCP or Unix), non-blocking underneath; every call is bounded.
class Client {
public:
    /// Connects to "host:port" (IPv4); REQUIREs success.
    [[nodiscard]] static Client tcp(const std::string& address);
    /// Connects to a Unix stream socket path; REQUIREs success.
    [[nodiscard]] static Client unix_stream(const std::string& path);
    /// Adopts a connected socket.
    explicit Client(int fd) noexcept : fd_(fd) {}
    Client(Client&& other) noexcept;
    Client& operator=(Client&& other) noexcept;
    ~Client();

    [[nodiscard]] int fd() const noexcept { return fd_; }
    /// Writes all of `data` (bounded wait for room); REQUIREs success.
    void send_all(std::string_view data, milliseconds timeout = kWait);
    /// shutdown(SHUT_WR): our FIN.
    void shutdown_write();
    void close();
    /// Reads until `n` bytes arrived, EOF, an error or the timeout; returns what arrived.
    [[nodiscard]] std::string recv_exact(std::size_t n, milliseconds timeout = kWait);
    /// Reads whatever is available after waiting (bounded) for at least one byte or EOF.
    [[nodiscard]] std::string recv_some(milliseconds timeout = kWait);

    struct ReadResult {
        std::string data;
        bool eof = false;  ///< the peer's FIN
        int error = 0;     ///< errno of a failed read (e.g. ECONNRESET)
        bool timed_out = false;
    };
    /// Reads until EOF, an error or the timeout.
    [[nodiscard]] ReadResult read_to_eof(milliseconds timeout = kWait);
    /// Sends `data` while reading the echo concurrently (no deadlock on big payloads); returns
    /// what came back (data.size() bytes unless EOF, an error or the timeout came first).
    [[nodiscard]] std::string echo(std::string_view data, milliseconds timeout = kWait);
    /// poll(2) for readable (data, EOF or error) within `timeout`.
    [[nodiscard]] bool wait_readable(milliseconds timeout) const;
    /// The local port (TCP).
    [[nodiscard]] std::uint16_t local_port() const;

private:
    int fd_ = -1;
};

/// A UDP or Unix datagram socket.
class DatagramClient {
public:
    /// UDP bound to `ip`:`port` (port 0: the kernel picks).
    [[nodiscard]] static DatagramClient udp(const std::string& ip = "127.0.0.1",
                                            std::uint16_t port = 0);
    /// Unix datagram bound to `path`.
    [[nodiscard]] static DatagramClient unix_bound(const std::string& path);
    DatagramClient(DatagramClient&& other) noexcept;
    DatagramClient& operator=(DatagramClient&&) = delete;
    ~DatagramClient();

    /// Sends one datagram to "host:port" (UDP) or a socket path (Unix); REQUIREs success.
    void send_to(const std::string& address, std::string_view data);
    /// The next datagram, waiting at most `timeout`; nullopt if none came.
    [[nodiscard]] std::optional<std::string> recv(milliseconds timeout = kWait);
    /// Every datagram already queued, without waiting.
    [[nodiscard]] std::vector<std::string> drain();
    [[nodiscard]] std::uint16_t local_port() const;

private:
    explicit DatagramClient(int fd, bool is_unix) noexcept : fd_(fd), unix_(is_unix) {}
    int fd_ = -1;
    bool unix_ = false;
};

/// A minimal HTTP/1.1 GET over a plain socket (for repeated metric reads; the admin checks
/// themselves use curl). Returns {status, body}; status 0 if the exchange failed.
struct HttpReply {
    int status = 0;
    std::string body;
};
[[nodiscard]] HttpReply http_get(const std::string& address, const std::string& path);

/// The value of the exposition line `<series> <value>` (series with its labels), or nullopt.
[[nodiscard]] std::optional<std::uint64_t> series(std::string_view exposition,
                                                  std::string_view name_and_labels);
/// The value of metric line `<name>{listener="<listener>"}` in a Prometheus exposition, or
/// nullopt if absent.
[[nodiscard]] std::optional<std::uint64_t> metric(std::string_view exposition,
                                                  std::string_view name, std::string_view listener);
/// Reads /metrics until `name{listener=...}` equals `expected` (bounded: kWait) and returns the
/// last value read. For counters that are updated by the loop after the client-visible event.
std::optional<std::uint64_t> wait_metric(const std::string& admin, std::string_view name,
                                         std::string_view listener, std::uint64_t expected);

/// "ip:port" (IPv4) as a sockaddr_in; REQUIREs a valid address.
[[nodiscard]] sockaddr_in parse_inet(const std::string& address);

/// Opens `n` connections to `address` at once and echoes a distinct payload (0.5..3.5 KiB) on
/// each, all in one poll(2) loop, every connection open until the end (so the `n` are
/// concurrent); calls `while_all_open` (if given) once every echo is back and before any
/// connection closes; returns how many got exactly their own payload back (bounded: 60 s).
[[nodiscard]] std::size_t concurrent_echo(const std::string& address, std::size_t n,
                                          const std::function<void()>& while_all_open = {});

/// Raises this process's RLIMIT_NOFILE soft limit to at least `n` (up to the hard limit);
/// returns the new soft limit. Children spawned afterwards inherit it.
std::uint64_t raise_nofile(std::uint64_t n);

}  // namespace e2e
