#pragma once
// The real `keyledger` binary as a child process: one-shot commands, and a server on
// 127.0.0.1 with a port the kernel picks, stopped with SIGTERM.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace keyledger::testing {

struct CommandResult {
    int exit_code = -1;
    std::string out;
    std::string err;
};

// Runs the binary with `args` to completion; a run that outlives `timeout` (a command that
// should have failed but serves instead, say) is killed and gets exit_code -1.
// Sends SIGTERM to `pid` (when > 0), waits for it and sets it to -1; its exit code, or -1 when
// it did not exit normally.
int terminate_and_wait(pid_t& pid);

// Reads the server's first stdout line from `fd` (kept in `line`) for up to a minute; the port of
// its "listening on HOST:PORT" line, or nullopt if it never said so.
std::optional<unsigned short> read_listening_port(int fd, std::string& line);

CommandResult run_keyledger(const std::vector<std::string>& args,
                            std::chrono::milliseconds timeout = std::chrono::seconds(120));

class ServerProcess {
  public:
    // Starts `keyledger serve --listen 127.0.0.1:0 ...args` and waits for its "listening" line.
    explicit ServerProcess(const std::vector<std::string>& args);
    ~ServerProcess();
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    bool started() const { return port_ != 0; }
    unsigned short port() const { return port_; }
    const std::string& startup_error() const { return error_; }
    // SIGTERM and wait; the exit code.
    int stop();
    // SIGKILL: no shutdown at all, as a crash.
    void kill_hard();

  private:
    pid_t pid_ = -1;
    unsigned short port_ = 0;
    std::string error_;
    std::filesystem::path stderr_path_;
};

}  // namespace keyledger::testing
