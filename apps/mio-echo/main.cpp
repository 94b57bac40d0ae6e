// mio-echo: an RFC 862 echo (and discard/chargen/info) daemon over TCP, UDP and Unix sockets.
#include <mio/version.hpp>

#include "cli/daemon.hpp"
#include "echo_config.hpp"
#include "echo_server.hpp"

int main(int argc, char** argv) {
    app::DaemonSpec<app::EchoConfig> spec;
    spec.name = "mio-echo";
    spec.version = std::string(mio::version());
    spec.description =
        "mio-echo: echo, discard, chargen and info service over TCP, UDP and Unix sockets";
    spec.default_config_path = "/etc/mio-echo/mio-echo.toml";
    spec.config_env_var = "MIO_ECHO_CONFIG";
    spec.parse = app::parse_echo_config;
    spec.to_toml = app::echo_config_to_toml;
    spec.serve = [](app::EchoConfig config, const app::CliOptions&,
                    app::ReloadFn<app::EchoConfig> reload) {
        return app::serve_daemon<app::EchoServer>(std::move(config), std::move(reload));
    };
    return app::run_daemon(argc, argv, spec);
}
