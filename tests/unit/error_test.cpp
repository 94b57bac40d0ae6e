// The error model: portable conditions, libpoll's own category.
#include <catch2/catch.hpp>

#include <cerrno>
#include <string>

#include <mio/error.hpp>

TEST_CASE("would block matches both EAGAIN spellings and nothing else", "[error]") {
    REQUIRE(mio::is_would_block(std::error_code(EAGAIN, std::system_category())));
    REQUIRE(mio::is_would_block(std::error_code(EWOULDBLOCK, std::system_category())));
    REQUIRE(mio::is_would_block(std::make_error_code(std::errc::operation_would_block)));
    REQUIRE_FALSE(mio::is_would_block(std::error_code(EINTR, std::system_category())));
    REQUIRE_FALSE(mio::is_would_block(std::error_code(ECONNRESET, std::system_category())));
    REQUIRE_FALSE(mio::is_would_block(std::error_code()));
}

TEST_CASE("libpoll errors answer to the portable conditions", "[error]") {
    using mio::Errc;
    REQUIRE(std::error_code(Errc::already_registered) == std::errc::file_exists);
    REQUIRE(std::error_code(Errc::registered_with_other_registry) == std::errc::file_exists);
    REQUIRE(std::error_code(Errc::waker_exists) == std::errc::file_exists);
    REQUIRE(std::error_code(Errc::not_registered) == std::errc::no_such_file_or_directory);
    REQUIRE(std::error_code(Errc::invalid_address) == std::errc::invalid_argument);
    REQUIRE(std::error_code(Errc::path_too_long) == std::errc::filename_too_long);
    REQUIRE_FALSE(std::error_code(Errc::not_registered) == std::errc::file_exists);
}

TEST_CASE("libpoll error messages name the misuse", "[error]") {
    const std::string already = std::error_code(mio::Errc::already_registered).message();
    REQUIRE(already.find("already registered") != std::string::npos);
    const std::string missing = std::error_code(mio::Errc::not_registered).message();
    REQUIRE(missing.find("not registered") != std::string::npos);
    REQUIRE(std::string(mio::mio_category().name()) == "mio");
}
