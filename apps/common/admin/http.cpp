#include "admin/http.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>

#include <fmt/format.h>

namespace app::http {
namespace {

// RFC 9110 tchar.
bool is_tchar(char c) noexcept {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) noexcept {
    return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar);
}

bool is_visible_ascii(std::string_view s) noexcept {
    return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

// Field values: visible ASCII, obs-text (>= 0x80), spaces and tabs; no other controls.
bool is_field_value(std::string_view s) noexcept {
    return std::all_of(s.begin(), s.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u == '\t' || (u >= 0x20 && u != 0x7f);
    });
}

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto lower = [](char c) {
            return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
        };
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

std::string_view trim_ows(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

std::size_t skip_leading_newlines(std::string_view s) noexcept {
    const std::size_t pos = s.find_first_not_of("\r\n");
    return pos == std::string_view::npos ? s.size() : pos;
}

// Takes the next line (without its LF and a trailing CR) off the front of `rest`.
std::string_view next_line(std::string_view& rest) noexcept {
    const std::size_t lf = rest.find('\n');
    std::string_view line = rest.substr(0, lf);
    rest.remove_prefix(lf == std::string_view::npos ? rest.size() : lf + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
}

// 0 if the version is supported, 505 for another HTTP/d.d, 400 for anything else.
int check_version(std::string_view v) noexcept {
    if (v == "HTTP/1.1" || v == "HTTP/1.0") return 0;
    const bool shaped = v.size() == 8 && v.substr(0, 5) == "HTTP/" && v[5] >= '0' && v[5] <= '9' &&
                        v[6] == '.' && v[7] >= '0' && v[7] <= '9';
    return shaped ? 505 : 400;
}

// Splits origin-form or absolute-form targets into path and query.
bool split_target(Request& req) noexcept {
    std::string_view t = req.target;
    if (t.starts_with("http://") || t.starts_with("https://")) {
        const std::size_t authority = t.find("://") + 3;
        const std::size_t slash = t.find('/', authority);
        t = slash == std::string_view::npos ? std::string_view("/") : t.substr(slash);
    }
    if (t.empty() || t.front() != '/') return false;
    const std::size_t q = t.find('?');
    req.path = t.substr(0, q);
    req.query = q == std::string_view::npos ? std::string_view() : t.substr(q + 1);
    return true;
}

int parse_request_line(std::string_view line, Request& req) {
    const std::size_t sp1 = line.find(' ');
    if (sp1 == std::string_view::npos) return 400;
    const std::size_t sp2 = line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
        return 400;
    req.method = line.substr(0, sp1);
    req.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    req.version = line.substr(sp2 + 1);
    if (!is_token(req.method) || req.target.empty() || !is_visible_ascii(req.target)) return 400;
    if (const int v = check_version(req.version); v != 0) return v;
    return split_target(req) ? 0 : 400;
}

int parse_header_line(std::string_view line, Request& req) {
    if (line.front() == ' ' || line.front() == '\t') return 400;  // obsolete line folding
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return 400;
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trim_ows(line.substr(colon + 1));
    if (!is_token(name) || !is_field_value(value)) return 400;
    req.headers.push_back(Header{name, value});
    return 0;
}

// Refuses bodies: 413 for a positive Content-Length or any Transfer-Encoding, 400 for a bad or
// conflicting Content-Length.
int check_body(const Request& req) noexcept {
    std::optional<std::uint64_t> length;
    for (const Header& h : req.headers) {
        if (iequals(h.name, "transfer-encoding")) return 413;
        if (!iequals(h.name, "content-length")) continue;
        std::uint64_t n = 0;
        const auto [ptr, ec] = std::from_chars(h.value.data(), h.value.data() + h.value.size(), n);
        if (h.value.empty() || ec != std::errc{} || ptr != h.value.data() + h.value.size())
            return 400;
        if (length && *length != n) return 400;
        length = n;
    }
    return length.value_or(0) > 0 ? 413 : 0;
}

}  // namespace

std::optional<std::string_view> Request::header(std::string_view name) const noexcept {
    for (const Header& h : headers) {
        if (iequals(h.name, name)) return h.value;
    }
    return std::nullopt;
}

Response Response::text(int status, std::string body) {
    Response r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

Response Response::json(int status, std::string body) {
    Response r;
    r.status = status;
    r.content_type = "application/json";
    r.body = std::move(body);
    return r;
}

std::optional<std::size_t> find_head_end(std::string_view buffer) noexcept {
    const std::size_t start = skip_leading_newlines(buffer);
    // The head ends with an empty line: LF followed by LF or CR LF.
    for (std::size_t lf = buffer.find('\n', start); lf != std::string_view::npos;
         lf = buffer.find('\n', lf + 1)) {
        const std::string_view after = buffer.substr(lf + 1);
        if (after.starts_with("\n")) return lf + 2;
        if (after.starts_with("\r\n")) return lf + 3;
    }
    return std::nullopt;
}

ParseResult parse_request_head(std::string_view head) {
    ParseResult out;
    std::string_view rest = head.substr(skip_leading_newlines(head));
    out.status = parse_request_line(next_line(rest), out.request);
    if (out.status != 0) return out;
    while (!rest.empty()) {
        const std::string_view line = next_line(rest);
        if (line.empty()) break;
        out.status = parse_header_line(line, out.request);
        if (out.status != 0) return out;
    }
    if (out.request.version == "HTTP/1.1" && !out.request.header("host")) {
        out.status = 400;
        return out;
    }
    out.status = check_body(out.request);
    return out;
}

std::string_view reason_phrase(int status) noexcept {
    switch (status) {
        case 200:
            return "OK";
        case 204:
            return "No Content";
        case 400:
            return "Bad Request";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 408:
            return "Request Timeout";
        case 413:
            return "Content Too Large";
        case 431:
            return "Request Header Fields Too Large";
        case 500:
            return "Internal Server Error";
        case 503:
            return "Service Unavailable";
        case 505:
            return "HTTP Version Not Supported";
        default:
            return "Unknown";
    }
}

std::string serialize(const Response& response, bool head_only) {
    std::string out;
    out.reserve(160 + (head_only ? 0 : response.body.size()));
    auto it = std::back_inserter(out);
    fmt::format_to(it, "HTTP/1.1 {} {}\r\n", response.status, reason_phrase(response.status));
    fmt::format_to(it, "Content-Type: {}\r\nContent-Length: {}\r\n", response.content_type,
                   response.body.size());
    for (const auto& [name, value] : response.headers)
        fmt::format_to(it, "{}: {}\r\n", name, value);
    out += "Cache-Control: no-store\r\nConnection: close\r\n\r\n";
    if (!head_only) out += response.body;
    return out;
}

}  // namespace app::http
