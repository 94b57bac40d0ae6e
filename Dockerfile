# mio-echo and mio-proxy in one image. The command chooses the daemon:
#   build:  docker build -t libpoll .            (podman: add --format docker for HEALTHCHECK)
#   echo:   docker run --rm -p 7007:7007 -p 7007:7007/udp -p 9901:9901 libpoll
#   proxy:  docker run --rm -v "$PWD/proxy.toml:/etc/mio-proxy/mio-proxy.toml:ro" -p 7100:7100 \
#             libpoll mio-proxy -c /etc/mio-proxy/mio-proxy.toml
# Build stage: Debian 12 with the packages that scripts/install-deps.sh --build lists and the
# CMake preset that CI tests (epoll), so the image holds what CI tested. BASE_IMAGE lets a
# machine without a registry use a local Debian 12 image (scripts/test-docker.sh makes one).
ARG BASE_IMAGE=debian:bookworm
FROM ${BASE_IMAGE} AS build
COPY scripts/install-deps.sh /src/scripts/install-deps.sh
RUN /src/scripts/install-deps.sh --build && rm -rf /var/lib/apt/lists/*
COPY . /src
WORKDIR /src
RUN cmake --preset epoll -DLIBPOLL_BUILD_TESTS=OFF -DLIBPOLL_BUILD_BENCH=OFF >/dev/null \
    && cmake --build --preset epoll -j "$(nproc)" --target mio-echo mio-proxy
# The runtime root: the two stripped binaries, the shared libraries they load (as ldd lists
# them, nothing else), the shipped configs, and a passwd entry for the unprivileged user.
RUN set -eu; root=/rootfs; \
    mkdir -p "$root/usr/local/bin" "$root/etc/mio-echo" "$root/etc/mio-proxy" "$root/tmp"; \
    chmod 1777 "$root/tmp"; \
    for d in mio-echo mio-proxy; do \
        strip -o "$root/usr/local/bin/$d" "build/epoll/apps/$d"; \
        cp "config/$d.toml" "$root/etc/$d/$d.toml"; \
    done; \
    ldd "$root/usr/local/bin/mio-echo" "$root/usr/local/bin/mio-proxy" \
        | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// && $2 ~ /^\(0x/ { print $1 }' | sort -u \
        | while read -r lib; do cp -L --parents "$lib" "$root/"; done; \
    printf 'root:x:0:0::/:/nonexistent\nmio:x:10001:10001::/:/nonexistent\n' > "$root/etc/passwd"; \
    printf 'root:x:0:\nmio:x:10001:\n' > "$root/etc/group"

# No shell, no package manager: a daemon that is PID 1 and handles its own signals (SIGTERM
# drains, SIGHUP reloads, SIGUSR1 reopens logs), and its libraries.
FROM scratch
COPY --from=build /rootfs/ /
USER 10001:10001
EXPOSE 7007/tcp 7007/udp 9901/tcp
# SIGTERM drains: keep runtime.drain_timeout below the engine's stop timeout
# (`docker stop -t`, podman's --stop-timeout, Kubernetes' terminationGracePeriodSeconds).
STOPSIGNAL SIGTERM
# The daemon probes its own admin endpoint (GET /healthz). A container whose admin endpoint
# is elsewhere sets MIO_HEALTH_ADDR (e.g. -e MIO_HEALTH_ADDR=127.0.0.1:9902).
ENV MIO_HEALTH_ADDR=127.0.0.1:9901
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["/usr/local/bin/mio-echo", "--health"]
ENV PATH=/usr/local/bin
# The shipped configs bind loopback only (right for a bare-metal host); in a container the
# default command re-binds mio-echo's listeners and admin endpoint on all interfaces, and
# logs JSON lines to stderr.
CMD ["mio-echo", "-c", "/etc/mio-echo/mio-echo.toml", \
     "--set", "listeners.echo-tcp.bind=0.0.0.0:7007", \
     "--set", "listeners.echo-udp.bind=0.0.0.0:7007", \
     "--set", "admin.listen=0.0.0.0:9901", "--log-format", "json"]
