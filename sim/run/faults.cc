#include "sim/run/faults.h"

#include <csignal>
#include <cstdio>
#include <iostream>

#include <sys/wait.h>
#include <unistd.h>

#include "sim/world/rng.h"

namespace keyledger::sim {

std::vector<std::uint64_t> crash_points(std::uint64_t seed, int count) {
    Rng rng(seed ^ 0xfa17fa17fa17fa17ULL);
    std::vector<std::uint64_t> points;
    std::uint64_t at = 0;
    for (int i = 0; i < count; ++i) {
        at += static_cast<std::uint64_t>(rng.between(100, 600));
        points.push_back(at);
    }
    return points;
}

int run_in_children(const std::function<int()>& segment, int max_kills) {
    for (int kills = 0; kills <= max_kills; ++kills) {
        std::cout.flush();
        std::fflush(nullptr);
        const pid_t child = fork();
        if (child < 0) {
            std::perror("keyledger sim: fork");
            return 1;
        }
        if (child == 0) {
            const int code = segment();
            std::cout.flush();
            std::fflush(nullptr);
            _exit(code);
        }
        int status = 0;
        if (waitpid(child, &status, 0) != child) {
            std::perror("keyledger sim: waitpid");
            return 1;
        }
        if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
            std::cout << "keyledger sim: the store's process was killed (SIGKILL); reopening\n";
            continue;
        }
        return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
    }
    std::cerr << "keyledger sim: killed more often than the crash points allow\n";
    return 1;
}

}  // namespace keyledger::sim
