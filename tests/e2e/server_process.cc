#include "tests/e2e/server_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <random>
#include <sstream>

#ifndef KEYLEDGER_BINARY
#error "KEYLEDGER_BINARY must name the keyledger executable"
#endif

namespace keyledger::testing {

int terminate_and_wait(pid_t& pid) {
    if (pid <= 0) {
        return -1;
    }
    ::kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
    pid = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::optional<unsigned short> read_listening_port(int fd, std::string& line) {
    // The server prints "listening on 127.0.0.1:<port>" once it accepts connections.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
        pollfd pfd{fd, POLLIN, 0};
        if (poll(&pfd, 1, 200) > 0) {
            char buffer[256];
            const ssize_t n = read(fd, buffer, sizeof buffer);
            if (n <= 0) {
                break;
            }
            line.append(buffer, static_cast<std::size_t>(n));
        }
    }
    const auto colon = line.rfind(':');
    if (line.rfind("listening on ", 0) != 0 || colon == std::string::npos) {
        return std::nullopt;
    }
    return static_cast<unsigned short>(std::stoi(line.substr(colon + 1)));
}
namespace {

std::vector<char*> argv_of(std::vector<std::string>& args) {
    std::vector<char*> argv;
    for (auto& arg : args) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    return argv;
}

std::filesystem::path temp_file(const char* stem) {
    std::random_device rd;
    return std::filesystem::temp_directory_path() /
           (std::string(stem) + std::to_string(rd()) + ".log");
}

// Starts the binary with stdout on a pipe (returned) and stderr into `err_path`.
struct Spawned {
    pid_t pid = -1;
    int stdout_fd = -1;
};
Spawned spawn(std::vector<std::string> full, const std::filesystem::path& err_path) {
    int out_pipe[2];
    if (pipe(out_pipe) != 0) {
        return {};
    }
    const pid_t pid = fork();
    if (pid == 0) {
        dup2(out_pipe[1], 1);
        const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(err, 2);
        close(out_pipe[0]);
        auto argv = argv_of(full);
        execv(argv[0], argv.data());
        _exit(127);
    }
    close(out_pipe[1]);
    return Spawned{pid, out_pipe[0]};
}

}  // namespace

CommandResult run_keyledger(const std::vector<std::string>& args,
                            std::chrono::milliseconds timeout) {
    std::vector<std::string> full{KEYLEDGER_BINARY};
    full.insert(full.end(), args.begin(), args.end());
    const auto err_path = temp_file("keyledger-cmd-");
    const Spawned child = spawn(full, err_path);
    if (child.pid < 0) {
        return {};
    }
    const pid_t pid = child.pid;
    const int out_pipe[2] = {child.stdout_fd, -1};
    CommandResult result;
    // Reads stdout until the command closes it, or kills the command once the timeout passes.
    bool timed_out = false;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            timed_out = true;
            ::kill(pid, SIGKILL);
            break;
        }
        pollfd pfd{out_pipe[0], POLLIN, 0};
        const int ready =
            poll(&pfd, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 200)));
        if (ready <= 0) {
            continue;
        }
        char buffer[4096];
        const ssize_t n = read(out_pipe[0], buffer, sizeof buffer);
        if (n <= 0) {
            break;
        }
        result.out.append(buffer, static_cast<std::size_t>(n));
    }
    close(out_pipe[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    result.exit_code = !timed_out && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream err(err_path);
    std::stringstream text;
    text << err.rdbuf();
    result.err = text.str();
    std::filesystem::remove(err_path);
    if (timed_out) {
        result.err += "(killed: still running after " + std::to_string(timeout.count()) + " ms)";
    }
    return result;
}

ServerProcess::ServerProcess(const std::vector<std::string>& args) {
    std::vector<std::string> full{KEYLEDGER_BINARY, "--log-level", "warn",
                                  "serve",          "--listen",    "127.0.0.1:0"};
    full.insert(full.end(), args.begin(), args.end());
    stderr_path_ = temp_file("keyledger-serve-");
    const Spawned child = spawn(full, stderr_path_);
    if (child.pid < 0) {
        error_ = "cannot start " + full.front();
        return;
    }
    pid_ = child.pid;
    const int out_pipe[2] = {child.stdout_fd, -1};
    std::string line;
    const auto port = read_listening_port(out_pipe[0], line);
    close(out_pipe[0]);
    if (port) {
        port_ = *port;
        return;
    }
    std::ifstream err(stderr_path_);
    std::stringstream text;
    text << err.rdbuf();
    error_ = "server did not start: " + line + text.str();
    stop();
}

int ServerProcess::stop() {
    return terminate_and_wait(pid_);
}

void ServerProcess::kill_hard() {
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        waitpid(pid_, &status, 0);
        pid_ = -1;
    }
}

ServerProcess::~ServerProcess() {
    stop();
    std::error_code ec;
    std::filesystem::remove(stderr_path_, ec);
}

}  // namespace keyledger::testing
