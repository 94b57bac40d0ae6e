// PerIpCounts: the limit per IP, unlimited cases, and entries that go with the last connection.

#include <catch2/catch.hpp>

#include "runtime/per_ip_counts.hpp"

using app::PerIpCounts;

TEST_CASE("PerIpCounts admits up to the limit per IP and forgets an IP with its last close",
          "[runtime][per_ip]") {
    PerIpCounts counts;
    CHECK(counts.admits("10.0.0.1", 2));
    counts.add("10.0.0.1");
    counts.add("10.0.0.1");
    CHECK_FALSE(counts.admits("10.0.0.1", 2));
    CHECK(counts.admits("10.0.0.2", 2));  // another IP has its own count
    CHECK(counts.admits("10.0.0.1", 0));  // 0 = unlimited
    CHECK(counts.admits("", 1));          // a Unix client is never limited
    counts.remove("10.0.0.1");
    CHECK(counts.admits("10.0.0.1", 2));
    counts.remove("10.0.0.1");
    CHECK(counts.size() == 0);
    counts.remove("10.0.0.9");  // never added: ignored
    CHECK(counts.size() == 0);
}
