// mio-echo end to end, the admin endpoint, driven by curl.
#include "echo_process.hpp"

using namespace e2e;

namespace {

// curl's body followed by a last line with the status code.
struct CurlReply {
    int status = 0;
    std::string body;
    std::string err;
};

CurlReply curl(const std::string& url, const std::string& extra = "") {
    const RunResult r =
        run("timeout 20 curl -sS " + extra + " -w '\\n%{http_code}' " + shell_quote(url));
    CurlReply out;
    out.err = r.err;
    const auto nl = r.out.rfind('\n');
    if (nl == std::string::npos) return out;
    out.status = std::stoi(r.out.substr(nl + 1));
    out.body = r.out.substr(0, nl);
    return out;
}

}  // namespace

TEST_CASE("admin endpoint answers health readiness metrics connections 404 and 431 to curl",
          "[e2e][echo]") {
    EchoProcess echo(base_toml() + listener_toml("tcp", "tcp"));
    const std::string base = "http://" + echo.admin_address();

    SECTION("/healthz and /readyz") {
        const CurlReply health = curl(base + "/healthz");
        INFO(health.err);
        CHECK(health.status == 200);
        CHECK(health.body.find("ok") != std::string::npos);
        CHECK(curl(base + "/readyz").status == 200);
    }
    SECTION("/metrics counts the bytes of an echo") {
        Client c = Client::tcp(echo.address("tcp"));
        const std::string data = pattern(12'345, 60);
        REQUIRE(c.echo(data) == data);  // counted before written back: the count is final
        const CurlReply m = curl(base + "/metrics");
        INFO(m.body);
        CHECK(m.status == 200);
        CHECK(m.body.find("\nmio_echo_bytes_in_total{listener=\"tcp\"} 12345\n") !=
              std::string::npos);
        CHECK(m.body.find("\nmio_echo_bytes_out_total{listener=\"tcp\"} 12345\n") !=
              std::string::npos);
        CHECK(m.body.find("\nmio_echo_connections_open{listener=\"tcp\"} 1\n") !=
              std::string::npos);
    }
    SECTION("/connections lists an open connection") {
        Client c = Client::tcp(echo.address("tcp"));
        REQUIRE(c.echo("ping") == "ping");
        const CurlReply conns = curl(base + "/connections", "-i");
        INFO(conns.body);
        CHECK(conns.status == 200);
        CHECK(conns.body.find("application/json") != std::string::npos);
        const auto json = conns.body.find("\r\n\r\n");
        REQUIRE(json != std::string::npos);
        CHECK(conns.body.substr(json + 4, 1) == "[");
        CHECK(conns.body.find("\"listener\":\"tcp\"") != std::string::npos);
        CHECK(conns.body.find("\"peer\":\"127.0.0.1:" + std::to_string(c.local_port()) + "\"") !=
              std::string::npos);
    }
    SECTION("an unknown path is 404") {
        CHECK(curl(base + "/no/such/path").status == 404);
    }
    SECTION("a 20 KiB request header is 431") {
        const CurlReply big =
            curl(base + "/healthz", "-H " + shell_quote("X-Big: " + std::string(20 * 1024, 'a')));
        INFO(big.err);
        CHECK(big.status == 431);
    }
    // The daemon served all of it and is still healthy.
    CHECK(curl(base + "/healthz").status == 200);
}
