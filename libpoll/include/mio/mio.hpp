#pragma once
// Umbrella header: every public libpoll header, for users' convenience. Library and app code
// include the precise headers instead.

#include <mio/dyn_source.hpp>
#include <mio/error.hpp>
#include <mio/event.hpp>
#include <mio/events.hpp>
#include <mio/interest.hpp>
#include <mio/io_slice.hpp>
#include <mio/net/shutdown.hpp>
#include <mio/net/socket_addr.hpp>
#include <mio/net/tcp_keepalive.hpp>
#include <mio/net/tcp_listener.hpp>
#include <mio/net/tcp_socket.hpp>
#include <mio/net/tcp_stream.hpp>
#include <mio/net/udp_socket.hpp>
#include <mio/poll.hpp>
#include <mio/posix/source_fd.hpp>
#include <mio/registry.hpp>
#include <mio/source.hpp>
#include <mio/token.hpp>
#include <mio/unique_fd.hpp>
#include <mio/version.hpp>
#include <mio/waker.hpp>
