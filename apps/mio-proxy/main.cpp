// mio-proxy: a single-threaded TCP layer-4 proxy and load balancer on libpoll.
#include <mio/version.hpp>

#include "cli/daemon.hpp"
#include "proxy_config.hpp"
#include "proxy_server.hpp"

int main(int argc, char** argv) {
    app::DaemonSpec<app::ProxyConfig> spec;
    spec.name = "mio-proxy";
    spec.version = std::string(mio::version());
    spec.description = "mio-proxy: TCP and UDP layer-4 proxy and load balancer";
    spec.default_config_path = "/etc/mio-proxy/mio-proxy.toml";
    spec.config_env_var = "MIO_PROXY_CONFIG";
    spec.parse = app::parse_proxy_config;
    spec.to_toml = app::proxy_config_to_toml;
    spec.serve = [](app::ProxyConfig config, const app::CliOptions&,
                    app::ReloadFn<app::ProxyConfig> reload) {
        return app::serve_daemon<app::ProxyServer>(std::move(config), std::move(reload));
    };
    return app::run_daemon(argc, argv, spec);
}
