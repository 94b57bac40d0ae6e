# mio-echo (and mio-proxy) on Debian 12. Build: docker build -t mio-echo .
# mio-proxy: docker run --rm --entrypoint mio-proxy mio-echo -c /etc/mio-proxy/mio-proxy.toml
# Run:   docker run --rm -p 7007:7007 -p 7007:7007/udp -p 9901:9901 mio-echo
# The shipped config binds loopback only; inside the container the command line below
# re-binds the listeners and the admin endpoint on all interfaces.
FROM debian:bookworm-slim AS build
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends \
        build-essential cmake libcli11-dev libspdlog-dev libfmt-dev libtomlplusplus-dev catch2 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake --preset release -DLIBPOLL_BUILD_TESTS=OFF -DLIBPOLL_BUILD_BENCH=OFF \
    && cmake --build --preset release -j --target mio-echo mio-proxy

FROM debian:bookworm-slim
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends libspdlog1.10 libfmt9 libtomlplusplus3 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/release/apps/mio-echo /src/build/release/apps/mio-proxy /usr/local/bin/
COPY config/mio-echo.toml /etc/mio-echo/mio-echo.toml
COPY config/mio-proxy.toml /etc/mio-proxy/mio-proxy.toml
USER nobody
EXPOSE 7007/tcp 7007/udp 9901/tcp
# SIGTERM drains gracefully; keep runtime.drain_timeout below `docker stop -t`.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/mio-echo", "-c", "/etc/mio-echo/mio-echo.toml"]
CMD ["--set", "listeners.echo-tcp.bind=0.0.0.0:7007", "--set", "listeners.echo-udp.bind=0.0.0.0:7007", \
     "--set", "admin.listen=0.0.0.0:9901", "--log-format", "json"]
