// Logging: line formats, escaping, file target reopen, dropped-line accounting, validation.

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/log_format.hpp"
#include "runtime/logging.hpp"
#include "test_util.hpp"

namespace {

std::vector<std::string> read_lines(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

std::string to_string(const spdlog::memory_buf_t& buf) {
    return {buf.data(), buf.size()};
}

// Puts logging back on stderr so later tests do not write into a removed temp file.
struct RestoreLogging {
    ~RestoreLogging() { app::setup_logging(app::LogSettings{.level = "warn"}); }
};

const std::string kTs = R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)";

}  // namespace

TEST_CASE("JSON lines: shape, escaping and connection context", "[runtime][logging]") {
    RestoreLogging restore;
    const std::string path = mio::test::temp_path("json.log");
    app::setup_logging({.level = "debug", .format = "json", .target = path});
    spdlog::info("say \"hi\"\n\tback\\slash \x01 caf\xc3\xa9 bad\xff");
    app::log_conn(spdlog::level::warn, "echo", 42, "closed after {} bytes", 10);
    app::log_ctx(spdlog::level::debug, {"tcp \"x\"", 7, "10.0.0.2:80"}, "connected");
    spdlog::trace("not at this level");
    app::flush_logs();

    const auto lines = read_lines(path);
    REQUIRE(lines.size() == 3);
    CHECK(std::regex_match(lines[0],
                           std::regex(R"(\{"ts":")" + kTs +
                                      R"(","level":"info","msg":"say \\"hi\\"\\n\\tback\\\\slash )"
                                      R"(\\u0001 caf\xc3\xa9 bad\\ufffd"\})")));
    CHECK(std::regex_match(lines[1], std::regex(R"(\{"ts":")" + kTs +
                                                R"(","level":"warn","msg":"closed after 10 bytes",)"
                                                R"("listener":"echo","conn":42\})")));
    CHECK(std::regex_match(lines[2], std::regex(R"(\{"ts":")" + kTs +
                                                R"(","level":"debug","msg":"connected",)"
                                                R"("listener":"tcp \\"x\\"","conn":7,)"
                                                R"("upstream":"10.0.0.2:80"\})")));
}

TEST_CASE("text lines: timestamp, level, context, one line per message", "[runtime][logging]") {
    RestoreLogging restore;
    const std::string path = mio::test::temp_path("text.log");
    app::setup_logging({.level = "info", .format = "text", .target = path});
    app::log_conn(spdlog::level::info, "echo", 42, "message");
    spdlog::error("two\nlines");
    spdlog::debug("filtered");
    app::flush_logs();
    const auto lines = read_lines(path);
    REQUIRE(lines.size() == 2);
    CHECK(
        std::regex_match(lines[0], std::regex(kTs + R"( info \[listener=echo conn=42\] message)")));
    CHECK(std::regex_match(lines[1], std::regex(kTs + R"( error two\\nlines)")));
}

TEST_CASE("SIGUSR1 reopen: after a rename, new lines go to a new file", "[runtime][logging]") {
    RestoreLogging restore;
    const std::string path = mio::test::temp_path("rotate.log");
    const std::string rotated = path + ".1";
    app::setup_logging({.level = "info", .format = "text", .target = path});
    spdlog::info("before");
    REQUIRE(std::rename(path.c_str(), rotated.c_str()) == 0);
    app::reopen_log_files();  // queued lines before this still go to the old file
    spdlog::info("after");
    app::flush_logs();
    const auto old_lines = read_lines(rotated);
    const auto new_lines = read_lines(path);
    REQUIRE(old_lines.size() == 1);
    CHECK(old_lines[0].ends_with(" info before"));
    REQUIRE(new_lines.size() == 1);
    CHECK(new_lines[0].ends_with(" info after"));
}

TEST_CASE("every line is either written or counted as dropped", "[runtime][logging]") {
    RestoreLogging restore;
    const std::string path = mio::test::temp_path("drops.log");
    const std::uint64_t before = app::log_dropped_total();
    app::setup_logging({.level = "info", .format = "text", .target = path, .queue_size = 4});
    constexpr int kLines = 2000;
    for (int i = 0; i < kLines; ++i)
        spdlog::info("line {}", i);
    app::flush_logs();
    const std::uint64_t dropped = app::log_dropped_total() - before;
    CHECK(read_lines(path).size() + dropped == kLines);
}

TEST_CASE("invalid settings are refused with a clear message", "[runtime][logging]") {
    RestoreLogging restore;
    CHECK_THROWS_WITH(app::setup_logging({.level = "loud"}),
                      Catch::Contains("invalid log level 'loud'"));
    CHECK_THROWS_WITH(app::setup_logging({.format = "xml"}),
                      Catch::Contains("invalid log format 'xml'"));
    CHECK_THROWS_AS(app::setup_logging({.target = ""}), std::invalid_argument);
    CHECK_THROWS_WITH(app::setup_logging({.target = "/nonexistent-dir/x.log"}),
                      Catch::Contains("/nonexistent-dir/x.log"));
    CHECK_THROWS_AS(app::setup_logging({.queue_size = 0}), std::invalid_argument);
    CHECK(app::parse_log_level("warning") == spdlog::level::warn);
    CHECK(app::parse_log_level("off") == spdlog::level::off);
    app::reopen_log_files();  // stderr target: a no-op
}

TEST_CASE("format pieces: timestamps, payload context, escaping", "[runtime][logging]") {
    using namespace std::chrono;
    spdlog::memory_buf_t ts;
    const auto t = sys_days{year{2026} / 11 / 26} + 15h + 4min + 5s + 123ms + 456us;
    app::append_rfc3339_utc(ts, time_point_cast<system_clock::duration>(t));
    CHECK(to_string(ts) == "2026-11-26T15:04:05.123Z");

    const auto plain = app::parse_payload("just text");
    CHECK_FALSE(plain.has_context);
    CHECK(plain.message == "just text");
    const auto broken = app::parse_payload(
        "\x1e"
        "echo\x1f"
        "notanumber\x1f\x1e"
        "m");
    CHECK_FALSE(broken.has_context);

    spdlog::memory_buf_t json;
    app::append_json_string(json, std::string_view("a\0b\x7f\xe2\x82\xac\xed\xa0\x80", 10));
    CHECK(to_string(json) == R"("a\u0000b\u007f)"
                             "\xe2\x82\xac"
                             R"(\ufffd\ufffd\ufffd")");
    spdlog::memory_buf_t text;
    app::append_text_escaped(text, "a\r\n\x1b[31m");
    CHECK(to_string(text) == R"(a\r\n\x1b[31m)");
}
