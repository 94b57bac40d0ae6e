#include "config/endpoint.hpp"

#include <algorithm>
#include <vector>

namespace app {
namespace {

constexpr std::string_view unix_prefix = "unix:";

void set_reason(std::string* why, std::string reason) {
    if (why != nullptr) *why = std::move(reason);
}

std::optional<Endpoint> parse_unix(std::string_view path, std::string* why) {
    if (path.empty()) {
        set_reason(why, "empty Unix socket path after 'unix:'");
        return std::nullopt;
    }
    auto addr = mio::net::UnixAddr::from_pathname(path);
    if (addr) return Endpoint(*addr);
    if (path.size() > mio::net::UnixAddr::max_path_len()) {
        set_reason(why, "Unix socket path is " + std::to_string(path.size()) +
                            " bytes long; the limit is " +
                            std::to_string(mio::net::UnixAddr::max_path_len()));
    } else {
        set_reason(why, "invalid Unix socket path: " + addr.error().message());
    }
    return std::nullopt;
}

bool all_digits(std::string_view text) {
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// What is wrong with the port text after the last ':' (nullopt: nothing).
std::optional<std::string> port_problem(std::string_view port) {
    if (port.empty()) return "missing port after ':'";
    if (!all_digits(port)) return "port '" + std::string(port) + "' is not a number";
    // More than 5 digits cannot be in range; comparing the text avoids overflow.
    if (port.size() > 5 || std::stoul(std::string(port)) > 65535) {
        return "port " + std::string(port) + " is out of range (0..65535)";
    }
    return std::nullopt;
}

/// What is wrong with the host part (nullopt: a literal address). Host names get their own
/// message because "localhost:80" is the mistake people make, and the fix is not obvious from
/// "invalid".
std::optional<std::string> host_problem(std::string_view host, bool bracketed) {
    const std::string text(host);
    if (bracketed) {
        if (mio::net::SocketAddr::parse("[" + text + "]:0")) return std::nullopt;
        return "'" + text + "' is not a literal IPv6 address";
    }
    if (mio::net::SocketAddr::parse(text + ":0")) return std::nullopt;
    if (text.empty()) return "missing host before ':' (use 0.0.0.0 for every IPv4 address)";
    const bool has_letter = std::any_of(text.begin(), text.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    });
    if (has_letter) {
        return "'" + text + "' is a host name; host names are not resolved, use a literal IP " +
               "address such as 127.0.0.1";
    }
    return "'" + text + "' is not a literal IPv4 address";
}

/// Why `text` is not host:port: every problem found, e.g. both a host name and a bad port.
std::string inet_problems(std::string_view text) {
    const std::string_view expected = "expected IPv4:port, [IPv6]:port or unix:/path";
    if (text.empty()) return "empty address: " + std::string(expected);
    std::vector<std::string> problems;
    const bool bracketed = text.front() == '[';
    std::string_view host = text;
    std::optional<std::string_view> port;
    if (bracketed) {
        const auto close = text.find(']');
        if (close == std::string_view::npos) return "missing ']' after the IPv6 address";
        host = text.substr(1, close - 1);
        if (close + 1 < text.size() && text[close + 1] == ':') port = text.substr(close + 2);
        if (close + 1 < text.size() && text[close + 1] != ':') {
            problems.push_back("unexpected text after ']'");
        }
    } else if (const auto colon = text.rfind(':'); colon != std::string_view::npos) {
        if (text.find(':') != colon) {
            return "an IPv6 address needs brackets and a port, e.g. [::1]:7";
        }
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    if (!port) problems.push_back("missing port: " + std::string(expected));
    if (auto problem = port ? port_problem(*port) : std::nullopt) problems.push_back(*problem);
    if (auto problem = host_problem(host, bracketed)) problems.push_back(*problem);
    if (problems.empty()) problems.push_back("not a literal address: " + std::string(expected));
    std::string out;
    for (const std::string& problem : problems)
        out += (out.empty() ? "" : "; ") + problem;
    return out;
}

std::optional<Endpoint> parse_inet(std::string_view text, std::string* why) {
    auto addr = mio::net::SocketAddr::parse(text);
    if (addr) return Endpoint(*addr);
    set_reason(why, "'" + std::string(text) + "': " + inet_problems(text));
    return std::nullopt;
}

}  // namespace

std::optional<Endpoint> Endpoint::parse(std::string_view text, std::string* why) {
    if (text.starts_with(unix_prefix)) return parse_unix(text.substr(unix_prefix.size()), why);
    return parse_inet(text, why);
}

std::string Endpoint::unix_path() const {
    return std::string(unix_addr().as_pathname().value_or(std::string_view{}));
}

std::string Endpoint::to_string() const {
    if (is_unix()) return std::string(unix_prefix) + unix_path();
    return inet().to_string();
}

}  // namespace app
