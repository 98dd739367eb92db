#include "sim/run/runner.h"

#include <fstream>
#include <map>
#include <queue>
#include <set>
#include <sstream>

#include "sim/engine/engine_driver.h"
#include "sim/run/replay.h"
#include "sim/scenario/scenario_file.h"

namespace keyledger::sim {
namespace {

namespace fs = std::filesystem;
constexpr std::int64_t kDay = 86'400'000;

// The world's steps with boundary probes merged in, in time order.
class Source {
  public:
    Source(const RunOptions& options, model::Model& model)
        : model_(model),
          world_(options.preset, options.policy, options.seed, kSimStart, options.days, model) {}

    World& world() { return world_; }

    std::optional<Step> next() {
        if (!peeked_) {
            peeked_ = world_.next();
        }
        const std::int64_t horizon = peeked_ ? peeked_->at : world_.end();
        // Once a simulated day, look for the boundaries that fall in the next one.
        while (scanned_until_ <= horizon && scanned_until_ < world_.end()) {
            scan(scanned_until_, scanned_until_ + kDay);
            scanned_until_ += kDay;
        }
        if (!probes_.empty() && probes_.top().first.first <= horizon) {
            Step probe = probes_.top().second;
            probes_.pop();
            return probe;
        }
        std::optional<Step> step = std::move(peeked_);
        peeked_.reset();
        return step;
    }

    void observe(const Step& step, const Outcome& outcome) {
        if (is_probe(step.op)) {
            return;
        }
        world_.observe(step, outcome);
        // A token's expiry is fixed when it is issued and a grace's end when the token is
        // rotated: their probes are queued then, rather than found by a daily scan of every token.
        const bool sets_boundary =
            step.op == Op::init || step.op == Op::issue_api_token || step.op == Op::rotate_token;
        if (sets_boundary && outcome.result == "accepted") {
            for (std::int64_t at :
                 {model_.token_expiry(step.token), model_.grace_end(step.token)}) {
                if (at != 0) {
                    probe_at(at, Op::probe_token, step.token, step.at);
                }
            }
        }
    }

  private:
    // Probes one ms before `at` and at `at`, those not before `not_before` and inside the run.
    void probe_at(std::int64_t at, Op op, const std::string& id, std::int64_t not_before) {
        for (std::int64_t t : {at - 1, at}) {
            if (t < not_before || t >= world_.end()) {
                continue;
            }
            Step probe;
            probe.at = t;
            probe.op = op;
            (op == Op::probe_account ? probe.user : probe.token) = id;
            probes_.push({{t, probe_seq_++}, probe});
        }
    }

    // Accounts whose inactivity instant falls in (from, to]: activity moves it all the time, so
    // it is looked for once a simulated day.
    void scan(std::int64_t from, std::int64_t to) {
        for (std::size_t i = 0; i < world_.account_count(); ++i) {
            const std::string& id = world_.account_id(i);
            if (model_.account_exists(id) && model_.account_status(id, from) != "deleted") {
                const std::int64_t at = model_.inactive_at(id);
                if (at > from && at <= to) {
                    probe_at(at, Op::probe_account, id, from);
                }
            }
        }
    }

    model::Model& model_;
    World world_;
    std::optional<Step> peeked_;
    std::int64_t scanned_until_ = kSimStart + kDay;
    std::uint64_t probe_seq_ = 0;
    using Probe = std::pair<std::pair<std::int64_t, std::uint64_t>, Step>;
    struct Later {
        bool operator()(const Probe& a, const Probe& b) const { return a.first > b.first; }
    };
    std::priority_queue<Probe, std::vector<Probe>, Later> probes_;
};

// The fault journal beside the store: what was acknowledged, where the process was killed, and
// what the next process found when it reopened the store.
struct Journal {
    std::uint64_t acked_position = 0;
    std::string acked_hash;
    std::set<std::uint64_t> crashes;
    std::vector<FaultRecord> faults;

    static Journal read(const fs::path& file) {
        Journal journal;
        std::ifstream in(file);
        std::string line;
        while (std::getline(in, line)) {
            std::istringstream words(line);
            std::string kind;
            words >> kind;
            if (kind == "ack") {
                words >> journal.acked_position >> journal.acked_hash;
            } else if (kind == "crash") {
                std::uint64_t at = 0;
                words >> at;
                journal.crashes.insert(at);
            } else if (kind == "fault") {
                FaultRecord f;
                int intact = 0, equal = 0;
                words >> f.crash_at >> f.acked_position >> f.head_after >> f.recovered_steps >>
                    intact >> equal;
                f.acked_intact = intact != 0;
                f.rebuild_equal = equal != 0;
                journal.faults.push_back(f);
            }
        }
        return journal;
    }
};

void append_line(const fs::path& file, const std::string& line) {
    std::ofstream out(file, std::ios::app);
    out << line << "\n";
    out.flush();
}

std::uint64_t step_index_of(const std::string& correlation_id) {
    return correlation_id.starts_with("sim-") ? std::stoull(correlation_id.substr(4)) : 0;
}

}  // namespace

std::vector<Step> regenerate_steps(const RunOptions& options, std::uint64_t last_index) {
    model::Model model(options.flaws);
    Source source(options, model);
    std::vector<Step> steps;
    for (std::uint64_t i = 0; i <= last_index; ++i) {
        auto step = source.next();
        if (!step) {
            break;
        }
        source.observe(*step, model.apply(*step));
        steps.push_back(std::move(*step));
    }
    return steps;
}

RunResult run_world(const RunOptions& options) {
    RunResult result;
    model::Model model(options.flaws);
    Source source(options, model);
    const fs::path journal_file = options.out / "faults.log";
    const bool faults = !options.crash_points.empty();

    std::error_code ec;
    const bool resume = fs::exists(options.out / "store", ec);
    auto opened = EngineDriver::open(
        options.out,
        DriverOptions{.create = !resume, .sync = options.sync, .key_seed = options.seed});
    if (!opened) {
        result.error = opened.error();
        return result;
    }
    EngineDriver& driver = **opened;

    // After a crash: what the log kept, checked against what was acknowledged.
    Journal journal = faults ? Journal::read(journal_file) : Journal{};
    std::uint64_t last_landed = 0;
    bool fast_forward = false;
    std::map<std::uint64_t, Outcome> landed;
    if (resume && driver.head_position() > 0) {
        fast_forward = true;
        last_landed = step_index_of(driver.last_correlation_id());
        FaultRecord record;
        record.crash_at = journal.crashes.empty() ? 0 : *journal.crashes.rbegin();
        record.acked_position = journal.acked_position;
        record.head_after = driver.head_position();
        record.acked_intact = driver.head_position() >= journal.acked_position &&
                              (journal.acked_position == 0 ||
                               driver.hash_at(journal.acked_position) == journal.acked_hash);
        record.rebuild_equal = driver.check_rebuild().has_value();
        auto recovered = driver.outcomes_in_log(journal.acked_position);
        if (recovered) {
            for (auto& [index, outcome] : *recovered) {
                landed[index] = outcome;
            }
        }
        record.recovered_steps = landed.size();
        append_line(journal_file, "fault " + std::to_string(record.crash_at) + " " +
                                      std::to_string(record.acked_position) + " " +
                                      std::to_string(record.head_after) + " " +
                                      std::to_string(record.recovered_steps) + " " +
                                      (record.acked_intact ? "1" : "0") + " " +
                                      (record.rebuild_equal ? "1" : "0"));
        journal.faults.push_back(record);
        if (!record.acked_intact || !record.rebuild_equal) {
            result.error = !record.acked_intact
                               ? "an acknowledged event was lost in the crash"
                               : "after the crash the projections differ from a rebuild";
        }
    }
    result.faults = journal.faults;
    if (!result.error.empty()) {
        return result;
    }

    std::ofstream steps_out;
    if (!options.steps_file.empty()) {
        steps_out.open(options.steps_file, std::ios::trunc);
    }
    std::vector<Step> batch;
    std::vector<Outcome> expected;
    std::uint64_t batch_first = 0;
    std::uint64_t index = 0;

    auto disagree = [&](std::uint64_t at, const Step& step, const Outcome& engine,
                        const Outcome& from_model) {
        result.disagreement = Disagreement{at, step, engine, from_model};
    };
    // One batch decides in the engine while the next is being prepared.
    std::shared_ptr<EngineDriver::InFlight> in_flight;
    std::vector<Outcome> in_flight_expected;
    std::uint64_t in_flight_first = 0;
    auto settle = [&]() -> bool {
        if (!in_flight) {
            return true;
        }
        auto outcomes = driver.wait(in_flight);
        std::vector<Step> steps = std::move(in_flight->steps);
        in_flight.reset();
        if (!outcomes) {
            result.error = outcomes.error();
            return false;
        }
        for (std::size_t i = 0; i < steps.size(); ++i) {
            result.compared++;
            if (!((*outcomes)[i] == in_flight_expected[i])) {
                disagree(in_flight_first + i, steps[i], (*outcomes)[i], in_flight_expected[i]);
                return false;
            }
        }
        if (faults) {
            append_line(journal_file, "ack " + std::to_string(driver.head_position()) + " " +
                                          driver.head_hash_hex());
        }
        return true;
    };
    auto flush = [&]() -> bool {
        if (!settle()) {
            return false;
        }
        if (batch.empty()) {
            return true;
        }
        if (faults) {
            for (std::uint64_t point : options.crash_points) {
                if (point >= batch_first && point < batch_first + batch.size() &&
                    !journal.crashes.contains(point)) {
                    append_line(journal_file, "crash " + std::to_string(point));
                    batch.resize(point - batch_first + 1);
                    (void)driver.run(batch, batch_first, true);  // does not return
                }
            }
        }
        in_flight = driver.start(std::move(batch), batch_first);
        in_flight_expected = std::move(expected);
        in_flight_first = batch_first;
        batch.clear();
        expected.clear();
        return true;
    };

    for (;;) {
        std::optional<Step> step = source.next();
        if (!step) {
            break;
        }
        Outcome outcome = model.apply(*step);
        source.observe(*step, outcome);
        if (steps_out.is_open()) {
            steps_out << step_to_json(*step) << "\n";
        }
        result.steps++;
        result.calls += step->op == Op::call ? 1 : 0;
        result.probes += is_probe(step->op) ? 1 : 0;
        if (fast_forward && index <= last_landed) {
            // Decided before the crash: compare with what the log says, where it says anything.
            if (auto found = landed.find(index); found != landed.end()) {
                result.compared++;
                if (!(found->second == outcome) && !is_probe(step->op)) {
                    disagree(index, *step, found->second, outcome);
                    break;
                }
            }
            ++index;
            continue;
        }
        if (!batch.empty() && (batch.size() >= options.max_batch_steps ||
                               step->at - batch.front().at >= options.max_batch_span_ms)) {
            if (!flush()) {
                break;
            }
        }
        if (batch.empty()) {
            batch_first = index;
        }
        batch.push_back(std::move(*step));
        expected.push_back(std::move(outcome));
        ++index;
    }
    if (!result.disagreement && result.error.empty() && flush()) {
        settle();
    }

    result.head_position = driver.head_position();
    result.head_hash = driver.head_hash_hex();
    World& world = source.world();
    result.accounts = world.account_count();
    result.webhooks = world.webhook_count();
    result.days = world.days();
    result.incidents = world.incidents();
    result.start = world.start();
    result.end = world.end();

    if (result.disagreement) {
        const auto& d = *result.disagreement;
        std::vector<Step> steps = regenerate_steps(options, d.index);
        const std::string note = "engine and model disagree on step " + std::to_string(d.index) +
                                 " (" + std::string(op_name(d.step.op)) + "): engine " +
                                 outcome_to_json(d.engine) + ", model " + outcome_to_json(d.model);
        (void)write_scenario(options.out / "disagreement.jsonl", steps, note);
        if (options.shrink) {
            ShrinkStats stats;
            std::vector<Step> minimal = shrink(steps, options.flaws, options.out, &stats);
            (void)write_scenario(options.out / "disagreement-shrunk.jsonl", minimal,
                                 note + "\nshrunk from " + std::to_string(steps.size()) + " to " +
                                     std::to_string(minimal.size()) + " steps in " +
                                     std::to_string(stats.tests) + " replays");
        }
    }
    return result;
}

}  // namespace keyledger::sim
