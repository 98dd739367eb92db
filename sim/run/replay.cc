#include "sim/run/replay.h"

#include <algorithm>

#include "sim/engine/engine_driver.h"

namespace keyledger::sim {

ReplayResult replay_steps(const std::vector<Step>& steps, const model::Flaws& flaws,
                          const std::filesystem::path& dir, bool sync) {
    ReplayResult result;
    model::Model model(flaws);
    for (const auto& step : steps) {
        result.model.push_back(model.apply(step));
    }
    auto driver = EngineDriver::open(dir, DriverOptions{.create = true, .sync = sync});
    if (!driver) {
        result.error = driver.error();
        return result;
    }
    auto outcomes = (*driver)->run(steps, 0);
    if (!outcomes) {
        result.error = outcomes.error();
        return result;
    }
    result.engine = std::move(*outcomes);
    for (std::size_t i = 0; i < steps.size(); ++i) {
        if (!(result.engine[i] == result.model[i])) {
            result.first_disagreement = i;
            break;
        }
    }
    result.head_position = (*driver)->head_position();
    result.head_hash = (*driver)->head_hash_hex();
    return result;
}

std::vector<Step> shrink(const std::vector<Step>& steps, const model::Flaws& flaws,
                         const std::filesystem::path& scratch, ShrinkStats* stats,
                         std::size_t max_tests) {
    std::size_t tests = 0;
    // A scenario begins with init: it stays, and the steps after it are shrunk.
    const bool keep_init = !steps.empty() && steps.front().op == Op::init;
    auto disagrees = [&](const std::vector<Step>& candidate) {
        const auto dir = scratch / ("shrink-" + std::to_string(tests++));
        std::vector<Step> whole;
        if (keep_init) {
            whole.push_back(steps.front());
        }
        whole.insert(whole.end(), candidate.begin(), candidate.end());
        ReplayResult replayed = replay_steps(whole, flaws, dir, false);
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
        return replayed.error.empty() && replayed.first_disagreement.has_value();
    };
    std::vector<Step> current = steps;
    // Nothing after the first disagreement is needed to show it.
    {
        const auto dir = scratch / ("shrink-" + std::to_string(tests++));
        ReplayResult replayed = replay_steps(current, flaws, dir, false);
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
        if (replayed.first_disagreement) {
            current.resize(*replayed.first_disagreement + 1);
        }
    }
    if (keep_init) {
        current.erase(current.begin());
    }
    std::size_t chunks = 2;
    while (current.size() >= 2 && tests < max_tests) {
        const std::size_t size = current.size();
        const std::size_t chunk = (size + chunks - 1) / chunks;
        bool reduced = false;
        for (std::size_t begin = 0; begin < size && tests < max_tests; begin += chunk) {
            std::vector<Step> complement(current.begin(), current.begin() + begin);
            complement.insert(complement.end(), current.begin() + std::min(size, begin + chunk),
                              current.end());
            if ((keep_init || !complement.empty()) && disagrees(complement)) {
                current = std::move(complement);
                chunks = std::max<std::size_t>(chunks - 1, 2);
                reduced = true;
                break;
            }
        }
        if (!reduced) {
            if (chunks >= size) {
                break;
            }
            chunks = std::min(size, chunks * 2);
        }
    }
    if (stats != nullptr) {
        stats->tests = tests;
    }
    if (keep_init) {
        current.insert(current.begin(), steps.front());
    }
    return current;
}

}  // namespace keyledger::sim
