// mio-echo end to end, stream side: TCP and Unix stream echo with real clients (socat, ncat,
// nc) and plain sockets, 1,000 concurrent connections, half-close, backpressure and modes.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "echo_process.hpp"

using namespace e2e;

namespace {

std::string tcp_echo_config() {
    return base_toml() + listener_toml("tcp", "tcp");
}

}  // namespace

TEST_CASE("tcp echo is byte-exact for 1 byte and 64 KiB and 64 MiB", "[e2e][echo]") {
    EchoProcess echo(tcp_echo_config());
    const std::string address = echo.address("tcp");
    const auto colon = address.rfind(':');
    const std::string host = address.substr(0, colon);
    const std::string port = address.substr(colon + 1);

    SECTION("1 byte with nc (netcat-openbsd, -N: FIN after stdin's EOF)") {
        const RunResult r = run("timeout 20 nc -N " + host + " " + port, "x");
        INFO(r.err);
        CHECK(r.exit == 0);
        CHECK(r.out == "x");
    }
    SECTION("1 byte with a plain socket") {
        Client c = Client::tcp(address);
        CHECK(c.echo("\x7f") == "\x7f");
        c.shutdown_write();
        const auto rest = c.read_to_eof();
        CHECK(rest.eof);
        CHECK(rest.data.empty());
    }
    SECTION("64 KiB with ncat (half-closes on stdin's EOF)") {
        const std::string data = pattern(64 * 1024, 1);
        const std::string in = echo.dir().write("in64k", data);
        const RunResult r = run("timeout 20 ncat " + host + " " + port + " < " + in);
        INFO(r.err);
        CHECK(r.exit == 0);
        REQUIRE(r.out.size() == data.size());
        CHECK(diff(r.out, data) == "");
    }
    SECTION("64 KiB with a plain socket") {
        const std::string data = pattern(64 * 1024, 2);
        Client c = Client::tcp(address);
        const std::string back = c.echo(data);
        REQUIRE(back.size() == data.size());
        CHECK(diff(back, data) == "");
    }
    SECTION("64 MiB with socat: a file on stdin, stdout to a file, both ways at once") {
        const std::string data = pattern(64 * 1024 * 1024, 3);
        const std::string in = echo.dir().write("in64m", data);
        const std::string out = echo.dir().file("out64m");
        // -t 20: after stdin's EOF (socat sends FIN), wait up to 20 s for the echo to end.
        const RunResult r =
            run("timeout 30 socat -b 262144 -t 20 - TCP:" + address + " < " + in + " > " + out);
        INFO(r.err);
        CHECK(r.exit == 0);
        const std::string back = read_file(out);
        REQUIRE(back.size() == data.size());
        CHECK(diff(back, data) == "");  // byte-exact (memcmp; a hash would add nothing)
        const auto bytes_in =
            wait_metric(echo.admin_address(), "mio_echo_bytes_in_total", "tcp", data.size());
        CHECK(bytes_in == data.size());
    }
}

TEST_CASE("1000 concurrent tcp connections each get their own payload back", "[e2e][echo]") {
    constexpr std::size_t kConns = 1000;
    // Each side needs ~1000 descriptors: raise ours before spawning (mio-echo inherits it).
    REQUIRE(raise_nofile(4096) >= 2 * kConns + 64);
    EchoProcess echo(base_toml() +
                     listener_toml("tcp", "tcp", "max_connections = 2000\nidle_timeout = \"off\""));
    const std::size_t exact = concurrent_echo(echo.address("tcp"), kConns, [&] {
        const auto open = metric(http_get(echo.admin_address(), "/metrics").body,
                                 "mio_echo_connections_open", "tcp");
        CHECK(open == kConns);  // all of them at once
    });
    CHECK(exact == kConns);
}

TEST_CASE("unix stream echo with socat and nc -U and unix datagram echo are byte-exact",
          "[e2e][echo]") {
    EchoProcess echo(base_toml() + listener_toml("ustream", "unix", "", "unix:@DIR@/stream.sock") +
                     listener_toml("ugram", "unixgram", "", "unix:@DIR@/gram.sock"));
    const std::string stream_path = echo.address("ustream");
    const std::string gram_path = echo.address("ugram");
    CHECK(stream_path == echo.dir().file("stream.sock"));
    CHECK(gram_path == echo.dir().file("gram.sock"));

    SECTION("socat UNIX-CONNECT, 1 MiB") {
        const std::string data = pattern(1024 * 1024, 7);
        const std::string in = echo.dir().write("in", data);
        const RunResult r =
            run("timeout 20 socat -t 20 - UNIX-CONNECT:" + stream_path + " < " + in);
        INFO(r.err);
        CHECK(r.exit == 0);
        REQUIRE(r.out.size() == data.size());
        CHECK(diff(r.out, data) == "");
    }
    SECTION("nc -U") {
        const RunResult r = run("timeout 20 nc -N -U " + stream_path, "hello over unix\n");
        INFO(r.err);
        CHECK(r.exit == 0);
        CHECK(r.out == "hello over unix\n");
    }
    SECTION("plain unix stream socket, 300 KiB") {
        const std::string data = pattern(300 * 1024, 8);
        Client c = Client::unix_stream(stream_path);
        CHECK(diff(c.echo(data), data) == "");
    }
    SECTION("unix datagrams from a client bound to a temp path") {
        DatagramClient c = DatagramClient::unix_bound(echo.dir().file("client.sock"));
        for (const std::size_t size : {std::size_t{1}, std::size_t{4096}, std::size_t{65507}}) {
            INFO("size " << size);
            const std::string data = pattern(size, size);
            c.send_to(gram_path, data);
            const auto reply = c.recv();
            REQUIRE(reply.has_value());
            CHECK(reply->size() == size);
            CHECK(diff(*reply, data) == "");
        }
    }
}

TEST_CASE("half-close: the client's FIN is mirrored after everything is echoed", "[e2e][echo]") {
    EchoProcess echo(tcp_echo_config());
    Client c = Client::tcp(echo.address("tcp"));
    const std::string data = pattern(64 * 1024, 11);
    // Everything is written before anything is read: 64 KiB fits in the socket buffers (the
    // client's receive buffer alone holds it) plus mio-echo's own.
    c.send_all(data);
    c.shutdown_write();
    const auto back = c.read_to_eof();
    CHECK_FALSE(back.timed_out);
    CHECK(back.error == 0);
    CHECK(back.eof);
    REQUIRE(back.data.size() == data.size());
    CHECK(diff(back.data, data) == "");
}

TEST_CASE("a client that writes 64 MiB and never reads leaves memory bounded and others served",
          "[e2e][echo]") {
    EchoProcess echo(tcp_echo_config());
    const std::string address = echo.address("tcp");
    // A warm-up round trip, so that the baseline includes one connection's buffers.
    {
        Client warm = Client::tcp(address);
        CHECK(diff(warm.echo(pattern(64 * 1024, 20)), pattern(64 * 1024, 20)) == "");
    }
    const long rss_start = echo.rss_kib();

    Client hog = Client::tcp(address);
    const std::string chunk = pattern(1024 * 1024, 21);
    std::size_t written = 0;
    constexpr std::size_t kTotal = 64 * 1024 * 1024;
    // Write until all 64 MiB are out or no more room appears for 1 s (the server stopped
    // reading because we never read its echo). Not an assertion on timing: it only decides
    // when to stop pushing.
    while (written < kTotal) {
        const ssize_t n = ::send(hog.fd(), chunk.data() + written % chunk.size(),
                                 chunk.size() - written % chunk.size(), MSG_NOSIGNAL);
        if (n > 0) {
            written += static_cast<std::size_t>(n);
            continue;
        }
        REQUIRE(errno == EAGAIN);
        pollfd p{hog.fd(), POLLOUT, 0};
        if (::poll(&p, 1, 1000) == 0) break;
    }
    INFO("the hog wrote " << written << " bytes before being stopped by backpressure");
    CHECK(written < kTotal);

    // Another connection is served meanwhile.
    Client other = Client::tcp(address);
    const std::string data = pattern(256 * 1024, 22);
    CHECK(diff(other.echo(data), data) == "");

    const long rss_now = echo.rss_kib();
    INFO("RSS at start " << rss_start << " KiB, now " << rss_now << " KiB");
    CHECK(rss_now - rss_start < 16 * 1024);

    // The hog's connection is still open and holds no more than one buffer of data.
    const HttpReply conns = http_get(echo.admin_address(), "/connections");
    CHECK(conns.status == 200);
    CHECK(conns.body.find("\"peer\":\"127.0.0.1:" + std::to_string(hog.local_port()) + "\"") !=
          std::string::npos);
}

TEST_CASE("modes: discard and chargen and info", "[e2e][echo]") {
    EchoProcess echo(base_toml() + listener_toml("disc", "tcp", "mode = \"discard\"") +
                     listener_toml("chargen", "tcp", "mode = \"chargen\"") +
                     listener_toml("info", "tcp", "mode = \"info\""));

    SECTION(
        "discard: nothing comes back, and the connection stays open until the client "
        "closes") {
        Client c = Client::tcp(echo.address("disc"));
        const std::string data = pattern(100 * 1024, 30);
        c.send_all(data);
        // Once mio-echo has read everything, the connection must still be open.
        CHECK(wait_metric(echo.admin_address(), "mio_echo_bytes_in_total", "disc", data.size()) ==
              data.size());
        const HttpReply conns = http_get(echo.admin_address(), "/connections");
        CHECK(conns.body.find("\"peer\":\"127.0.0.1:" + std::to_string(c.local_port()) + "\"") !=
              std::string::npos);
        char byte = 0;
        CHECK(::recv(c.fd(), &byte, 1, MSG_DONTWAIT) == -1);  // nothing, and no EOF
        CHECK(errno == EAGAIN);
        // The client closes its side: mio-echo closes too, having sent nothing at all.
        c.shutdown_write();
        const auto rest = c.read_to_eof();
        CHECK(rest.eof);
        CHECK(rest.data.empty());
        CHECK(metric(http_get(echo.admin_address(), "/metrics").body, "mio_echo_bytes_out_total",
                     "disc") == 0u);
    }
    SECTION("chargen: the first line is RFC 864's, 72 characters from ' ' and CRLF") {
        Client c = Client::tcp(echo.address("chargen"));
        const std::string first = c.recv_exact(74);
        std::string expected;
        for (int i = 0; i < 72; ++i)
            expected += static_cast<char>(' ' + i);
        expected += "\r\n";
        CHECK(first == expected);
        // The second line starts one character later.
        const std::string second = c.recv_exact(74);
        CHECK(second.substr(0, 3) == "!\"#");
    }
    SECTION("chargen with socat: lines keep coming") {
        const RunResult r =
            run("timeout 20 socat -u TCP:" + echo.address("chargen") + " - | head -c 740");
        CHECK(r.out.size() == 740);
        CHECK(r.out.substr(0, 74).back() == '\n');
        CHECK(r.out.substr(74, 1) == "!");
    }
    SECTION("info: one JSON line with the client's address, then EOF") {
        Client c = Client::tcp(echo.address("info"));
        const auto reply = c.read_to_eof();
        CHECK(reply.eof);
        REQUIRE_FALSE(reply.data.empty());
        CHECK(reply.data.front() == '{');
        CHECK(reply.data.back() == '\n');
        CHECK(std::count(reply.data.begin(), reply.data.end(), '\n') == 1);
        CHECK(reply.data.find("\"peer\":\"127.0.0.1:" + std::to_string(c.local_port()) + "\"") !=
              std::string::npos);
        CHECK(reply.data.find("\"listener\":\"info\"") != std::string::npos);
    }
}
