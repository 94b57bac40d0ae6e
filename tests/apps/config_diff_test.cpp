// diff_tables: added, removed and changed keys, nested tables, arrays compared whole.

#include <catch2/catch.hpp>

#include "config/toml_diff.hpp"

using app::diff_tables;

namespace {

toml::table parse(std::string_view text) {
    return toml::parse(text);
}

}  // namespace

TEST_CASE("diff of equal configurations is empty", "[config][diff]") {
    const auto a = parse("[x]\nn = 1\nlist = [1, 2]\n");
    CHECK(diff_tables(a, a).empty());
}

TEST_CASE("diff names added, removed and changed keys in key order", "[config][diff]") {
    const auto before = parse(
        "[listeners.a]\nbind = \"127.0.0.1:1\"\nmax = 5\n"
        "[listeners.old]\nbind = \"127.0.0.1:2\"\n"
        "[upstreams.u]\nservers = [{ address = \"127.0.0.1:9\" }]\n");
    const auto after = parse(
        "[listeners.a]\nbind = \"127.0.0.1:3\"\nmax = 5\n"
        "[listeners.new]\nbind = \"127.0.0.1:4\"\n"
        "[upstreams.u]\nservers = [{ address = \"127.0.0.1:9\" }, { address = \"127.0.0.1:8\" "
        "}]\n");
    const std::vector<std::string> want = {
        "~ listeners.a.bind: '127.0.0.1:1' -> '127.0.0.1:3'",
        "+ listeners.new.bind = '127.0.0.1:4'",
        "- listeners.old.bind = '127.0.0.1:2'",
        "~ upstreams.u.servers: [ { address = '127.0.0.1:9' } ] -> [ { address = '127.0.0.1:9' }, "
        "{ address = '127.0.0.1:8' } ]",
    };
    CHECK(diff_tables(before, after) == want);
}
