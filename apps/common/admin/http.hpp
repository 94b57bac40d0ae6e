#pragma once
// The small HTTP/1.1 subset the admin endpoint speaks: GET/HEAD requests without bodies, one
// request per connection, `Connection: close` responses. Pure functions, no I/O.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace app::http {

/// One request header; views into the connection's input buffer.
struct Header {
    std::string_view name;
    std::string_view value;
};

/// A parsed request head. All views point into the buffer given to parse_request_head() and
/// are valid while it is.
struct Request {
    std::string_view method;   ///< e.g. "GET" (case-sensitive, as in RFC 9110)
    std::string_view target;   ///< the request target as sent
    std::string_view path;     ///< target without scheme/authority and query, e.g. "/metrics"
    std::string_view query;    ///< after '?', without it; empty if none
    std::string_view version;  ///< "HTTP/1.0" or "HTTP/1.1"
    std::vector<Header> headers;

    /// The first header named `name` (ASCII case-insensitive), if any.
    [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const noexcept;
};

/// What a route handler returns. The server adds Content-Length, Connection: close and
/// Cache-Control: no-store.
struct Response {
    int status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  ///< extra headers, e.g. Allow

    /// A text/plain response.
    [[nodiscard]] static Response text(int status, std::string body);
    /// An application/json response.
    [[nodiscard]] static Response json(int status, std::string body);
};

/// The result of parsing a head: status 0 and the request, or the error status to answer with
/// (400 malformed, 413 a body was announced, 505 an unsupported HTTP version).
struct ParseResult {
    int status = 0;
    Request request;
};

/// Where the head ends in `buffer` (just past the empty line, CRLF or bare LF line endings,
/// ignoring empty lines before the request line), or std::nullopt if it is not complete yet.
[[nodiscard]] std::optional<std::size_t> find_head_end(std::string_view buffer) noexcept;

/// Parses a complete head (request line and header lines, as delimited by find_head_end()).
/// Bodies are refused: Content-Length > 0 or any Transfer-Encoding gives 413. HTTP/1.1 without
/// Host gives 400. Errors: reported in ParseResult::status, never thrown (but std::bad_alloc).
[[nodiscard]] ParseResult parse_request_head(std::string_view head);

/// The reason phrase for `status` ("OK", "Not Found", ...); "Unknown" for others.
[[nodiscard]] std::string_view reason_phrase(int status) noexcept;

/// The bytes to send for `response`; without the body if `head_only` (a HEAD request).
[[nodiscard]] std::string serialize(const Response& response, bool head_only);

}  // namespace app::http
