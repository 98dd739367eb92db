// `keyledger sim run|replay|shrink`: the deterministic simulation harness (docs/SIMULATION.md).

#include <charconv>
#include <chrono>
#include <fstream>
#include <iostream>
#include <set>

#include <unistd.h>

#include <fmt/format.h>

#include "app/commands.h"
#include "domain/instant.h"
#include "sim/report/report.h"
#include "sim/run/faults.h"
#include "sim/run/replay.h"
#include "sim/run/runner.h"
#include "sim/scenario/scenario_file.h"

namespace keyledger::app {
namespace {

namespace fs = std::filesystem;
using namespace keyledger::sim;

constexpr std::int64_t kDayMs = 86'400'000;

struct RunFlags {
    std::string seed_text = "1";
    std::uint64_t seed = 1;
    int days = 30;
    std::string preset = "small";
    std::string scenario;
    fs::path out;
    bool compare_policy = false;
    std::string policy = "mixed";
    int faults = 0;
    std::string flaw;
    fs::path steps_file;
    // Which flags were given, so that ones that do not go together are refused, not ignored.
    std::set<std::string> given;
};

std::optional<model::Flaws> flaws_named(const std::string& name) {
    if (name.empty()) {
        return model::Flaws{};
    }
    if (name == "inactivity-one-ms-late") {
        return model::Flaws{.inactivity_one_ms_late = true};
    }
    return std::nullopt;
}

// A flag's misuse, for exit code 2; empty when the flags go together.
std::string flag_problem(RunFlags& flags) {
    auto given = [&](const char* name) { return flags.given.contains(name); };
    const char* digits_end = flags.seed_text.data() + flags.seed_text.size();
    auto [end, error] = std::from_chars(flags.seed_text.data(), digits_end, flags.seed);
    if (error != std::errc() || end != digits_end || flags.seed_text.empty()) {
        return "--seed must be a whole number from 0 to 18446744073709551615, not \"" +
               flags.seed_text + "\"";
    }
    if (given("--compare-policy") && given("--policy")) {
        return "--policy does not go with --compare-policy, which runs both policies";
    }
    if (given("--compare-policy") && given("--faults")) {
        return "--faults does not go with --compare-policy";
    }
    if (given("--compare-policy") && given("--write-scenario")) {
        return "--write-scenario does not go with --compare-policy, which runs the world twice";
    }
    if (given("--scenario")) {
        // A scenario is the whole input: its steps carry their own times, ids and owners.
        for (const char* other : {"--compare-policy", "--faults", "--preset", "--policy", "--seed",
                                  "--days", "--write-scenario"}) {
            if (given(other)) {
                return std::string(other) +
                       " does not go with --scenario, whose file holds every step of the run";
            }
        }
    }
    if (!flaws_named(flags.flaw)) {
        return "the only planted flaw is inactivity-one-ms-late";
    }
    return "";
}

Policy policy_named(const std::string& name) {
    if (name == "personal") {
        return Policy{"personal", 0.0};
    }
    if (name == "service") {
        return Policy{"service", 1.0};
    }
    return Policy{"mixed", 0.5};
}

// The report directory must be new or empty: a run never mixes its files with others.
bool prepare_out(const fs::path& out) {
    std::error_code ec;
    if (fs::exists(out / "store", ec)) {
        std::cerr << "keyledger sim run: " << out.string()
                  << " already holds a simulation; give an empty or new directory\n";
        return false;
    }
    if (fs::exists(out, ec) && (!fs::is_directory(out, ec) || !fs::is_empty(out, ec))) {
        std::cerr << "keyledger sim run: " << out.string()
                  << (fs::is_directory(out, ec) ? " is not empty" : " is not a directory")
                  << " and holds no simulation; give an empty or new directory\n";
        return false;
    }
    fs::create_directories(out, ec);
    if (ec) {
        std::cerr << "keyledger sim run: cannot create " << out.string() << ": " << ec.message()
                  << "\n";
        return false;
    }
    return true;
}

// The scenario file a run writes must be new, and creatable before the run starts: a run of
// hours must not end without the file it was asked for, nor replace a file that was there.
bool prepare_steps_file(const fs::path& file) {
    std::error_code ec;
    if (fs::exists(file, ec) || fs::is_symlink(file, ec)) {
        std::cerr << "keyledger sim run: " << file.string()
                  << " exists; --write-scenario writes a new file\n";
        return false;
    }
    if (!std::ofstream(file, std::ios::out).good()) {
        std::cerr << "keyledger sim run: cannot create " << file.string()
                  << " for --write-scenario\n";
        return false;
    }
    return true;
}

// One world run in `out`; prints a short line; 0 when the model agreed.
int world_run(const RunFlags& flags, const Preset& preset, const Policy& policy,
              const fs::path& out, RunResult* kept) {
    RunOptions options;
    options.seed = flags.seed;
    options.days = flags.days;
    options.preset = preset;
    options.policy = policy;
    options.out = out;
    options.flaws = *flaws_named(flags.flaw);
    options.crash_points = crash_points(flags.seed, flags.faults);
    if (!flags.steps_file.empty()) {
        options.steps_file = flags.steps_file;
    }

    auto segment = [&]() -> int {
        const auto started = std::chrono::steady_clock::now();
        RunResult result = run_world(options);
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        if (!result.error.empty()) {
            std::cerr << "keyledger sim run: " << result.error << "\n";
            return 1;
        }
        if (auto written =
                write_report(out, {flags.seed, preset.name, flags.days, policy.name}, result);
            !written) {
            std::cerr << "keyledger sim run: " << written.error() << "\n";
            return 1;
        }
        if (kept != nullptr) {
            *kept = result;
        }
        // Wall-clock figures go to the terminal only: the report files stay byte-identical.
        std::cout << fmt::format(
            "{}: {} steps ({} calls) over {} days in {:.1f} s: {:.0f} simulated calls/s; log head "
            "{} at position {}\n",
            out.string(), result.steps, result.calls, flags.days, seconds,
            seconds > 0 ? static_cast<double>(result.calls) / seconds : 0.0, result.head_hash,
            result.head_position);
        if (result.disagreement) {
            const auto& d = *result.disagreement;
            std::cout << fmt::format(
                "DISAGREEMENT at step {}: {}\n  engine: {}\n  model:  {}\n  scenario: {}\n",
                d.index, step_to_json(d.step), outcome_to_json(d.engine), outcome_to_json(d.model),
                (out / "disagreement-shrunk.jsonl").string());
            return 3;
        }
        return 0;
    };
    if (flags.faults > 0) {
        return run_in_children(segment, flags.faults);
    }
    return segment();
}

// --scenario: replay the file into out/store and report what it answered.
int scenario_run(const RunFlags& flags) {
    auto steps = read_scenario(flags.scenario);
    if (!steps) {
        std::cerr << "keyledger sim run: " << steps.error().message << "\n";
        return steps.error().unreadable ? 1 : 2;
    }
    ReplayResult replayed = replay_steps(*steps, *flaws_named(flags.flaw), flags.out, true);
    if (!replayed.error.empty()) {
        std::cerr << "keyledger sim run: " << replayed.error << "\n";
        return 1;
    }
    RunResult result;
    result.steps = steps->size();
    result.compared = replayed.engine.size();
    result.head_position = replayed.head_position;
    result.head_hash = replayed.head_hash;
    if (!steps->empty()) {
        result.start = steps->front().at - steps->front().at % kDayMs;
        result.end = steps->back().at - steps->back().at % kDayMs + kDayMs;
        result.days.resize(static_cast<std::size_t>((result.end - result.start) / kDayMs));
    }
    for (std::size_t i = 0; i < steps->size(); ++i) {
        const Step& step = (*steps)[i];
        auto& day = result.days[static_cast<std::size_t>((step.at - result.start) / kDayMs)];
        if (step.op == Op::call) {
            result.calls++;
            day.calls[replayed.engine[i].result]++;
        } else if (is_probe(step.op)) {
            result.probes++;
        } else if (step.op != Op::init && step.op != Op::login) {
            day.management[replayed.engine[i].result]++;
        }
    }
    if (replayed.first_disagreement) {
        const std::size_t i = *replayed.first_disagreement;
        result.disagreement = Disagreement{i, (*steps)[i], replayed.engine[i], replayed.model[i]};
    }
    if (auto written = write_report(flags.out, {0, flags.scenario, 0, "scenario"}, result);
        !written) {
        std::cerr << "keyledger sim run: " << written.error() << "\n";
        return 1;
    }
    std::cout << fmt::format("{}: {} steps replayed; log head {} at position {}; model {}\n",
                             flags.out.string(), result.steps, result.head_hash,
                             result.head_position, result.disagreement ? "DISAGREES" : "agrees");
    return result.disagreement ? 3 : 0;
}

int run(RunFlags& flags) {
    if (const std::string problem = flag_problem(flags); !problem.empty()) {
        std::cerr << "keyledger sim run: " << problem << "\n";
        return 2;
    }
    if (!flags.scenario.empty()) {
        // Refuse a file that is not a scenario before anything is written.
        if (auto steps = read_scenario(flags.scenario); !steps) {
            std::cerr << "keyledger sim run: " << steps.error().message << "\n";
            return steps.error().unreadable ? 1 : 2;
        }
    }
    if (!prepare_out(flags.out)) {
        return 1;
    }
    if (!flags.steps_file.empty() && !prepare_steps_file(flags.steps_file)) {
        return 1;
    }
    if (!flags.scenario.empty()) {
        return scenario_run(flags);
    }
    const Preset preset = *preset_named(flags.preset);
    if (!flags.compare_policy) {
        return world_run(flags, preset, policy_named(flags.policy), flags.out, nullptr);
    }
    RunResult personal, service;
    for (auto [name, kept] : {std::pair{"personal", &personal}, {"service", &service}}) {
        const fs::path dir = flags.out / name;
        if (!prepare_out(dir)) {
            return 1;
        }
        if (int code = world_run(flags, preset, policy_named(name), dir, kept); code != 0) {
            return code;
        }
    }
    if (auto written = write_comparison(flags.out, personal, service); !written) {
        std::cerr << "keyledger sim run: " << written.error() << "\n";
        return 1;
    }
    std::ifstream compare(flags.out / "compare.txt");
    std::cout << compare.rdbuf();
    return 0;
}

int replay(const std::string& file, const std::string& flaw, const fs::path& data_dir, bool quiet) {
    auto flaws = flaws_named(flaw);
    if (!flaws) {
        std::cerr << "keyledger sim replay: the only planted flaw is inactivity-one-ms-late\n";
        return 2;
    }
    auto steps = read_scenario(file);
    if (!steps) {
        std::cerr << "keyledger sim replay: " << steps.error().message << "\n";
        return steps.error().unreadable ? 1 : 2;
    }
    fs::path dir = data_dir;
    std::error_code ec;
    const bool temporary = dir.empty();
    if (temporary) {
        dir = fs::temp_directory_path() / fmt::format("keyledger-replay-{}", ::getpid());
    } else if (fs::exists(dir / "store", ec)) {
        std::cerr << "keyledger sim replay: " << dir.string() << " already holds a store\n";
        return 1;
    }
    ReplayResult replayed = replay_steps(*steps, *flaws, dir, true);
    if (temporary) {
        fs::remove_all(dir, ec);
    }
    if (!replayed.error.empty()) {
        std::cerr << "keyledger sim replay: " << replayed.error << "\n";
        return 1;
    }
    std::size_t unexpected = 0;
    for (std::size_t i = 0; i < steps->size(); ++i) {
        const Step& s = (*steps)[i];
        const bool same = replayed.engine[i] == replayed.model[i];
        const bool as_expected = !s.expect || *s.expect == replayed.engine[i].result;
        unexpected += as_expected ? 0 : 1;
        if (quiet && same && as_expected) {
            continue;
        }
        std::string subject = !s.webhook.empty() ? s.webhook
                              : !s.token.empty() ? s.token
                              : !s.user.empty()  ? s.user
                                                 : s.username;
        std::cout << fmt::format("{:>5} {} {:<17} {:<22} -> {}", i + 1,
                                 domain::format_instant(s.at), op_name(s.op), subject,
                                 outcome_to_json(replayed.engine[i]));
        if (!same) {
            std::cout << "  MODEL: " << outcome_to_json(replayed.model[i]);
        }
        if (!as_expected) {
            std::cout << "  EXPECTED: " << *s.expect;
        }
        std::cout << "\n";
    }
    if (unexpected > 0) {
        std::cout << unexpected << " step(s) did not answer what the scenario expects\n";
    }
    std::cout << fmt::format(
        "{} steps; log head {} at position {}; engine and model {}\n", steps->size(),
        replayed.head_hash, replayed.head_position,
        replayed.first_disagreement
            ? fmt::format("disagree first at step {}", *replayed.first_disagreement + 1)
            : std::string("agree"));
    return replayed.first_disagreement ? 3 : unexpected > 0 ? 4 : 0;
}

int shrink_file(const std::string& file, const std::string& flaw, const fs::path& out) {
    auto flaws = flaws_named(flaw);
    if (!flaws) {
        std::cerr << "keyledger sim shrink: the only planted flaw is inactivity-one-ms-late\n";
        return 2;
    }
    auto steps = read_scenario(file);
    if (!steps) {
        std::cerr << "keyledger sim shrink: " << steps.error().message << "\n";
        return steps.error().unreadable ? 1 : 2;
    }
    const fs::path scratch =
        fs::temp_directory_path() / fmt::format("keyledger-shrink-{}", ::getpid());
    std::error_code ec;
    fs::create_directories(scratch, ec);
    ReplayResult first = replay_steps(*steps, *flaws, scratch / "first", false);
    if (!first.first_disagreement) {
        fs::remove_all(scratch, ec);
        std::cerr << "keyledger sim shrink: engine and model agree on " << file
                  << "; nothing to shrink\n";
        return 1;
    }
    ShrinkStats stats;
    std::vector<Step> minimal = shrink(*steps, *flaws, scratch, &stats);
    fs::remove_all(scratch, ec);
    if (auto written =
            write_scenario(out, minimal,
                           fmt::format("shrunk from {} ({} steps) to {} steps in {} "
                                       "replays",
                                       file, steps->size(), minimal.size(), stats.tests));
        !written) {
        std::cerr << "keyledger sim shrink: " << written.error() << "\n";
        return 1;
    }
    std::cout << fmt::format("{} steps -> {} steps ({} replays): {}\n", steps->size(),
                             minimal.size(), stats.tests, out.string());
    return 0;
}

}  // namespace

std::vector<Command> add_sim_commands(CLI::App& sim) {
    auto flags = std::make_shared<RunFlags>();
    auto* run_cmd = sim.add_subcommand(
        "run", "simulate an organisation over days on the real engine, checked against the model");
    run_cmd
        ->add_option("--seed", flags->seed_text,
                     "the seed, 0 to 18446744073709551615: same seed, same run")
        ->capture_default_str();
    run_cmd->add_option("--days", flags->days, "simulated days")
        ->check(CLI::Range(1, 3650))
        ->capture_default_str();
    run_cmd->add_option("--preset", flags->preset, "small, medium or large")
        ->check(CLI::IsMember({"small", "medium", "large"}))
        ->capture_default_str();
    run_cmd->add_option("--scenario", flags->scenario,
                        "replay this scenario file instead of a world (no --preset, --policy, "
                        "--compare-policy, --faults, --seed, --days, --write-scenario)");
    run_cmd->add_option("--out", flags->out, "the report directory (empty or new)")->required();
    run_cmd
        ->add_option("--policy", flags->policy,
                     "where tokens go: personal, service or mixed accounts")
        ->check(CLI::IsMember({"personal", "service", "mixed"}))
        ->capture_default_str();
    run_cmd->add_flag("--compare-policy", flags->compare_policy,
                      "run the world twice, tokens on personal vs service accounts");
    run_cmd
        ->add_option("--faults", flags->faults,
                     "kill the store's process at this many seeded steps, 100 to 600 steps "
                     "apart (points past the end of the run are not reached; the report lists "
                     "the kills made)")
        ->check(CLI::Range(0, 1000));
    run_cmd->add_option("--write-scenario", flags->steps_file,
                        "also write every step of the run to this scenario file");
    run_cmd->add_option("--flaw", flags->flaw,
                        "plant a bug in the model (inactivity-one-ms-late), to see a "
                        "disagreement found and shrunk");

    auto replay_file = std::make_shared<std::string>();
    auto replay_flaw = std::make_shared<std::string>();
    auto replay_dir = std::make_shared<fs::path>();
    auto quiet = std::make_shared<bool>(false);
    auto* replay_cmd =
        sim.add_subcommand("replay", "replay a scenario file, printing each step's outcome");
    replay_cmd->add_option("scenario", *replay_file, "a scenario file (JSON Lines)")->required();
    replay_cmd->add_option("--data-dir", *replay_dir, "keep the store here (default: temporary)");
    replay_cmd->add_option("--flaw", *replay_flaw, "plant a bug in the model");
    replay_cmd->add_flag("--quiet", *quiet, "print only disagreements and the last line");

    auto shrink_in = std::make_shared<std::string>();
    auto shrink_out = std::make_shared<fs::path>();
    auto shrink_flaw = std::make_shared<std::string>();
    auto* shrink_cmd = sim.add_subcommand(
        "shrink", "shrink a scenario on which engine and model disagree to a minimal one");
    shrink_cmd->add_option("scenario", *shrink_in, "a scenario file")->required();
    shrink_cmd->add_option("--out", *shrink_out, "where to write the minimal scenario")->required();
    shrink_cmd->add_option("--flaw", *shrink_flaw, "plant a bug in the model");

    return {
        Command{run_cmd,
                [flags, run_cmd] {
                    for (const CLI::Option* option : run_cmd->get_options()) {
                        if (option->count() > 0) {
                            flags->given.insert(option->get_name());
                        }
                    }
                    return run(*flags);
                }},
        Command{replay_cmd,
                [=] { return replay(*replay_file, *replay_flaw, *replay_dir, *quiet); }},
        Command{shrink_cmd, [=] { return shrink_file(*shrink_in, *shrink_flaw, *shrink_out); }},
    };
}

}  // namespace keyledger::app
