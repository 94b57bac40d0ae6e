// The access log's records: exact JSON for a TCP and a UDP record, null for what is not known,
// who closed first for each cause, escaping of a listener name.
#include <catch2/catch.hpp>

#include "access_log.hpp"

using app::AccessRecord;
using app::CloseCause;
using namespace std::chrono_literals;

namespace {

std::chrono::system_clock::time_point at_noon() {
    // 2026-12-03T12:00:00.250Z
    return std::chrono::system_clock::time_point(std::chrono::seconds(1796299200)) + 250ms;
}

}  // namespace

TEST_CASE("access log: a TCP record", "[proxy][access_log]") {
    const AccessRecord r{
        .time = at_noon(),
        .listener = "web",
        .protocol = "tcp",
        .client = mio::net::SocketAddr::parse("192.0.2.1:5000").value(),
        .server = "10.0.0.2:80",
        .retries = 1,
        .bytes_in = 120,
        .bytes_out = 5120,
        .connect = 412us,
        .duration = 35210us,
        .cause = CloseCause::server_fin,
    };
    CHECK(app::format_access_record(r) ==
          "{\"time\":\"2026-12-03T12:00:00.250Z\",\"event\":\"end\",\"listener\":\"web\","
          "\"protocol\":\"tcp\",\"client\":\"192.0.2.1:5000\",\"server\":\"10.0.0.2:80\","
          "\"retries\":1,\"bytes_in\":120,\"bytes_out\":5120,\"connect_ms\":0.412,"
          "\"duration_ms\":35.210,\"closed_by\":\"server\",\"reason\":\"server_fin\"}");
}

TEST_CASE("access log: unknowns are null; an open one has no cause", "[proxy][access_log]") {
    AccessRecord r{.time = at_noon(), .listener = "a\"b", .protocol = "tcp", .ended = false};
    CHECK(app::format_access_record(r) ==
          "{\"time\":\"2026-12-03T12:00:00.250Z\",\"event\":\"interval\",\"listener\":\"a\\\"b\","
          "\"protocol\":\"tcp\",\"client\":null,\"server\":null,\"retries\":0,\"bytes_in\":0,"
          "\"bytes_out\":0,\"connect_ms\":null,\"duration_ms\":0.000}");
}

TEST_CASE("access log: a UDP record counts datagrams", "[proxy][access_log]") {
    const AccessRecord r{
        .time = at_noon(),
        .listener = "dns",
        .protocol = "udp",
        .client = mio::net::SocketAddr::parse("[2001:db8::1]:53000").value(),
        .server = "[2001:db8::53]:53",
        .bytes_in = 40,
        .bytes_out = 120,
        .datagrams_in = 1,
        .datagrams_out = 1,
        .duration = 800us,
        .cause = CloseCause::responses,
    };
    CHECK(app::format_access_record(r) ==
          "{\"time\":\"2026-12-03T12:00:00.250Z\",\"event\":\"end\",\"listener\":\"dns\","
          "\"protocol\":\"udp\",\"client\":\"[2001:db8::1]:53000\","
          "\"server\":\"[2001:db8::53]:53\",\"bytes_in\":40,\"bytes_out\":120,"
          "\"datagrams_in\":1,\"datagrams_out\":1,\"duration_ms\":0.800,"
          "\"closed_by\":\"proxy\",\"reason\":\"responses\"}");
}

TEST_CASE("access log: who closed first, for every cause", "[proxy][access_log]") {
    for (const auto& [name, cause] : app::kCloseCauseNames) {
        INFO(name);
        const std::string_view by = app::closed_by(cause);
        if (name.starts_with("client_")) {
            CHECK(by == "client");
        } else if (name.starts_with("server_")) {
            CHECK(by == "server");
        } else {
            CHECK(by == "proxy");
        }
    }
}
