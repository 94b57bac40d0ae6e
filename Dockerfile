# Builds libpoll on Debian 12 and runs the main job. Build: docker build -t libpoll .
# Run:   docker run --rm -p 9000:9000 libpoll
FROM debian:bookworm-slim AS build
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends \
        build-essential cmake libcli11-dev libspdlog-dev libfmt-dev libtomlplusplus-dev catch2 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake --preset release -DLIBPOLL_BUILD_TESTS=OFF && cmake --build --preset release -j

FROM debian:bookworm-slim
COPY --from=build /src/build/release/libpoll/examples/tcp_echo_server /usr/local/bin/
USER nobody
EXPOSE 9000
ENTRYPOINT ["/usr/local/bin/tcp_echo_server", "0.0.0.0:9000"]
