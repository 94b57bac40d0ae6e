// MetricsRegistry: Prometheus text exposition.

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

#include "runtime/metrics.hpp"

namespace {

bool has_line(const std::string& text, const std::string& line) {
    return text.find("\n" + line + "\n") != std::string::npos || text.starts_with(line + "\n");
}

}  // namespace

TEST_CASE("per-listener counters render as Prometheus text", "[runtime][metrics]") {
    app::MetricsRegistry registry("mio_echo");
    app::ListenerMetrics& echo = registry.listener("echo");
    echo.on_open();
    echo.on_open();
    echo.on_open();
    echo.on_open();
    echo.on_close();
    echo.bytes_in += 100;
    echo.bytes_out += 90;
    echo.rejected_total = 2;
    echo.add_error(app::ErrorKind::timeout);
    echo.add_error(app::ErrorKind::timeout);
    echo.add_error(app::ErrorKind::read);
    CHECK(&registry.listener("echo") == &echo);  // found, not created again
    registry.listener("udp");

    const std::string text = registry.render();
    INFO(text);
    CHECK(has_line(text, "# HELP mio_echo_connections_open Connections currently open."));
    CHECK(has_line(text, "# TYPE mio_echo_connections_open gauge"));
    CHECK(has_line(text, "mio_echo_connections_open{listener=\"echo\"} 3"));
    CHECK(has_line(text, "mio_echo_connections_open{listener=\"udp\"} 0"));
    CHECK(has_line(text, "# TYPE mio_echo_connections_total counter"));
    CHECK(has_line(text, "mio_echo_connections_total{listener=\"echo\"} 4"));
    CHECK(has_line(text, "mio_echo_bytes_in_total{listener=\"echo\"} 100"));
    CHECK(has_line(text, "mio_echo_bytes_out_total{listener=\"echo\"} 90"));
    CHECK(has_line(text, "mio_echo_rejected_total{listener=\"echo\"} 2"));
    CHECK(has_line(text, "# TYPE mio_echo_errors_total counter"));
    CHECK(has_line(text, "mio_echo_errors_total{listener=\"echo\",kind=\"timeout\"} 2"));
    CHECK(has_line(text, "mio_echo_errors_total{listener=\"echo\",kind=\"read\"} 1"));
    CHECK(has_line(text, "mio_echo_errors_total{listener=\"echo\",kind=\"accept\"} 0"));
    CHECK(has_line(text, "# TYPE mio_echo_log_dropped_total counter"));
    CHECK(text.find("\nmio_echo_log_dropped_total ") != std::string::npos);
    CHECK(text.ends_with("\n"));
}

TEST_CASE("extra gauges and counters are read at render time", "[runtime][metrics]") {
    app::MetricsRegistry registry("mio_proxy");
    std::uint64_t in_use = 5;
    registry.add_gauge("buffers_in_use", "Pooled buffers in use.", [&] { return in_use; });
    registry.add_counter("reloads_total", "Reloads applied.", [] { return std::uint64_t{1}; });
    in_use = 7;
    const std::string text = registry.render();
    CHECK(has_line(text, "# TYPE mio_proxy_buffers_in_use gauge"));
    CHECK(has_line(text, "mio_proxy_buffers_in_use 7"));
    CHECK(has_line(text, "# TYPE mio_proxy_reloads_total counter"));
    CHECK(has_line(text, "mio_proxy_reloads_total 1"));
    CHECK_THROWS_AS(registry.add_gauge("bad name", "", [] { return std::uint64_t{0}; }),
                    std::invalid_argument);
}

TEST_CASE("label values are escaped and prefixes validated", "[runtime][metrics]") {
    CHECK(app::escape_label_value("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");
    app::MetricsRegistry registry("x");
    registry.listener("we\"ird").on_open();
    CHECK(registry.render().find("x_connections_open{listener=\"we\\\"ird\"} 1") !=
          std::string::npos);
    CHECK_THROWS_AS(app::MetricsRegistry("9bad"), std::invalid_argument);
    CHECK_THROWS_AS(app::MetricsRegistry(""), std::invalid_argument);
    CHECK(app::to_string(app::ErrorKind::limit) == "limit");
}
