#include "cli/daemon.hpp"

#include <iostream>

namespace app {

void print_error(const std::exception& error) {
    std::cerr << "error: " << error.what() << std::endl;
}

int print_config(const toml::table& config) {
    std::cout << config << std::endl;
    return kExitOk;
}

int print_config_ok() {
    std::cout << "configuration OK" << std::endl;
    return kExitOk;
}

}  // namespace app
