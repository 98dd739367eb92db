#include "app/history_checker.h"

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>

#include "api/log.h"
#include "engine/history_check.h"

namespace keyledger::app {

namespace {

// Below the decider and the I/O threads: the check may take a while on a long log, and live
// traffic comes first.
constexpr int kNiceness = 10;

}  // namespace

HistoryChecker::HistoryChecker(engine::Engine& engine) : engine_(engine) {
    const std::uint64_t upto = engine.start_position();
    if (upto == 0) {
        return;  // start-up folded, and checked, the whole log
    }
    thread_ = std::thread([this, upto, anchor = engine.start_anchor()] { run(upto, anchor); });
}

HistoryChecker::~HistoryChecker() {
    stop();
}

void HistoryChecker::stop() {
    stopping_ = true;
    if (thread_.joinable()) {
        thread_.join();
    }
}

void HistoryChecker::run(std::uint64_t upto, eventstore::Hash anchor) {
    setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kNiceness);
    const auto started = std::chrono::steady_clock::now();
    api::log_line(spdlog::level::info, "history_check_started", {{"events", upto}});
    auto result =
        engine::check_history(engine_.store(), upto, anchor, [this] { return !stopping_.load(); });
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (stopping_) {
        return;
    }
    if (!result) {
        api::log_line(spdlog::level::warn, "history_check_failed",
                      {{"message", result.error()}, {"seconds", seconds}});
        return;
    }
    if (*result) {
        const engine::HistoryDamage& damage = **result;
        engine_.report_history_damage(damage.position, damage.reason);
        api::log_line(spdlog::level::err, "history_damaged",
                      {{"first_bad_position", damage.position},
                       {"reason", damage.reason},
                       {"seconds", seconds}});
        return;
    }
    engine_.report_history_intact(upto);
    api::log_line(spdlog::level::info, "history_checked", {{"events", upto}, {"seconds", seconds}});
}

}  // namespace keyledger::app
