// mio-proxy end to end with real third-party peers: redis-server (with redis-benchmark and
// redis-cli), nginx serving a 100 MiB file (curl), and iperf3 (control and data connections,
// both directions). Each server is our own child on a free port with a temporary directory;
// the system's services (if the packages started any) are never used.
#ifdef MIO_PROXY_PATH

#include <filesystem>

#include "proxy_harness.hpp"

using namespace e2e;

namespace {

std::string port_of(const std::string& address) {
    return address.substr(address.rfind(':') + 1);
}

bool have(const char* tool) {
    return run(std::string("command -v ") + tool + " >/dev/null").exit == 0;
}

// Lines of redis-benchmark's output that look like failures.
std::vector<std::string> error_lines(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find_first_of("\r\n", start);
        if (end == std::string::npos) end = text.size();
        const std::string line = text.substr(start, end - start);
        if (line.find("rror") != std::string::npos || line.find("ERR") != std::string::npos ||
            line.find("refused") != std::string::npos || line.find("reset") != std::string::npos) {
            out.push_back(line);
        }
        start = end + 1;
    }
    return out;
}

}  // namespace

TEST_CASE("proxy: redis-server behind mio-proxy: redis-benchmark and redis-cli both ways",
          "[e2e][proxy]") {
    REQUIRE(have("redis-server"));  // scripts/install-deps.sh installs redis-server, redis-tools
    const std::uint16_t port = free_port();
    TempDir data;
    ChildProcess redis(
        {"redis-server", "--port", std::to_string(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--daemonize", "no", "--dir", data.path(), "--logfile", ""},
        "redis-server");
    redis.wait_for_log("Ready to accept connections");
    const std::string redis_port = std::to_string(port);
    ProxyProcess proxy(simple_proxy({"127.0.0.1:" + redis_port}));
    const std::string proxy_port = port_of(proxy.front());

    const RunResult bench = run("timeout 120 redis-benchmark -h 127.0.0.1 -p " + proxy_port +
                                " -q -n 20000 -c 50 -t set,get");
    INFO("redis-benchmark:\n" << bench.out << bench.err);
    CHECK(bench.exit == 0);
    CHECK(error_lines(bench.out + bench.err).empty());
    CHECK(bench.out.find("SET: ") != std::string::npos);
    CHECK(bench.out.find("GET: ") != std::string::npos);

    const auto cli = [](const std::string& p, const std::string& args) {
        const RunResult r = run("timeout 20 redis-cli -h 127.0.0.1 -p " + p + " " + args);
        INFO("redis-cli " << args << ": " << r.err);
        CHECK(r.exit == 0);
        return r.out;
    };
    CHECK(cli(proxy_port, "set k v") == "OK\n");
    CHECK(cli(redis_port, "get k") == "v\n");
    CHECK(cli(redis_port, "set k2 w") == "OK\n");
    CHECK(cli(proxy_port, "get k2") == "w\n");
    const std::string m = proxy.metrics();
    CHECK(series(m,
                 "mio_proxy_upstream_server_connect_errors_total{upstream=\"u\",server=\"127.0."
                 "0.1:" +
                     redis_port + "\"}") == 0u);
}

TEST_CASE("proxy: nginx behind mio-proxy serves a 100 MiB file intact to curl", "[e2e][proxy]") {
    REQUIRE(have("nginx"));  // scripts/install-deps.sh installs nginx-light
    TempDir site;
    std::filesystem::create_directories(site.file("www"));
    site.write("www/big", pattern(100 << 20, 77));
    const std::uint16_t port = free_port();
    const std::string d = site.path();
    const std::string conf = site.write(
        "nginx.conf",
        "daemon off;\nmaster_process off;\nworker_processes 1;\nerror_log " + d +
            "/error.log notice;\npid " + d +
            "/nginx.pid;\nevents { worker_connections 64; }\n"
            "http {\n  access_log off;\n  sendfile on;\n  default_type application/octet-stream;\n"
            "  client_body_temp_path " +
            d + "/body;\n  proxy_temp_path " + d +
            "/proxy;\n"
            "  fastcgi_temp_path " +
            d + "/fastcgi;\n  uwsgi_temp_path " + d +
            "/uwsgi;\n"
            "  scgi_temp_path " +
            d +
            "/scgi;\n"
            "  server {\n    listen 127.0.0.1:" +
            std::to_string(port) + ";\n    root " + d + "/www;\n  }\n}\n");
    ChildProcess nginx({"nginx", "-c", conf, "-p", d, "-e", d + "/error.log"}, "nginx");
    nginx.wait_listening(port);
    ProxyProcess proxy(simple_proxy({"127.0.0.1:" + std::to_string(port)}));

    const std::string out = site.file("out");
    const RunResult r = run("timeout 60 curl -s -S -o " + out + " -w '%{http_code}' http://" +
                            proxy.front() + "/big");
    INFO(r.err << "\nnginx error.log:\n" << read_file(site.file("error.log")));
    CHECK(r.exit == 0);
    CHECK(r.out == "200");
    const RunResult sums = run("sha256sum " + site.file("www/big") + " " + out);
    REQUIRE(sums.exit == 0);
    const auto nl = sums.out.find('\n');
    const std::string want = sums.out.substr(0, 64);
    const std::string got = sums.out.substr(nl + 1, 64);
    INFO(sums.out);
    CHECK(got == want);
    CHECK(std::filesystem::file_size(out) == std::size_t{100} << 20);
}

TEST_CASE("proxy: iperf3 through mio-proxy, both directions", "[e2e][proxy]") {
    REQUIRE(have("iperf3"));  // scripts/install-deps.sh installs iperf3
    const std::uint16_t port = free_port();
    ProxyProcess proxy(simple_proxy({"127.0.0.1:" + std::to_string(port)}));
    const std::string proxy_port = port_of(proxy.front());
    for (const std::string flags : {"", " -R"}) {
        INFO("iperf3" << flags);
        // -1: one test, then exit; --forceflush: its "Server listening" line reaches the log.
        ChildProcess server({"iperf3", "-s", "-p", std::to_string(port), "-1", "--forceflush"},
                            "iperf3 -s");
        server.wait_for_log("Server listening on");
        const RunResult r =
            run("timeout 30 iperf3 -c 127.0.0.1 -p " + proxy_port + " -t 2" + flags);
        INFO(r.out << r.err);
        CHECK(r.exit == 0);
        CHECK(r.out.find("iperf Done.") != std::string::npos);
        CHECK(server.wait_exit(kWait) == 0);
    }
    // Each run used two connections (control and data), all through the proxy.
    CHECK(series(proxy.metrics(),
                 "mio_proxy_upstream_server_connections_total{upstream=\"u\","
                 "server=\"127.0.0.1:" +
                     std::to_string(port) + "\"}") == 4u);
}

#endif  // MIO_PROXY_PATH
