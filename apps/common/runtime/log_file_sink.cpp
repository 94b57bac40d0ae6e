#include "runtime/log_file_sink.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

namespace app {
namespace {

std::FILE* open_append(const std::string& path) {
    return std::fopen(path.c_str(), "ae");  // "e": O_CLOEXEC (glibc)
}

}  // namespace

ReopenableFileSink::ReopenableFileSink(std::string path) : path_(std::move(path)) {
    file_ = open_append(path_);
    if (file_ == nullptr) {
        throw std::invalid_argument(
            fmt::format("cannot open log file '{}': {}", path_, std::strerror(errno)));
    }
}

ReopenableFileSink::~ReopenableFileSink() {
    if (file_ != nullptr) std::fclose(file_);
}

void ReopenableFileSink::sink_it_(const spdlog::details::log_msg& msg) {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    std::fwrite(line.data(), 1, line.size(), file_);
    std::fflush(file_);
}

void ReopenableFileSink::flush_() {
    if (reopen_.exchange(false, std::memory_order_acq_rel)) reopen_now();
    std::fflush(file_);
}

void ReopenableFileSink::reopen_now() {
    std::FILE* fresh = open_append(path_);
    if (fresh == nullptr) {
        // Keep logging to the old file rather than losing lines; say so once per attempt.
        std::fprintf(stderr, "log: cannot reopen '%s': %s; keeping the old file\n", path_.c_str(),
                     std::strerror(errno));
        return;
    }
    std::fclose(file_);
    file_ = fresh;
}

}  // namespace app
