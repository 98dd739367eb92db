#pragma once
// The report of a run, written to its output directory: summary.json and summary.txt (calls
// accepted and refused by reason, webhooks broken and for how long, accounts gone inactive,
// deletions blocked, the log's head hash), timeseries.csv (one row a day), refusals.svg and
// broken.svg. Nothing in them depends on the wall clock, so the same run writes the same bytes.

#include <expected>
#include <filesystem>
#include <string>

#include "sim/run/runner.h"

namespace keyledger::sim {

struct RunDescription {
    std::uint64_t seed = 0;
    std::string preset;  // or the scenario file
    int days = 0;
    std::string policy;
};

struct Totals {
    std::uint64_t calls_accepted = 0, calls_refused = 0;
    double broken_webhook_days = 0, longest_break_days = 0;
    std::uint64_t incidents = 0, gone_inactive = 0, deletions_blocked = 0;
};
Totals totals_of(const RunResult& result);

[[nodiscard]] std::expected<void, std::string> write_report(const std::filesystem::path& dir,
                                                            const RunDescription& what,
                                                            const RunResult& result);

// --compare-policy: the two runs side by side (compare.json, compare.txt, compare.svg).
[[nodiscard]] std::expected<void, std::string> write_comparison(const std::filesystem::path& dir,
                                                                const RunResult& personal,
                                                                const RunResult& service);

}  // namespace keyledger::sim
