// mio-echo end to end, command line and configuration: exit codes and messages for bad
// configs, --check, --print-config and --version.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include <mio/version.hpp>

#include "echo_process.hpp"

using namespace e2e;

namespace {

std::string mio_echo(const std::string& args) {
    return "timeout 20 " + shell_quote(echo_binary()) + " " + args;
}

// A TCP socket bound (and listening) on 127.0.0.1:0; its port.
struct BoundPort {
    int fd = -1;
    std::uint16_t port = 0;
    explicit BoundPort(bool listen_too) {
        fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd >= 0);
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0);
        if (listen_too) REQUIRE(::listen(fd, 8) == 0);
        socklen_t len = sizeof sa;
        REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) == 0);
        port = ntohs(sa.sin_port);
    }
    ~BoundPort() { close(); }
    void close() {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
};

// A TCP port that is free now, chosen below the ephemeral range (so that no connect(2) of a
// test running in parallel can take it in the meantime); not a fixed port: random, probed.
std::uint16_t free_port_below_ephemeral() {
    unsigned low = 32768;
    std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> low;
    REQUIRE(low > 2048);
    std::random_device random;
    for (int attempt = 0; attempt < 100; ++attempt) {
        const auto port = static_cast<std::uint16_t>(1024 + random() % (low - 1024));
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(port);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        const bool ok = ::bind(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0;
        ::close(fd);
        if (ok) return port;
    }
    FAIL("no free port below " << low);
    return 0;
}

bool can_bind_tcp(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool ok = ::bind(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0;
    ::close(fd);
    return ok;
}

}  // namespace

TEST_CASE("bad configurations exit 78 naming the key and the line", "[e2e][echo]") {
    TempDir dir;
    struct Case {
        const char* what;
        std::string toml;
        std::string key;       // must appear in the message
        std::string location;  // ":<line>:" (or the file name alone)
        std::string detail;    // more text that must appear
    };
    const std::string long_path = "unix:" + dir.path() + "/" + std::string(120, 'a');
    const std::vector<Case> cases{
        {"unknown key, with a suggestion",
         "[listeners.t]\nbind = \"127.0.0.1:0\"\nidle_timout = \"5s\"\n", "listeners.t.idle_timout",
         ":3:", "did you mean 'idle_timeout'"},
        {"wrong type", "[listeners.t]\nbind = \"127.0.0.1:0\"\nmax_connections = \"many\"\n",
         "listeners.t.max_connections", ":3:", "expected an integer"},
        {"max_connections out of range",
         "[listeners.t]\nbind = \"127.0.0.1:0\"\nmax_connections = 2000000\n",
         "listeners.t.max_connections", ":3:", "between 1 and 1000000"},
        {"max_connections over the global cap",
         "[runtime]\nmax_connections = 10\n[listeners.t]\nbind = \"127.0.0.1:0\"\n"
         "max_connections = 11\n",
         "listeners.t.max_connections", ":5:", "runtime.max_connections"},
        {"a duration without a unit",
         "[listeners.t]\nbind = \"127.0.0.1:0\"\nidle_timeout = \"5\"\n",
         "listeners.t.idle_timeout", ":3:", "invalid duration '5'"},
        {"missing bind", "\n[listeners.t]\nprotocol = \"tcp\"\n", "listeners.t.bind",
         ":2:", "missing required key 'bind'"},
        {"a bad address", "[listeners.t]\n\nbind = \"300.1.1.1:7\"\n", "listeners.t.bind",
         ":3:", "invalid address"},
        {"a unix path too long",
         "[listeners.t]\nprotocol = \"unix\"\nbind = \"" + long_path + "\"\n", "listeners.t.bind",
         ":3:", "the limit is"},
        {"protocol and bind disagree",
         "[listeners.t]\nprotocol = \"udp\"\nbind = \"unix:/tmp/x.sock\"\n", "listeners.t.bind",
         ":3:", "does not match protocol 'udp'"},
        {"a datagram key on a tcp listener",
         "[listeners.t]\nbind = \"127.0.0.1:0\"\nmax_datagram = 100\n", "listeners.t.max_datagram",
         ":3:", "only valid for protocol udp"},
        {"no listeners", "[runtime]\nmax_connections = 10\n", "listeners",
         ":1:", "at least one [listeners.<name>]"},
        {"a syntax error", "[listeners.t]\nbind = = \"127.0.0.1:0\"\n", "", ":2:", ""},
    };
    for (const Case& c : cases) {
        const std::string file = dir.write("bad.toml", c.toml);
        const RunResult r = run(mio_echo("-c " + file));
        INFO(c.what << "\n--- config:\n" << c.toml << "--- stderr:\n" << r.err);
        CHECK(r.exit == 78);
        CHECK(r.err.find("error: " + file + c.location) != std::string::npos);
        CHECK(r.err.find(c.key) != std::string::npos);
        CHECK(r.err.find(c.detail) != std::string::npos);
        CHECK(r.out.empty());
    }
    SECTION("a missing file") {
        const std::string missing = dir.file("nope.toml");
        const RunResult r = run(mio_echo("-c " + missing));
        INFO(r.err);
        CHECK(r.exit == 78);
        CHECK(r.err.find(missing) != std::string::npos);
        CHECK(r.err.find("No such file") != std::string::npos);
    }
    SECTION("--set with a bad value is a config error too, located at the --set") {
        const std::string file = dir.write("ok.toml", "[listeners.t]\nbind = \"127.0.0.1:0\"\n");
        const RunResult r = run(mio_echo("-t -c " + file + " --set listeners.t.idle_timeout=5"));
        INFO(r.err);
        CHECK(r.exit == 78);
        CHECK(r.err.find("listeners.t.idle_timeout") != std::string::npos);
    }
    SECTION("an unknown flag exits 2") {
        const RunResult r = run(mio_echo("--no-such-flag"));
        INFO(r.err);
        CHECK(r.exit == 2);
        CHECK(r.err.find("--no-such-flag") != std::string::npos);
    }
    SECTION("a bind on an address already in use exits 1 naming the address") {
        BoundPort taken(true);
        const std::string addr = "127.0.0.1:" + std::to_string(taken.port);
        const std::string file = dir.write("busy.toml", "[listeners.t]\nbind = \"" + addr + "\"\n");
        const RunResult r = run(mio_echo("-c " + file));
        INFO(r.err);
        CHECK(r.exit == 1);
        CHECK(r.err.find(addr) != std::string::npos);
        CHECK(r.err.find("in use") != std::string::npos);
    }
}

TEST_CASE("check mode (-t) reports every mistake of a file in one run, in file order",
          "[e2e][echo]") {
    TempDir dir;
    // A misspelt key, an out-of-range port, an unsupported protocol and a bad value in another
    // listener: one run names all four.
    const std::string file = dir.write("four.toml",
                                       "[listeners.t]\n"
                                       "bind = \"127.0.0.1:99999\"\n"
                                       "protocol = \"quic\"\n"
                                       "idle_timout = \"5s\"\n"
                                       "[listeners.u]\n"
                                       "bind = \"127.0.0.1:0\"\n"
                                       "max_connections = 0\n");
    const RunResult r = run(mio_echo("--check -c " + file));
    INFO(r.err);
    CHECK(r.exit == 78);
    CHECK(r.out.empty());
    const std::string e = "error: " + file;
    CHECK(r.err ==
          e +
              ":2:8: listeners.t.bind: invalid address: '127.0.0.1:99999': port 99999 is out "
              "of range (0..65535)\n" +
              e +
              ":3:12: listeners.t.protocol: invalid value 'quic': expected one of tcp, udp, "
              "unix, unixgram\n" +
              e +
              ":4:1: listeners.t.idle_timout: unknown key 'idle_timout'; did you mean "
              "'idle_timeout'?\n" +
              e + ":7:19: listeners.u.max_connections: must be between 1 and 1000000 (got 0)\n");
    const RunResult started = run(mio_echo("-c " + file));
    CHECK(started.exit == 78);
    CHECK(started.err == r.err);
}

TEST_CASE("check mode binds nothing and print-config round-trips and version names the backend",
          "[e2e][echo]") {
    TempDir dir;
    const std::uint16_t port = free_port_below_ephemeral();
    const std::string sock = dir.file("check.sock");
    const std::string config =
        "[admin]\nlisten = \"127.0.0.1:0\"\n[listeners.t]\nbind = \"127.0.0.1:" +
        std::to_string(port) + "\"\n[listeners.u]\nprotocol = \"unix\"\n" +
        "bind = \"unix:" + sock + "\"\n";
    const std::string file = dir.write("check.toml", config);

    SECTION("--check") {
        for (const char* flag : {"-t", "--check"}) {
            const RunResult r = run(mio_echo(std::string(flag) + " -c " + file));
            INFO(r.err);
            CHECK(r.exit == 0);
            CHECK(r.out == "configuration OK\n");
            CHECK(can_bind_tcp(port));                   // the port stayed free
            CHECK_FALSE(std::filesystem::exists(sock));  // no socket file either
        }
    }
    SECTION("--print-config prints TOML that --check accepts") {
        const RunResult printed =
            run(mio_echo("-T -c " + file + " --set listeners.t.mode=chargen"));
        INFO(printed.err);
        CHECK(printed.exit == 0);
        CHECK(printed.out.find("[listeners.t]") != std::string::npos);
        CHECK((printed.out.find("mode = 'chargen'") != std::string::npos ||
               printed.out.find("mode = \"chargen\"") != std::string::npos));
        CHECK(printed.out.find("drain_timeout") != std::string::npos);  // defaults filled in
        const std::string again = dir.write("printed.toml", printed.out);
        const RunResult checked = run(mio_echo("--check -c " + again));
        INFO(printed.out << checked.err);
        CHECK(checked.exit == 0);
        CHECK(checked.out == "configuration OK\n");
        // And printing it again gives the same text.
        CHECK(run(mio_echo("--print-config -c " + again)).out == printed.out);
        CHECK(can_bind_tcp(port));
    }
    SECTION("-V") {
        for (const char* flag : {"-V", "--version"}) {
            const RunResult r = run(mio_echo(flag));
            CHECK(r.exit == 0);
            CHECK(r.out.rfind("mio-echo ", 0) == 0);
            CHECK(r.out.find("backend " + std::string(mio::backend_name())) != std::string::npos);
        }
    }
}
