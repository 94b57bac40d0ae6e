#pragma once
// End-to-end harness for mio-proxy, on top of echo_process.hpp: the real mio-proxy binary
// (MIO_PROXY_PATH) started like mio-echo, mio-echo backends, config builders, /upstreams
// readers, plain TCP peers of our own (to observe resets), and real third-party servers
// (redis-server, nginx, iperf3) run as children on free ports with temporary directories.
//
// Same rules as echo_process.hpp: no sleeps, no fixed ports, every wait bounded.

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "echo_process.hpp"

namespace e2e {

/// A running mio-proxy (EchoProcess with binary = proxy_binary()); unless options.wrapper is
/// given, it dies with the test process (die_with_parent()).
class ProxyProcess : public EchoProcess {
public:
    explicit ProxyProcess(std::string_view config, Options options = {});
    /// address() of the listener "front" (the one most tests use).
    [[nodiscard]] std::string front() const { return address("front"); }
    /// GET /upstreams (REQUIREs 200).
    [[nodiscard]] std::string upstreams() const;
    /// GET /metrics (REQUIREs 200).
    [[nodiscard]] std::string metrics() const;
    /// SIGHUP after rewriting the config; waits (bounded) for "configuration reloaded".
    void reload(std::string_view config);
    /// Options{} with wrapper = die_with_parent().
    [[nodiscard]] static Options dying_with_parent();

private:
    static Options with_binary(Options options);
};

/// A mio-echo backend with one tcp listener "b" in `mode` (echo | discard | chargen | info),
/// on `bind` (127.0.0.1:0 unless restarting on a known address). Dies with the test process.
class Backend : public EchoProcess {
public:
    explicit Backend(std::string_view mode = "echo", std::string_view bind = "127.0.0.1:0");
    [[nodiscard]] const std::string& addr() const noexcept { return addr_; }

private:
    std::string addr_;
};

/// An argv prefix that makes the child die with us (setpriv --pdeathsig KILL): a test killed
/// by ctest's timeout or a crash leaves no daemons behind.
[[nodiscard]] std::vector<std::string> die_with_parent();

// ---- mio-proxy config builders -----------------------------------------------------------

/// [runtime] (drain_timeout 20s plus `runtime_extra` lines) and [admin] on 127.0.0.1:0.
[[nodiscard]] std::string proxy_base(std::string_view runtime_extra = "");
/// [listeners.<name>] on `bind` towards `upstream`, plus `extra` lines.
[[nodiscard]] std::string proxy_listener(std::string_view name, std::string_view upstream,
                                         std::string_view extra = "",
                                         std::string_view bind = "127.0.0.1:0");
/// [upstreams.<name>] with `keys` lines and servers = [ ... ], then `tables` (sub-tables such
/// as [upstreams.<name>.health]). A server is an address ("127.0.0.1:7") or, if it contains
/// '=', the body of its inline table ("address = \"...\", weight = 2").
[[nodiscard]] std::string proxy_upstream(std::string_view name,
                                         const std::vector<std::string>& servers,
                                         std::string_view keys = "", std::string_view tables = "");
/// A whole config: base, listener "front" -> upstream "u" with `servers`.
[[nodiscard]] std::string simple_proxy(const std::vector<std::string>& servers,
                                       std::string_view upstream_keys = "",
                                       std::string_view runtime_extra = "",
                                       std::string_view listener_extra = "");

// ---- observing the proxy -----------------------------------------------------------------

/// Field `field` of the server `address` in a /upstreams document, as raw JSON text
/// ("true", "3"); nullopt if absent.
[[nodiscard]] std::optional<std::string> server_field(std::string_view upstreams_json,
                                                      std::string_view address,
                                                      std::string_view field);

/// Re-evaluates `condition` (each call is typically one admin HTTP exchange) until it holds or
/// kWait passes; whether it held.
bool eventually(const std::function<bool()>& condition, milliseconds timeout = kWait);

// ---- clients and peers ---------------------------------------------------------------------

/// A TCP client bound to `source_ip` (e.g. "127.0.0.2": all of 127/8 is loopback on Linux)
/// before connecting to `address`; REQUIREs success.
[[nodiscard]] Client tcp_from(const std::string& address, const std::string& source_ip);
/// A raw blocking connect(2) to `address`: 0 on success, else errno.
[[nodiscard]] int try_connect(const std::string& address);
/// Connects through the proxy to an `info` backend and returns the backend's "local" address
/// from its JSON line ("" if there was none).
[[nodiscard]] std::string served_by(const std::string& proxy, const std::string& source_ip = "");
/// SO_LINGER {1, 0}: close() then sends RST.
void set_linger_zero(int fd);

/// A listening TCP socket of our own on 127.0.0.1:0 (backlog configurable).
class PlainServer {
public:
    explicit PlainServer(int backlog = 16);
    ~PlainServer();
    PlainServer(const PlainServer&) = delete;
    PlainServer& operator=(const PlainServer&) = delete;
    [[nodiscard]] const std::string& addr() const noexcept { return addr_; }
    [[nodiscard]] int fd() const noexcept { return fd_; }
    /// Accepts one connection, waiting at most `timeout`; REQUIREs one.
    [[nodiscard]] Client accept(milliseconds timeout = kWait);

private:
    int fd_ = -1;
    std::string addr_;
};

/// A free TCP port on 127.0.0.1 (bound and released by us, never connected), chosen below the
/// ephemeral range so that no outgoing connection of a parallel test takes it first.
[[nodiscard]] std::uint16_t free_port();

/// A third-party server run as a child in its own process group: stdout and stderr go to a log
/// file in a temp dir (printed on destruction); SIGKILLed (the whole group) and reaped on
/// destruction, and killed by the kernel if the test process dies (die_with_parent()).
class ChildProcess {
public:
    explicit ChildProcess(std::vector<std::string> argv, std::string name);
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    [[nodiscard]] const TempDir& dir() const noexcept { return dir_; }
    [[nodiscard]] std::string log() const;
    /// Waits (bounded) until the log holds `needle`; FAILs with the log if the child exits or
    /// the time runs out.
    void wait_for_log(std::string_view needle, milliseconds timeout = kWait);
    /// Waits (bounded) until 127.0.0.1:`port` accepts a connection (one probe connect per
    /// attempt; between attempts a bounded wait on the child's exit); FAILs if it exits.
    void wait_listening(std::uint16_t port, milliseconds timeout = kWait);
    /// Waits (bounded) for the child to exit; its exit code or nullopt.
    [[nodiscard]] std::optional<int> wait_exit(milliseconds timeout);

private:
    TempDir dir_;
    std::string name_;
    pid_t pid_ = -1;
    int pidfd_ = -1;
    std::optional<int> exit_code_;
};

/// HAProxy (Debian's package, nbthread 1, mode tcp) as a child: one frontend on a free port
/// of 127.0.0.1 with `bind_options` after its address ("accept-proxy"), one server `server`
/// with `server_options` after it ("send-proxy-v2"). The constructor waits until it listens.
class TcpHaproxy {
public:
    TcpHaproxy(std::string_view bind_options, const std::string& server,
               std::string_view server_options = "");
    /// "127.0.0.1:port" of the frontend.
    [[nodiscard]] std::string addr() const { return "127.0.0.1:" + std::to_string(port_); }

private:
    TempDir dir_;
    std::uint16_t port_;
    std::optional<ChildProcess> child_;
};

}  // namespace e2e
