#include "sim/report/report.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <tuple>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "domain/instant.h"
#include "sim/engine/sim_password.h"
#include "sim/report/svg.h"
#include "sim/scenario/scenario_file.h"

namespace keyledger::sim {
namespace {

constexpr double kDayMs = 86'400'000.0;

std::expected<void, std::string> write_file(const std::filesystem::path& file,
                                            const std::string& text) {
    std::ofstream out(file, std::ios::trunc | std::ios::binary);
    out << text;
    out.flush();
    if (!out) {
        return std::unexpected("cannot write " + file.string());
    }
    return {};
}

std::set<std::string> refusal_reasons(const RunResult& result) {
    std::set<std::string> reasons;
    for (const auto& day : result.days) {
        for (const auto& [reason, count] : day.calls) {
            if (reason != "accepted") {
                reasons.insert(reason);
            }
        }
    }
    return reasons;
}

std::string two(double value) {
    return fmt::format("{:.2f}", value);
}

}  // namespace

Totals totals_of(const RunResult& result) {
    Totals t;
    for (const auto& day : result.days) {
        for (const auto& [reason, count] : day.calls) {
            (reason == "accepted" ? t.calls_accepted : t.calls_refused) += count;
        }
        t.gone_inactive += day.went_inactive;
        t.deletions_blocked += day.deletions_blocked;
    }
    for (const auto& incident : result.incidents) {
        const double days =
            static_cast<double>((incident.to == 0 ? result.end : incident.to) - incident.from) /
            kDayMs;
        t.broken_webhook_days += days;
        t.longest_break_days = std::max(t.longest_break_days, days);
    }
    t.incidents = result.incidents.size();
    return t;
}

std::expected<void, std::string> write_report(const std::filesystem::path& dir,
                                              const RunDescription& what, const RunResult& result) {
    const Totals t = totals_of(result);
    std::map<std::string, std::uint64_t> calls, management;
    std::uint64_t deletions = 0, reactivations = 0, repairs = 0, replayed = 0;
    for (const auto& day : result.days) {
        for (const auto& [k, v] : day.calls) {
            calls[k] += v;
        }
        for (const auto& [k, v] : day.management) {
            management[k] += v;
        }
        deletions += day.deletions;
        reactivations += day.reactivations;
        repairs += day.repairs;
        replayed += day.replayed;
    }
    const double days = static_cast<double>(std::max<std::size_t>(1, result.days.size()));

    nlohmann::ordered_json j;
    j["seed"] = what.seed;
    j["preset"] = what.preset;
    j["policy"] = what.policy;
    j["days"] = result.days.size();
    j["from"] = domain::format_instant(result.start);
    j["to"] = domain::format_instant(result.end);
    j["accounts"] = result.accounts;
    j["webhooks"] = result.webhooks;
    j["password_cost"] = kSimPasswordCost;
    j["steps"] = result.steps;
    j["steps_compared_with_the_model"] = result.compared;
    j["boundary_probes"] = result.probes;
    j["calls"] = result.calls;
    j["calls_per_day"] = two(static_cast<double>(result.calls) / days);
    j["calls_by_result"] = calls;
    j["repeated_deliveries_answered_from_record"] = replayed;
    j["management_by_result"] = management;
    j["broken_webhook_incidents"] = t.incidents;
    j["broken_webhook_days"] = two(t.broken_webhook_days);
    j["longest_break_days"] = two(t.longest_break_days);
    j["accounts_gone_inactive"] = t.gone_inactive;
    j["deletions_blocked"] = t.deletions_blocked;
    j["deletions"] = deletions;
    j["reactivations"] = reactivations;
    j["repairs"] = repairs;
    nlohmann::json faults = nlohmann::json::array();
    for (const auto& f : result.faults) {
        faults.push_back({{"killed_at_step", f.crash_at},
                          {"acknowledged_position", f.acked_position},
                          {"head_after_reopen", f.head_after},
                          {"steps_found_in_log", f.recovered_steps},
                          {"acknowledged_events_intact", f.acked_intact},
                          {"projections_equal_rebuild", f.rebuild_equal}});
    }
    j["faults"] = faults;
    // The longest breaks first (then by start and webhook), at most 100.
    std::vector<Incident> incidents = result.incidents;
    auto length = [&](const Incident& i) { return (i.to == 0 ? result.end : i.to) - i.from; };
    std::sort(incidents.begin(), incidents.end(), [&](const Incident& a, const Incident& b) {
        return std::tuple(-length(a), a.from, a.webhook) <
               std::tuple(-length(b), b.from, b.webhook);
    });
    nlohmann::json breaks = nlohmann::json::array();
    for (std::size_t i = 0; i < std::min<std::size_t>(100, incidents.size()); ++i) {
        const Incident& b = incidents[i];
        breaks.push_back({{"webhook", b.webhook},
                          {"reason", b.reason},
                          {"from", domain::format_instant(b.from)},
                          {"to", b.to == 0 ? "still broken" : domain::format_instant(b.to)},
                          {"days", two(static_cast<double>(length(b)) / kDayMs)}});
    }
    j["longest_breaks"] = breaks;
    j["model_agrees"] = !result.disagreement.has_value();
    if (result.disagreement) {
        j["disagreement"] = {{"step", result.disagreement->index},
                             {"line", step_to_json(result.disagreement->step)},
                             {"engine", outcome_to_json(result.disagreement->engine)},
                             {"model", outcome_to_json(result.disagreement->model)}};
    }
    j["log_head_position"] = result.head_position;
    j["log_head_hash"] = result.head_hash;
    if (auto w = write_file(dir / "summary.json", j.dump(2) + "\n"); !w) {
        return w;
    }

    std::string text = fmt::format(
        "keyledger simulation: {} (policy {}), seed {}, {} days from {}\n"
        "{} accounts, {} webhooks; {} steps, {} webhook calls ({} a day)\n"
        "password hashing: {}\n\n",
        what.preset, what.policy, what.seed, result.days.size(),
        domain::format_instant(result.start), result.accounts, result.webhooks, result.steps,
        result.calls, two(static_cast<double>(result.calls) / days), kSimPasswordCost);
    text += "webhook calls by result:\n";
    for (const auto& [k, v] : calls) {
        text += fmt::format("  {:<22} {}\n", k, v);
    }
    text += fmt::format("  (of the accepted, repeated deliveries given the first answer: {})\n",
                        replayed);
    text += "management requests by result:\n";
    for (const auto& [k, v] : management) {
        text += fmt::format("  {:<22} {}\n", k, v);
    }
    text += fmt::format(
        "\nwebhooks broken: {} times, {} webhook-days in all, the longest {} days\n"
        "accounts gone inactive: {}\ndeletions blocked by live tokens: {} (deletions done: {})\n"
        "reactivations: {}, repairs: {}\n",
        t.incidents, two(t.broken_webhook_days), two(t.longest_break_days), t.gone_inactive,
        t.deletions_blocked, deletions, reactivations, repairs);
    for (const auto& f : result.faults) {
        text += fmt::format(
            "crash at step {}: acknowledged position {} {}, head {} after reopening, {} steps of "
            "the lost batch found in the log, projections {} a rebuild\n",
            f.crash_at, f.acked_position, f.acked_intact ? "intact" : "LOST", f.head_after,
            f.recovered_steps, f.rebuild_equal ? "equal" : "DIFFER FROM");
    }
    text += fmt::format("\nengine and model: {} ({} steps compared, {} boundary probes)\n",
                        result.disagreement ? "DISAGREE" : "agree", result.compared, result.probes);
    text +=
        fmt::format("event log: {} events, head hash {}\n", result.head_position, result.head_hash);
    if (auto w = write_file(dir / "summary.txt", text); !w) {
        return w;
    }

    const std::set<std::string> reasons = refusal_reasons(result);
    std::string csv = "day,calls_accepted";
    for (const auto& r : reasons) {
        csv += ",refused_" + r;
    }
    csv +=
        ",broken_webhooks,inactive_accounts,went_inactive,deletions_blocked,deletions,"
        "reactivations,repairs\n";
    Chart refusals{"Refused webhook calls per day, by reason", "day", "calls", {}};
    Chart broken{
        "Broken webhooks at the end of each day", "day", "webhooks", {{"broken webhooks", {}}}};
    for (const auto& r : reasons) {
        refusals.series.push_back({r, {}});
    }
    for (std::size_t d = 0; d < result.days.size(); ++d) {
        const DayCounts& day = result.days[d];
        auto count = [&](const std::string& key) {
            auto it = day.calls.find(key);
            return it == day.calls.end() ? std::uint64_t{0} : it->second;
        };
        csv += fmt::format("{},{}", d + 1, count("accepted"));
        std::size_t k = 0;
        for (const auto& r : reasons) {
            csv += fmt::format(",{}", count(r));
            refusals.series[k++].values.push_back(static_cast<double>(count(r)));
        }
        csv += fmt::format(",{},{},{},{},{},{},{}\n", day.broken_webhooks, day.inactive_accounts,
                           day.went_inactive, day.deletions_blocked, day.deletions,
                           day.reactivations, day.repairs);
        broken.series[0].values.push_back(static_cast<double>(day.broken_webhooks));
    }
    if (auto w = write_file(dir / "timeseries.csv", csv); !w) {
        return w;
    }
    if (auto w = write_file(dir / "refusals.svg", render_svg(refusals)); !w) {
        return w;
    }
    return write_file(dir / "broken.svg", render_svg(broken));
}

std::expected<void, std::string> write_comparison(const std::filesystem::path& dir,
                                                  const RunResult& personal,
                                                  const RunResult& service) {
    const Totals p = totals_of(personal), s = totals_of(service);
    nlohmann::ordered_json j;
    auto side = [](const Totals& t) {
        return nlohmann::ordered_json{{"broken_webhook_days", two(t.broken_webhook_days)},
                                      {"broken_webhook_incidents", t.incidents},
                                      {"longest_break_days", two(t.longest_break_days)},
                                      {"calls_refused", t.calls_refused},
                                      {"accounts_gone_inactive", t.gone_inactive},
                                      {"deletions_blocked", t.deletions_blocked}};
    };
    j["tokens_on_personal_accounts"] = side(p);
    j["tokens_on_service_accounts"] = side(s);
    if (auto w = write_file(dir / "compare.json", j.dump(2) + "\n"); !w) {
        return w;
    }
    std::string text =
        fmt::format("{:<28} {:>18} {:>18}\n", "", "personal accounts", "service accounts");
    auto row = [&](const std::string& name, const std::string& a, const std::string& b) {
        text += fmt::format("{:<28} {:>18} {:>18}\n", name, a, b);
    };
    row("broken webhook-days", two(p.broken_webhook_days), two(s.broken_webhook_days));
    row("times a webhook broke", std::to_string(p.incidents), std::to_string(s.incidents));
    row("longest break (days)", two(p.longest_break_days), two(s.longest_break_days));
    row("refused calls", std::to_string(p.calls_refused), std::to_string(s.calls_refused));
    row("deletions blocked", std::to_string(p.deletions_blocked),
        std::to_string(s.deletions_blocked));
    if (auto w = write_file(dir / "compare.txt", text); !w) {
        return w;
    }
    Chart chart{"Broken webhooks per day: tokens on personal vs service accounts",
                "day",
                "webhooks",
                {{"personal accounts", {}}, {"service accounts", {}}}};
    for (const auto& day : personal.days) {
        chart.series[0].values.push_back(static_cast<double>(day.broken_webhooks));
    }
    for (const auto& day : service.days) {
        chart.series[1].values.push_back(static_cast<double>(day.broken_webhooks));
    }
    return write_file(dir / "compare.svg", render_svg(chart));
}

}  // namespace keyledger::sim
