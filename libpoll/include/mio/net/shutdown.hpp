#pragma once
// Shutdown: which half of a connection shutdown() closes.

namespace mio::net {

/// Which direction TcpStream::shutdown / UnixStream::shutdown / UnixDatagram::shutdown close
/// (std::net::Shutdown).
enum class Shutdown {
    read,   ///< no more reads: later reads return 0 (EOF)
    write,  ///< no more writes: sends a FIN; later writes fail with EPIPE (broken_pipe)
    both,   ///< both of the above
};

}  // namespace mio::net
