// mio-proxy's config schema: every error case is located and names the full key.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "config/load.hpp"
#include "proxy_config.hpp"
#include "proxy_config_support.hpp"

using Catch::Contains;
using proxy_config_test::proxy_error;

namespace {

constexpr std::string_view kMinimal =
    "[listeners.web]\nbind = \"127.0.0.1:8080\"\nupstream = \"app\"\n"
    "[upstreams.app]\n[[upstreams.app.servers]]\naddress = \"127.0.0.1:9000\"\n";

}  // namespace

TEST_CASE("proxy config errors are located and name the full key", "[config][proxy_config]") {
    struct Case {
        const char* what;
        std::string text;
        std::size_t line;
        const char* key;
        const char* message;
    };
    // Lines 1-3: a listener; 4-6: its upstream with one server.
    const std::string l = "[listeners.web]\nbind = \"127.0.0.1:8080\"\nupstream = \"app\"\n";
    const std::string u = "[upstreams.app]\n";
    const std::string s = "[[upstreams.app.servers]]\naddress = \"127.0.0.1:9000\"\n";
    const std::string m(kMinimal);
    const std::vector<Case> cases{
        // unknown keys, anywhere
        {"unknown listener key", l + "upstraem = \"x\"\n" + u + s, 4, "listeners.web.upstraem",
         "did you mean 'upstream'?"},
        {"unknown upstream key", l + u + "retires = 1\n" + s, 5, "upstreams.app.retires",
         "did you mean 'retries'?"},
        {"unknown server key", l + u + s + "wieght = 2\n", 7, "upstreams.app.servers[0].wieght",
         "did you mean 'weight'?"},
        {"unknown inline server key",
         l + u + "servers = [{ address = \"127.0.0.1:1\", bakup = true }]\n", 5,
         "upstreams.app.servers[0].bakup", "did you mean 'backup'?"},
        {"unknown passive key", m + "[upstreams.app.passive]\nmax_fail = 1\n", 8,
         "upstreams.app.passive.max_fail", "did you mean 'max_fails'?"},
        {"unknown health key", m + "[upstreams.app.health]\nintervall = \"1s\"\n", 8,
         "upstreams.app.health.intervall", "did you mean 'interval'?"},
        {"unknown runtime key", "[runtime]\nbufer_size = 1024\n" + m, 2, "runtime.bufer_size",
         "did you mean 'buffer_size'?"},
        {"unknown top-level key", m + "[upstream.app]\n", 7, "upstream",
         "did you mean 'upstreams'?"},
        // listeners
        {"unsupported protocol", l + "protocol = \"sctp\"\n" + u + s, 4, "listeners.web.protocol",
         "expected one of tcp, udp"},
        {"bad protocol", l + "protocol = \"tpc\"\n" + u + s, 4, "listeners.web.protocol",
         "did you mean 'tcp'?"},
        {"missing upstream", "\n[listeners.web]\nbind = \"127.0.0.1:8080\"\n" + u + s, 2,
         "listeners.web.upstream", "missing required key 'upstream'"},
        {"unknown upstream with hint",
         "[listeners.web]\nbind = \"127.0.0.1:8080\"\n\nupstream = \"ap\"\n" + u + s, 4,
         "listeners.web.upstream", "no upstream named 'ap'; did you mean 'app'?"},
        {"unknown upstream, no hint",
         "[listeners.web]\nbind = \"127.0.0.1:8080\"\nupstream = \"db\"\n", 3,
         "listeners.web.upstream", "no upstream named 'db': define it in [upstreams.db]"},
        {"missing bind", "[listeners.web]\n\nupstream = \"app\"\n" + u + s, 1, "listeners.web.bind",
         "missing required key 'bind'"},
        {"empty bind", "[listeners.web]\nbind = []\nupstream = \"app\"\n" + u + s, 2,
         "listeners.web.bind", "at least one address"},
        {"bad bind address",
         "[listeners.web]\nbind = [\"127.0.0.1:1\", \"host:1\"]\nupstream = \"app\"\n" + u + s, 2,
         "listeners.web.bind[1]", "invalid address"},
        {"listener above runtime cap",
         "[runtime]\nmax_connections = 10\n" + l + "max_connections = 11\n" + u + s, 6,
         "listeners.web.max_connections", "must not exceed runtime.max_connections (10)"},
        {"per-ip wrong type", l + "max_connections_per_ip = -1\n" + u + s, 4,
         "listeners.web.max_connections_per_ip", "between 0 and 10000000"},
        {"duplicate bind",
         m + "[listeners.zed]\nbind = [\"127.0.0.1:1\", \"127.0.0.1:8080\"]\nupstream = "
             "\"app\"\n",
         8, "listeners.zed.bind", "'127.0.0.1:8080' is already bound by listener 'web'"},
        {"wildcard overlap", "[listeners.all]\nbind = \"0.0.0.0:8080\"\nupstream = \"app\"\n" + m,
         5, "listeners.web.bind", "already bound by listener 'all' ('0.0.0.0:8080')"},
        {"clash with admin", "[admin]\nlisten = \"127.0.0.1:8080\"\n" + m, 4, "listeners.web.bind",
         "already bound by [admin]"},
        {"bad admin address", "[admin]\nlisten = \"nowhere\"\n" + m, 2, "admin.listen",
         "invalid address"},
        {"bad listener name",
         "[listeners.Web]\nbind = \"127.0.0.1:1\"\nupstream = \"app\"\n" + u + s, 1,
         "listeners.Web", "invalid name 'Web'"},
        {"no listeners", u + s, 1, "listeners", "at least one [listeners.<name>]"},
        // upstreams
        {"bad upstream name", l + "[upstreams.App]\n" + s, 4, "upstreams.App",
         "invalid name 'App'"},
        {"bad balance", l + u + "balance = \"leastconn\"\n" + s, 5, "upstreams.app.balance",
         "did you mean 'least_conn'?"},
        {"zero connect_timeout", l + u + "connect_timeout = \"off\"\n" + s, 5,
         "upstreams.app.connect_timeout", "must be greater than 0"},
        {"bare idle_timeout", l + u + "idle_timeout = \"15\"\n" + s, 5,
         "upstreams.app.idle_timeout", "invalid duration '15'"},
        {"retries too many", l + u + "retries = 17\n" + s, 5, "upstreams.app.retries",
         "between 0 and 16"},
        {"half_close wrong type", l + u + "half_close = \"yes\"\n" + s, 5,
         "upstreams.app.half_close", "expected a boolean, got a string"},
        {"no servers", l + u + "balance = \"first\"\n", 4, "upstreams.app.servers",
         "at least one server is required"},
        {"empty inline servers", l + u + "servers = []\n", 5, "upstreams.app.servers",
         "at least one server is required"},
        {"servers is a table", l + "[upstreams.app.servers]\naddress = \"127.0.0.1:1\"\n", 4,
         "upstreams.app.servers", "expected an array of tables, got a table"},
        {"server without address", l + u + "[[upstreams.app.servers]]\nweight = 2\n", 5,
         "upstreams.app.servers[0].address", "missing required key 'address'"},
        {"server host name", l + u + "[[upstreams.app.servers]]\naddress = \"db:5432\"\n", 6,
         "upstreams.app.servers[0].address", "invalid address"},
        {"weight zero", m + "weight = 0\n", 7, "upstreams.app.servers[0].weight",
         "between 1 and 1000"},
        {"weight too big", m + "weight = 1001\n", 7, "upstreams.app.servers[0].weight",
         "between 1 and 1000"},
        {"only backups", m + "backup = true\n", 5, "upstreams.app.servers",
         "at least one server must not be a backup"},
        {"duplicate server", m + s, 8, "upstreams.app.servers[1].address",
         "'127.0.0.1:9000' is already listed (servers[0])"},
        {"zero eject_for", m + "[upstreams.app.passive]\neject_for = \"0s\"\n", 8,
         "upstreams.app.passive.eject_for", "must be greater than 0"},
        {"passive not a table", l + u + "passive = 3\n" + s, 5, "upstreams.app.passive",
         "expected a table, got an integer"},
        {"health timeout not below interval",
         m + "[upstreams.app.health]\ninterval = \"1s\"\ntimeout = \"1s\"\n", 9,
         "upstreams.app.health.timeout", "must be shorter than interval (1s)"},
        {"health interval off", m + "[upstreams.app.health]\ninterval = \"off\"\n", 8,
         "upstreams.app.health.interval", "must be greater than 0"},
        {"rise zero", m + "[upstreams.app.health]\nrise = 0\n", 8, "upstreams.app.health.rise",
         "between 1 and 100"},
        {"fall too big", m + "[upstreams.app.health]\nfall = 101\n", 8, "upstreams.app.health.fall",
         "between 1 and 100"},
        {"send not a string", m + "[upstreams.app.health]\nsend = 1\n", 8,
         "upstreams.app.health.send", "expected a string, got an integer"},
        // runtime
        {"buffer too small", "[runtime]\nbuffer_size = \"512B\"\n" + m, 2, "runtime.buffer_size",
         "between 1KiB and 16MiB"},
        {"buffer too big", "[runtime]\nbuffer_size = \"32MiB\"\n" + m, 2, "runtime.buffer_size",
         "between 1KiB and 16MiB"},
        {"memory below two buffers",
         "[runtime]\nbuffer_size = \"1MiB\"\nmemory_limit = \"1MiB\"\n" + m, 3,
         "runtime.memory_limit", "must be at least 2 x buffer_size (2MiB)"},
        {"max_connections zero", "[runtime]\nmax_connections = 0\n" + m, 2,
         "runtime.max_connections", "between 1 and 10000000"},
        {"splice wrong type", "[runtime]\nsplice = true\n" + m, 2, "runtime.splice",
         "a string, one of off, auto, always"},
        {"splice unknown mode", "[runtime]\nsplice = \"alway\"\n" + m, 2, "runtime.splice",
         "expected one of off, auto, always; did you mean 'always'?"},
        {"bad log level", m + "[log]\nlevel = \"loud\"\n", 8, "log.level",
         "expected one of trace, debug, info, warn, error, critical, off"},
    };
    for (const Case& c : cases) {
        INFO(c.what << "\n" << c.text);
        const app::ConfigError error = proxy_error(c.text);
        CHECK(error.file == "proxy.toml");
        CHECK(error.line == c.line);
        CHECK(error.key == c.key);
        CHECK_THAT(error.what(), Contains("proxy.toml:" + std::to_string(c.line) + ":") &&
                                     Contains(std::string(c.key) + ": ") && Contains(c.message));
    }
}
