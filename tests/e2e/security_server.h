#pragma once
// The real server for the security tests: like ServerProcess, but logging at debug level into a
// file the test reads (to grep it for secrets), and with its pid (to read its limits).

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace keyledger::testing {

class LoggedServer {
  public:
    // Starts `keyledger --log-level debug serve --listen 127.0.0.1:0 ...args`, stderr into
    // `log_path` (appended, so restarts share one log), and waits for its "listening" line.
    LoggedServer(const std::vector<std::string>& args, std::filesystem::path log_path);
    ~LoggedServer();
    LoggedServer(const LoggedServer&) = delete;
    LoggedServer& operator=(const LoggedServer&) = delete;

    bool started() const { return port_ != 0; }
    unsigned short port() const { return port_; }
    pid_t pid() const { return pid_; }
    const std::string& startup_error() const { return error_; }
    // SIGTERM and wait; the exit code.
    int stop();

  private:
    pid_t pid_ = -1;
    unsigned short port_ = 0;
    std::string error_;
};

// The whole content of a file ("" if it cannot be read).
std::string read_file(const std::filesystem::path& path);

}  // namespace keyledger::testing
