// UnixAddr: sockaddr_un lengths (mio's pathname_address / abstract_address unit tests), round
// trips, and the errors for paths that cannot be represented.
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/un.h>

#include <cstddef>
#include <cstring>
#include <string>
#include <unordered_set>

#include <mio/net/unix_addr.hpp>

using mio::net::UnixAddr;

namespace {

constexpr std::size_t kOffset = offsetof(sockaddr_un, sun_path);

const sockaddr_un& as_un(const sockaddr_storage& storage) {
    return *reinterpret_cast<const sockaddr_un*>(&storage);
}

UnixAddr round_trip(const UnixAddr& addr) {
    sockaddr_storage storage;
    const std::size_t len = addr.to_sockaddr(storage);
    auto back = UnixAddr::from_sockaddr(reinterpret_cast<const sockaddr*>(&storage), len);
    REQUIRE(back.has_value());
    return *back;
}

}  // namespace

TEST_CASE("unix address of a pathname counts the path and its nul in its length", "[unix_addr]") {
    const std::string path = "./foo/bar.txt";
    auto addr = UnixAddr::from_pathname(path);
    REQUIRE(addr.has_value());
    sockaddr_storage storage;
    const std::size_t len = addr->to_sockaddr(storage);
    REQUIRE(len == kOffset + path.size() + 1);
    REQUIRE(as_un(storage).sun_family == AF_UNIX);
    REQUIRE(std::string(as_un(storage).sun_path) == path);
    REQUIRE(as_un(storage).sun_path[path.size()] == '\0');
}

TEST_CASE("unix address in the abstract namespace counts the leading nul and the name only",
          "[unix_addr]") {
    const std::string name = "./foo/bar.txt";
    auto addr = UnixAddr::from_abstract(name);
    REQUIRE(addr.has_value());
    sockaddr_storage storage;
    const std::size_t len = addr->to_sockaddr(storage);
    REQUIRE(len == kOffset + 1 + name.size());
    REQUIRE(as_un(storage).sun_path[0] == '\0');
    REQUIRE(std::string_view(as_un(storage).sun_path + 1, name.size()) == name);
}

TEST_CASE("unix address that is unnamed is just the family", "[unix_addr]") {
    const UnixAddr addr = UnixAddr::unnamed();
    REQUIRE(addr.is_unnamed());
    REQUIRE_FALSE(addr.as_pathname());
    REQUIRE_FALSE(addr.as_abstract_name());
    sockaddr_storage storage;
    REQUIRE(addr.to_sockaddr(storage) == kOffset);
    REQUIRE(addr.to_string() == "(unnamed)");
    REQUIRE(addr == UnixAddr());
}

TEST_CASE("unix addresses round trip through sockaddr", "[unix_addr]") {
    const auto path = *UnixAddr::from_pathname("/tmp/some.sock");
    const auto abstract = *UnixAddr::from_abstract("some-name");
    const auto empty_abstract = *UnixAddr::from_abstract("");
    const auto with_nul = *UnixAddr::from_abstract(std::string_view("a\0b", 3));
    for (const UnixAddr& addr : {path, abstract, empty_abstract, with_nul, UnixAddr::unnamed()}) {
        INFO(addr.to_string());
        REQUIRE(round_trip(addr) == addr);
    }
    REQUIRE(path.as_pathname() == "/tmp/some.sock");
    REQUIRE(abstract.as_abstract_name() == "some-name");
    REQUIRE(with_nul.as_abstract_name()->size() == 3);
}

TEST_CASE("unix addresses print as path, @name or (unnamed)", "[unix_addr]") {
    REQUIRE(UnixAddr::from_pathname("/tmp/x")->to_string() == "/tmp/x");
    REQUIRE(UnixAddr::from_abstract("name")->to_string() == "@name");
    REQUIRE(UnixAddr::unnamed().to_string() == "(unnamed)");
}

TEST_CASE("unix address accepts the longest pathname that fits with its nul", "[unix_addr]") {
    REQUIRE(UnixAddr::max_path_len() == sizeof(sockaddr_un::sun_path) - 1);
    const std::string longest(UnixAddr::max_path_len(), 'p');
    auto addr = UnixAddr::from_pathname(longest);
    REQUIRE(addr.has_value());
    sockaddr_storage storage;
    REQUIRE(addr->to_sockaddr(storage) == sizeof(sockaddr_un));
    REQUIRE(round_trip(*addr) == *addr);
    auto abstract = UnixAddr::from_abstract(longest);
    REQUIRE(abstract.has_value());
    REQUIRE(abstract->to_sockaddr(storage) == sizeof(sockaddr_un));
    REQUIRE(round_trip(*abstract) == *abstract);
}

TEST_CASE("unix address with a path longer than sun_path is path_too_long, never truncated",
          "[unix_addr]") {
    const std::string too_long(UnixAddr::max_path_len() + 1, 'p');
    auto addr = UnixAddr::from_pathname(too_long);
    REQUIRE_FALSE(addr.has_value());
    REQUIRE(addr.error() == mio::Errc::path_too_long);
    REQUIRE(addr.error() == std::errc::filename_too_long);
    auto abstract = UnixAddr::from_abstract(too_long);
    REQUIRE_FALSE(abstract.has_value());
    REQUIRE(abstract.error() == std::errc::filename_too_long);
    REQUIRE_FALSE(UnixAddr::from_pathname(std::string(4096, 'x')).has_value());
}

TEST_CASE("unix address rejects empty paths and paths with a nul byte", "[unix_addr]") {
    auto empty = UnixAddr::from_pathname("");
    REQUIRE_FALSE(empty.has_value());
    REQUIRE(empty.error() == std::errc::invalid_argument);
    auto nul = UnixAddr::from_pathname(std::string_view("/tmp/a\0b", 8));
    REQUIRE_FALSE(nul.has_value());
    REQUIRE(nul.error() == std::errc::invalid_argument);
}

TEST_CASE("unix address from_sockaddr reads kernel-style lengths and rejects bad input",
          "[unix_addr]") {
    sockaddr_un un{};
    un.sun_family = AF_UNIX;
    const auto* sa = reinterpret_cast<const sockaddr*>(&un);
    SECTION("a zero length (recvfrom from an unbound sender) is unnamed") {
        REQUIRE(UnixAddr::from_sockaddr(sa, 0)->is_unnamed());
    }
    SECTION("just the family is unnamed") {
        REQUIRE(UnixAddr::from_sockaddr(sa, kOffset)->is_unnamed());
    }
    SECTION("a pathname ends at its nul even if the length goes further") {
        std::strcpy(un.sun_path, "/a/b");
        REQUIRE(UnixAddr::from_sockaddr(sa, sizeof un)->as_pathname() == "/a/b");
        REQUIRE(UnixAddr::from_sockaddr(sa, kOffset + 4)->as_pathname() == "/a/b");
    }
    SECTION("a pathname filling sun_path without a nul is path_too_long") {
        std::memset(un.sun_path, 'x', sizeof un.sun_path);
        REQUIRE(UnixAddr::from_sockaddr(sa, sizeof un).error() == mio::Errc::path_too_long);
    }
    SECTION("another family is refused") {
        un.sun_family = AF_INET;
        REQUIRE(UnixAddr::from_sockaddr(sa, sizeof un).error() ==
                std::errc::address_family_not_supported);
    }
    SECTION("a too short length or a null pointer is invalid") {
        REQUIRE(UnixAddr::from_sockaddr(sa, 1).error() == std::errc::invalid_argument);
        REQUIRE(UnixAddr::from_sockaddr(nullptr, kOffset).error() == std::errc::invalid_argument);
    }
}

TEST_CASE("unix addresses that are equal hash equally and kinds are distinguished", "[unix_addr]") {
    const auto path = *UnixAddr::from_pathname("name");
    const auto abstract = *UnixAddr::from_abstract("name");
    REQUIRE(path != abstract);
    REQUIRE(path == *UnixAddr::from_pathname("name"));
    REQUIRE(std::hash<UnixAddr>{}(path) == std::hash<UnixAddr>{}(*UnixAddr::from_pathname("name")));
    std::unordered_set<UnixAddr> set{path, abstract, UnixAddr::unnamed(), path};
    REQUIRE(set.size() == 3);
}
