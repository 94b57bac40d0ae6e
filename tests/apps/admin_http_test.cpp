// The admin endpoint's HTTP parsing and serialisation (no sockets).

#include <catch2/catch.hpp>

#include <string>

#include "admin/http.hpp"

using namespace app::http;

TEST_CASE("find_head_end waits for the empty line", "[admin][http]") {
    CHECK_FALSE(find_head_end("GET / HTTP/1.1\r\nHost: x\r\n").has_value());
    CHECK(find_head_end("GET / HTTP/1.1\r\nHost: x\r\n\r\n") == 27u);
    CHECK(find_head_end("GET / HTTP/1.0\n\nextra") == 16u);
    CHECK(find_head_end("\r\n\r\nGET / HTTP/1.0\r\n\r\n") == 22u);  // leading empty lines
    CHECK_FALSE(find_head_end("\r\n\r\n").has_value());
}

TEST_CASE("a valid GET parses into method, path, query and headers", "[admin][http]") {
    const std::string head =
        "GET /metrics?x=1 HTTP/1.1\r\nHost: localhost\r\nAccept:  text/plain \r\n\r\n";
    const ParseResult r = parse_request_head(head);
    REQUIRE(r.status == 0);
    CHECK(r.request.method == "GET");
    CHECK(r.request.target == "/metrics?x=1");
    CHECK(r.request.path == "/metrics");
    CHECK(r.request.query == "x=1");
    CHECK(r.request.version == "HTTP/1.1");
    CHECK(r.request.header("ACCEPT") == "text/plain");
    CHECK_FALSE(r.request.header("cookie").has_value());

    const ParseResult absolute = parse_request_head("GET http://h:1/readyz HTTP/1.0\r\n\r\n");
    REQUIRE(absolute.status == 0);
    CHECK(absolute.request.path == "/readyz");
}

TEST_CASE("malformed heads are 400, bodies 413, other versions 505", "[admin][http]") {
    const auto status = [](std::string_view head) { return parse_request_head(head).status; };
    CHECK(status("hello world\r\n\r\n") == 400);
    CHECK(status("GET  / HTTP/1.1\r\nHost: x\r\n\r\n") == 400);
    CHECK(status("GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n") == 400);
    CHECK(status("G(T / HTTP/1.1\r\nHost: x\r\n\r\n") == 400);
    CHECK(status("GET nopath HTTP/1.1\r\nHost: x\r\n\r\n") == 400);
    CHECK(status("GET / FTP/1.1\r\nHost: x\r\n\r\n") == 400);
    CHECK(status("GET / HTTP/1.1\r\n\r\n") == 400);  // no Host
    CHECK(status("GET / HTTP/1.1\r\nHost: x\r\nNo colon\r\n\r\n") == 400);
    CHECK(status("GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n") == 400);
    CHECK(status("GET / HTTP/1.1\r\nHost : x\r\n\r\n") == 400);
    CHECK(status("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n") == 400);
    CHECK(status("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n") ==
          400);
    CHECK(status("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n") == 413);
    CHECK(status("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n") == 413);
    CHECK(status("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n") == 0);
    CHECK(status("GET / HTTP/2.0\r\nHost: x\r\n\r\n") == 505);
}

TEST_CASE("responses always close the connection", "[admin][http]") {
    Response r = Response::text(405, "no\n");
    r.headers.emplace_back("Allow", "GET, HEAD");
    const std::string bytes = serialize(r, false);
    CHECK(bytes ==
          "HTTP/1.1 405 Method Not Allowed\r\nContent-Type: text/plain; charset=utf-8\r\n"
          "Content-Length: 3\r\nAllow: GET, HEAD\r\nCache-Control: no-store\r\n"
          "Connection: close\r\n\r\nno\n");
    const std::string head_only = serialize(Response::json(200, "[]"), true);
    CHECK(head_only.find("Content-Length: 2\r\n") != std::string::npos);
    CHECK(head_only.ends_with("\r\n\r\n"));
    CHECK(reason_phrase(431) == "Request Header Fields Too Large");
}
