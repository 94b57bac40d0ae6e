// mio-proxy end to end, command line and configuration: every bad config exits 78 naming the
// key and the line; --check binds nothing; --print-config round-trips; -V.
#ifdef MIO_PROXY_PATH

#include <cerrno>

#include <mio/version.hpp>

#include "proxy_harness.hpp"

using namespace e2e;

namespace {

std::string mio_proxy(const std::string& args) {
    return "timeout 20 " + shell_quote(proxy_binary()) + " " + args;
}

// Line 1-3: a listener towards "u"; line 4: blank; line 5: [upstreams.u]; then `rest`.
std::string with_upstream(std::string_view rest) {
    return "[listeners.front]\nbind = \"127.0.0.1:0\"\nupstream = \"u\"\n\n[upstreams.u]\n" +
           std::string(rest);
}

}  // namespace

TEST_CASE("proxy: bad configurations exit 78 naming the key and the line", "[e2e][proxy]") {
    TempDir dir;
    struct Case {
        const char* what;
        std::string toml;
        std::string key;       // must appear in the message
        std::string location;  // ":<line>:"
        std::string detail;    // more text that must appear
    };
    const std::string server = "servers = [ { address = \"127.0.0.1:7\" } ]\n";
    const std::vector<Case> cases{
        {"a listener names an unknown upstream, with a suggestion",
         "[listeners.front]\nbind = \"127.0.0.1:0\"\nupstream = \"echp\"\n\n[upstreams.echo]\n" +
             server,
         "listeners.front.upstream", ":3:", "did you mean 'echo'"},
        {"a listener names an unknown upstream, far from any",
         "[listeners.front]\nbind = \"127.0.0.1:0\"\nupstream = \"zzzzzz\"\n\n[upstreams.echo]\n" +
             server,
         "listeners.front.upstream", ":3:", "no upstream named 'zzzzzz'"},
        {"an unsupported protocol",
         "[listeners.front]\nbind = \"127.0.0.1:0\"\nprotocol = \"sctp\"\nupstream = \"u\"\n"
         "[upstreams.u]\n" +
             server,
         "listeners.front.protocol", ":3:", "expected one of tcp, udp"},
        {"no servers", with_upstream("balance = \"first\"\n"), "upstreams.u.servers",
         ":5:", "at least one server is required"},
        {"an empty server list", with_upstream("servers = []\n"), "upstreams.u.servers",
         ":6:", "at least one server is required"},
        {"a bad balance name", with_upstream("balance = \"round-robin\"\n" + server),
         "upstreams.u.balance", ":6:", "round_robin"},
        {"weight 0",
         with_upstream("servers = [\n  { address = \"127.0.0.1:7\", weight = 0 },\n]\n"), "weight",
         ":7:", "between 1 and 1000"},
        {"a health timeout not shorter than the interval",
         with_upstream(server + "[upstreams.u.health]\ninterval = \"1s\"\ntimeout = \"1s\"\n"),
         "upstreams.u.health.timeout", ":9:", "shorter than interval"},
        {"a duplicate server address",
         with_upstream("servers = [\n  { address = \"127.0.0.1:7\" },\n"
                       "  { address = \"127.0.0.1:7\" },\n]\n"),
         "address", ":8:", "already listed"},
        {"an unknown key, with a suggestion", with_upstream("conect_timeout = \"1s\"\n" + server),
         "upstreams.u.conect_timeout", ":6:", "did you mean 'connect_timeout'"},
        {"a duration without a unit", with_upstream("connect_timeout = \"5\"\n" + server),
         "upstreams.u.connect_timeout", ":6:", "invalid duration '5'"},
        {"a zero connect timeout", with_upstream("connect_timeout = \"off\"\n" + server),
         "upstreams.u.connect_timeout", ":6:", "greater than 0"},
        {"no listeners", "[upstreams.u]\n" + server, "listeners",
         ":1:", "at least one [listeners.<name>]"},
    };
    for (const Case& c : cases) {
        const std::string file = dir.write("bad.toml", c.toml);
        const RunResult r = run(mio_proxy("-c " + file));
        INFO(c.what << "\n--- config:\n" << c.toml << "--- stderr:\n" << r.err);
        CHECK(r.exit == 78);
        CHECK(r.err.find("error: " + file + c.location) != std::string::npos);
        CHECK(r.err.find(c.key) != std::string::npos);
        CHECK(r.err.find(c.detail) != std::string::npos);
        CHECK(r.out.empty());
        // --check reports the same, with the same code.
        const RunResult checked = run(mio_proxy("--check -c " + file));
        CHECK(checked.exit == 78);
        CHECK(checked.err == r.err);
    }
    SECTION("--set with a bad value is a config error too") {
        const std::string file = dir.write("ok.toml", with_upstream(server));
        const RunResult r = run(mio_proxy("-t -c " + file + " --set upstreams.u.balance=fastest"));
        INFO(r.err);
        CHECK(r.exit == 78);
        CHECK(r.err.find("upstreams.u.balance") != std::string::npos);
    }
    SECTION("an unknown flag exits 2") {
        const RunResult r = run(mio_proxy("--no-such-flag"));
        INFO(r.err);
        CHECK(r.exit == 2);
        CHECK(r.err.find("--no-such-flag") != std::string::npos);
    }
}

TEST_CASE("proxy: --check reports every mistake of a file in one run, in file order",
          "[e2e][proxy]") {
    TempDir dir;
    // A new user's first file: a misspelt key, an unknown upstream name, an out-of-range port
    // and an unknown protocol. One run must name all four.
    const std::string file = dir.write("four.toml",
                                       "[listeners.front]\n"
                                       "bind = \"127.0.0.1:99999\"\n"
                                       "protocol = \"sctp\"\n"
                                       "upstream = \"echp\"\n"
                                       "\n"
                                       "[upstreams.echo]\n"
                                       "conect_timeout = \"1s\"\n"
                                       "servers = [ { address = \"127.0.0.1:7\" } ]\n");
    const RunResult r = run(mio_proxy("--check -c " + file));
    INFO(r.err);
    CHECK(r.exit == 78);
    CHECK(r.out.empty());
    const std::string e = "error: " + file;
    CHECK(r.err ==
          e +
              ":2:8: listeners.front.bind: invalid address: '127.0.0.1:99999': port 99999 is "
              "out of range (0..65535)\n" +
              e +
              ":3:12: listeners.front.protocol: invalid value 'sctp': expected one of tcp, "
              "udp; did you mean 'tcp'?\n" +
              e +
              ":4:12: listeners.front.upstream: no upstream named 'echp'; did you mean "
              "'echo'?\n" +
              e +
              ":7:1: upstreams.echo.conect_timeout: unknown key 'conect_timeout'; did you "
              "mean 'connect_timeout'?\n");
    // Starting for real reports the same, with the same code.
    const RunResult started = run(mio_proxy("-c " + file));
    CHECK(started.exit == 78);
    CHECK(started.err == r.err);
}

TEST_CASE("proxy: --check binds nothing, --print-config round-trips, -V names the backend",
          "[e2e][proxy]") {
    TempDir dir;
    const std::uint16_t port = free_port();
    const std::string config =
        "[admin]\nlisten = \"127.0.0.1:0\"\n[listeners.front]\nbind = \"127.0.0.1:" +
        std::to_string(port) +
        "\"\nupstream = \"u\"\n[upstreams.u]\nbalance = \"least_conn\"\n"
        "servers = [ { address = \"127.0.0.1:7\", weight = 3 }, { address = \"127.0.0.1:8\", "
        "backup = true } ]\n[upstreams.u.health]\ninterval = \"1s\"\ntimeout = \"200ms\"\n"
        "send = \"ping\\n\"\nexpect = \"ping\\n\"\n";
    const std::string file = dir.write("check.toml", config);

    SECTION("--check") {
        for (const char* flag : {"-t", "--check"}) {
            const RunResult r = run(mio_proxy(std::string(flag) + " -c " + file));
            INFO(r.err);
            CHECK(r.exit == 0);
            CHECK(r.out == "configuration OK\n");
            CHECK(try_connect("127.0.0.1:" + std::to_string(port)) == ECONNREFUSED);
        }
    }
    SECTION("--print-config prints TOML that --check accepts, and prints it the same again") {
        const RunResult printed = run(mio_proxy("-T -c " + file + " --set upstreams.u.retries=5"));
        INFO(printed.err);
        CHECK(printed.exit == 0);
        CHECK(printed.out.find("[listeners.front]") != std::string::npos);
        CHECK(printed.out.find("retries = 5") != std::string::npos);
        CHECK(printed.out.find("least_conn") != std::string::npos);
        CHECK(printed.out.find("drain_timeout") != std::string::npos);  // defaults filled in
        CHECK(printed.out.find("fail_window") != std::string::npos);
        const std::string again = dir.write("printed.toml", printed.out);
        const RunResult checked = run(mio_proxy("--check -c " + again));
        INFO(printed.out << checked.err);
        CHECK(checked.exit == 0);
        CHECK(checked.out == "configuration OK\n");
        CHECK(run(mio_proxy("--print-config -c " + again)).out == printed.out);
    }
    SECTION("-V") {
        for (const char* flag : {"-V", "--version"}) {
            const RunResult r = run(mio_proxy(flag));
            CHECK(r.exit == 0);
            CHECK(r.out.rfind("mio-proxy ", 0) == 0);
            CHECK(r.out.find("backend " + std::string(mio::backend_name())) != std::string::npos);
        }
    }
}

#endif  // MIO_PROXY_PATH

#ifdef MIO_PROXY_PATH
TEST_CASE("proxy: --check --diff OLD prints what a reload would change", "[e2e][proxy]") {
    TempDir dir;
    const std::string upstream = "[upstreams.u]\nservers = [ { address = \"127.0.0.1:7\" } ]\n";
    const std::string old_file = dir.write(
        "old.toml", "[listeners.front]\nbind = \"127.0.0.1:7100\"\nupstream = \"u\"\n" + upstream);
    const std::string new_file =
        dir.write("new.toml",
                  "[listeners.front]\nbind = \"127.0.0.1:7101\"\nupstream = \"u\"\n"
                  "allow = [\"127.0.0.0/8\"]\n" +
                      upstream);
    const RunResult r = run(mio_proxy("--check --diff " + old_file + " -c " + new_file));
    INFO(r.out << r.err);
    CHECK(r.exit == 0);
    CHECK(r.out.find("~ listeners.front.allow: [] -> [ '127.0.0.0/8' ]\n") != std::string::npos);
    CHECK(r.out.find("~ listeners.front.bind: ") != std::string::npos);
    CHECK(r.out.find("7100") != std::string::npos);
    CHECK(r.out.find("upstreams") == std::string::npos);  // unchanged: not listed

    const RunResult same = run(mio_proxy("--check --diff " + old_file + " -c " + old_file));
    CHECK(same.exit == 0);
    CHECK(same.out == "no changes\n");

    const std::string bad = dir.write("bad.toml", "[listeners.front]\nbnd = 1\n");
    const RunResult invalid = run(mio_proxy("--check --diff " + bad + " -c " + new_file));
    CHECK(invalid.exit == 78);
    CHECK(invalid.err.find(bad) != std::string::npos);  // OLD's errors name OLD

    const RunResult no_check = run(mio_proxy("--diff " + old_file + " -c " + new_file));
    CHECK(no_check.exit == 2);  // --diff needs --check
}
#endif
