#include "tests/e2e/security_server.h"

#include "tests/e2e/server_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>

#ifndef KEYLEDGER_BINARY
#error "KEYLEDGER_BINARY must name the keyledger executable"
#endif

namespace keyledger::testing {

LoggedServer::LoggedServer(const std::vector<std::string>& args, std::filesystem::path log_path) {
    std::vector<std::string> full{KEYLEDGER_BINARY, "--log-level", "debug",
                                  "serve",          "--listen",    "127.0.0.1:0"};
    full.insert(full.end(), args.begin(), args.end());
    int out_pipe[2];
    if (pipe(out_pipe) != 0) {
        error_ = "pipe failed";
        return;
    }
    pid_ = fork();
    if (pid_ == 0) {
        dup2(out_pipe[1], 1);
        const int err = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
        dup2(err, 2);
        close(out_pipe[0]);
        std::vector<char*> argv;
        for (auto& arg : full) {
            argv.push_back(arg.data());
        }
        argv.push_back(nullptr);
        execv(argv[0], argv.data());
        _exit(127);
    }
    close(out_pipe[1]);
    std::string line;
    const auto port = read_listening_port(out_pipe[0], line);
    close(out_pipe[0]);
    if (port) {
        port_ = *port;
        return;
    }
    error_ = "server did not start: " + line + read_file(log_path);
    stop();
}

int LoggedServer::stop() {
    return terminate_and_wait(pid_);
}

LoggedServer::~LoggedServer() {
    stop();
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace keyledger::testing
