// keyledger: init, serve, the operator's local recovery commands, audit and simulation.

#include <iostream>
#include <optional>
#include <string>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <boost/asio/ip/address.hpp>

#include "app/admin.h"
#include "app/commands.h"
#include "app/data_dir.h"
#include "app/serve.h"

namespace {

using namespace keyledger;

// CLI11 validator for instants in API.md's form.
struct InstantValidator : CLI::Validator {
    InstantValidator() {
        name_ = "INSTANT";
        func_ = [](const std::string& text) {
            return domain::parse_instant(text) ? std::string()
                                               : "not an instant like 2026-03-02T00:00:00.000Z";
        };
    }
};

void setup_logging(const std::string& level) {
    auto logger = spdlog::stderr_logger_mt("keyledger");
    logger->set_pattern("{\"ts\":\"%Y-%m-%dT%H:%M:%S.%eZ\",\"level\":\"%l\",%v",
                        spdlog::pattern_time_type::utc);
    spdlog::set_default_logger(logger);
    spdlog::set_level(spdlog::level::from_str(level));
}

// What `keyledger --version` prints.
constexpr std::string_view kVersion = "keyledger 0.1.0";

// CLI11 reports a word that names no command as "A subcommand is required" (it takes it for an
// extra positional). The leading words are checked here instead: each must name a subcommand of
// the command before it. Options that command knows are stepped over, with their value when
// they take one (`--log-level info nosuch`); an option it does not know ends the check, and
// CLI11 judges the rest.
std::optional<std::string> unknown_command(CLI::App& cli, int argc, char** argv) {
    CLI::App* at = &cli;
    std::string path = "keyledger";
    for (int i = 1; i < argc; ++i) {
        const std::string word = argv[i];
        if (word.starts_with('-')) {
            const std::size_t equals = word.find('=');
            const CLI::Option* option =
                word == "--" ? nullptr : at->get_option_no_throw(word.substr(0, equals));
            if (option == nullptr || option == at->get_help_ptr() ||
                option == at->get_help_all_ptr()) {
                return std::nullopt;  // --help answers whatever follows it
            }
            if (equals == std::string::npos && option->get_items_expected_min() > 0) {
                ++i;  // its value
            }
            continue;
        }
        if (at->get_subcommands({}).empty()) {
            return std::nullopt;  // positional arguments, if any, are CLI11's to judge
        }
        CLI::App* next = nullptr;
        for (CLI::App* sub : at->get_subcommands({})) {
            if (sub->check_name(word)) {
                next = sub;
            }
        }
        if (next == nullptr) {
            std::string known;
            for (CLI::App* sub : at->get_subcommands({})) {
                known += (known.empty() ? "" : ", ") + sub->get_name();
            }
            return "unknown command '" + word + "' for " + path + " (commands: " + known + ")";
        }
        at = next;
        path += " " + word;
    }
    return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App cli{"keyledger: who may call a webhook, with a replayable record of why"};
    cli.require_subcommand(1);
    cli.set_version_flag("--version", std::string(kVersion));
    std::string log_level = "info";
    cli.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));

    std::filesystem::path data_dir = "data";
    int window_days = 60;
    std::string init_at;
    auto* init = cli.add_subcommand("init", "create a store, its key and the first admin token");
    init->add_option("--data-dir", data_dir, "the data directory to create")->capture_default_str();
    init->add_option("--at", init_at,
                     "record the creation at this instant instead of the system clock "
                     "(for stores served with a manual clock)")
        ->check(InstantValidator());
    init->add_option("--window-days", window_days, "inactivity window, fixed for the store")
        ->check(CLI::Range(1, 3650))
        ->capture_default_str();

    app::ServeOptions serve;
    std::string start;
    std::string clock = "system";
    std::string password_cost = "interactive";
    std::int64_t header_ms = 10'000, idle_ms = 60'000, body_ms = 30'000;
    auto* serve_cmd = cli.add_subcommand("serve", "serve the HTTP API until SIGINT or SIGTERM");
    serve_cmd->add_option("--data-dir", serve.data_dir, "the data directory")
        ->capture_default_str();
    serve_cmd->add_option("--listen", serve.listen, "HOST:PORT; port 0 picks a free one")
        ->capture_default_str();
    serve_cmd->add_option("--clock", clock, "system, or manual for tests and demonstrations")
        ->check(CLI::IsMember({"system", "manual"}))
        ->capture_default_str();
    serve_cmd->add_option("--start", start, "the manual clock's first instant")
        ->check(InstantValidator());
    serve_cmd->add_flag("--accept-clock-jump", serve.accept_clock_jump,
                        "start although the clock is more than the window ahead of the log");
    serve_cmd->add_option("--body-limit", serve.body_limit, "largest request body in bytes")
        ->check(CLI::Range(std::size_t{1}, std::size_t{64} << 20))
        ->capture_default_str();
    serve_cmd->add_option("--header-timeout-ms", header_ms, "deadline for a request's header")
        ->check(CLI::Range(1, 3'600'000))
        ->capture_default_str();
    serve_cmd->add_option("--idle-timeout-ms", idle_ms, "keep-alive connection idle deadline")
        ->check(CLI::Range(1, 3'600'000))
        ->capture_default_str();
    serve_cmd->add_option("--body-timeout-ms", body_ms, "deadline for reading a body")
        ->check(CLI::Range(1, 3'600'000))
        ->capture_default_str();
    serve_cmd
        ->add_option("--delivery-retention-days", serve.delivery_retention_days,
                     "how long webhook bodies are kept")
        ->check(CLI::Range(1, 3650))
        ->capture_default_str();
    serve_cmd
        ->add_option("--password-cost", password_cost,
                     "Argon2id cost: interactive, moderate, or minimal (tests only)")
        ->check(CLI::IsMember({"interactive", "moderate", "minimal"}))
        ->capture_default_str();
    serve_cmd->add_option("--io-threads", serve.io_threads, "HTTP I/O threads")
        ->check(CLI::Range(1, 64))
        ->capture_default_str();
    serve_cmd
        ->add_option("--max-connections", serve.max_connections,
                     "open connections at most; past it new ones are closed at once")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}))
        ->capture_default_str();
    std::int64_t auth_window_ms = 60'000, token_window_ms = 60'000;
    serve_cmd
        ->add_option(
            "--auth-failure-limit", serve.auth_failure_limit,
            "failed authentications (guesses) per client address per window before 429; 0: off")
        ->capture_default_str();
    serve_cmd->add_option("--auth-failure-window-ms", auth_window_ms, "window of that limit")
        ->check(CLI::Range(1, 86'400'000))
        ->capture_default_str();
    serve_cmd
        ->add_option("--token-refusal-limit", serve.token_refusal_limit,
                     "refusals of one genuine token per window still recorded; 0: off")
        ->capture_default_str();
    serve_cmd->add_option("--token-refusal-window-ms", token_window_ms, "window of that limit")
        ->check(CLI::Range(1, 86'400'000))
        ->capture_default_str();
    serve_cmd
        ->add_option("--rate-limit-keys", serve.rate_limit_keys,
                     "addresses (and tokens) each rate limiter remembers at most")
        ->check(CLI::Range(std::size_t{1}, std::size_t{10'000'000}))
        ->capture_default_str();
    auto* tls_cert = serve_cmd
                         ->add_option("--tls-cert", serve.tls_cert,
                                      "serve HTTPS with this PEM certificate chain")
                         ->check(CLI::ExistingFile);
    serve_cmd->add_option("--tls-key", serve.tls_key, "the PEM private key of --tls-cert")
        ->check(CLI::ExistingFile)
        ->needs(tls_cert);
    tls_cert->needs("--tls-key");
    std::string trusted_proxy;
    serve_cmd
        ->add_option("--trusted-proxy", trusted_proxy,
                     "IP address of a reverse proxy whose X-Forwarded-For names the client")
        ->check(CLI::Validator(
            [](std::string& value) {
                boost::system::error_code ec;
                (void)boost::asio::ip::make_address(value, ec);
                return ec ? std::string("not an IP address: ") + value : std::string();
            },
            "IP"));

    auto* admin = cli.add_subcommand("admin", "operator recovery on a stopped server's store");
    admin->require_subcommand(1);
    std::string username;
    bool admin_accept_clock_jump = false;
    auto* reactivate = admin->add_subcommand("reactivate", "reactivate an account");
    auto* issue = admin->add_subcommand("issue-token", "issue an API token on an active account");
    for (auto* sub : {reactivate, issue}) {
        sub->add_option("--data-dir", data_dir, "the data directory")->capture_default_str();
        sub->add_option("--username", username, "the account")->required();
        sub->add_flag("--accept-clock-jump", admin_accept_clock_jump,
                      "record even though the system clock is more than the inactivity window "
                      "ahead of the last recorded event");
    }

    auto* audit = cli.add_subcommand(
        "audit", "answer from the history alone: replay, explain, verify, prove");
    audit->require_subcommand(1);
    auto* sim =
        cli.add_subcommand("sim", "deterministic simulation of months of accounts and calls");
    sim->require_subcommand(1);
    std::vector<app::Command> groups = app::add_audit_history_commands(*audit);
    for (auto& command : app::add_audit_proof_commands(*audit)) {
        groups.push_back(std::move(command));
    }
    for (auto& command : app::add_sim_commands(*sim)) {
        groups.push_back(std::move(command));
    }

    if (auto unknown = unknown_command(cli, argc, argv)) {
        std::cerr << *unknown << "\nRun with --help for more information.\n";
        return 2;
    }
    try {
        cli.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // --help and --version exit 0; any flag or command the parser refuses is a usage error,
        // exit 2 like the tools' own checks (CLI11's own codes start at 100).
        const int code = cli.exit(e);
        return code == 0 ? 0 : 2;
    }
    setup_logging(log_level);

    if (*init) {
        engine::SystemClock system_clock;
        std::optional<engine::ManualClock> fixed;
        if (!init_at.empty()) {
            fixed.emplace(*domain::parse_instant(init_at));
        }
        const engine::Clock& clock =
            fixed ? static_cast<const engine::Clock&>(*fixed) : system_clock;
        auto line = app::initialise(data_dir, window_days * domain::kDayMs, clock);
        if (!line) {
            std::cerr << "keyledger init: " << line.error() << "\n";
            return 1;
        }
        std::cout << *line << std::endl;
        return 0;
    }
    if (*serve_cmd) {
        serve.manual_clock = clock == "manual";
        if (!start.empty()) {
            if (!serve.manual_clock) {
                std::cerr << "keyledger serve: --start needs --clock manual\n";
                return 2;
            }
            serve.start = domain::parse_instant(start);
        }
        serve.password_cost = *security::parse_password_cost(password_cost);
        serve.header_timeout = std::chrono::milliseconds(header_ms);
        serve.idle_timeout = std::chrono::milliseconds(idle_ms);
        serve.body_timeout = std::chrono::milliseconds(body_ms);
        serve.auth_failure_window = std::chrono::milliseconds(auth_window_ms);
        serve.token_refusal_window = std::chrono::milliseconds(token_window_ms);
        if (!trusted_proxy.empty()) {
            serve.trusted_proxy = trusted_proxy;
        }
        return app::serve(serve);
    }
    for (const auto& command : groups) {
        if (command.app->parsed()) {
            return command.run();
        }
    }
    if (*reactivate) {
        return app::admin_reactivate(data_dir, username, admin_accept_clock_jump);
    }
    return app::admin_issue_token(data_dir, username, admin_accept_clock_jump);
}
