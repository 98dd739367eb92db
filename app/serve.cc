#include "app/serve.h"

#include <malloc.h>
#include <sys/resource.h>

#include <csignal>
#include <ctime>
#include <iostream>

#include <spdlog/spdlog.h>

#include "api/log.h"
#include "api/service.h"
#include "app/clock_jump.h"
#include "app/data_dir.h"
#include "app/history_checker.h"
#include "app/server_checkpoints.h"

namespace keyledger::app {
namespace {

std::optional<std::pair<std::string, unsigned short>> split_listen(const std::string& listen) {
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos || colon == 0) {
        return std::nullopt;
    }
    std::string host = listen.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    try {
        std::size_t used = 0;
        const int port = std::stoi(listen.substr(colon + 1), &used);
        if (used != listen.size() - colon - 1 || port < 0 || port > 65535) {
            return std::nullopt;
        }
        return std::pair{host, static_cast<unsigned short>(port)};
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

// File descriptors kept for everything but client connections: the store's table files (at most
// OpenOptions::max_open_table_files, 512, open at once) and write-ahead logs, the key file, logs,
// the worker threads' needs.
constexpr rlim_t kReservedDescriptors = 1024;

// Raises the soft RLIMIT_NOFILE so that `connections` fit beside the reserve, as far as the hard
// limit allows. Returns the connection cap that fits.
std::size_t fit_descriptor_limit(std::size_t connections) {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
        return connections;
    }
    const rlim_t wanted = static_cast<rlim_t>(connections) + kReservedDescriptors;
    if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < wanted) {
        rlimit raised = limit;
        raised.rlim_cur =
            limit.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, limit.rlim_max);
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0) {
            limit = raised;
        }
    }
    if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= wanted) {
        return connections;
    }
    return limit.rlim_cur > kReservedDescriptors
               ? static_cast<std::size_t>(limit.rlim_cur - kReservedDescriptors)
               : 1;
}

// glibc serves a large block from the heap once a block of that size was freed (its mmap
// threshold follows the largest freed block), and a heap rarely shrinks. The large blocks here
// come and go (RocksDB's memtable arenas after each flush, the buffer of every snapshot), so a
// fixed threshold keeps them mapped and gives them back on free: resident memory then follows
// what is live instead of the highest mark ever reached (scripts/load-test checks it).
constexpr int kLargeBlockBytes = 1 << 20;
constexpr time_t kTrimEverySeconds = 5;

int fail(const std::string& message) {
    std::cerr << "keyledger serve: " << message << "\n";
    return 1;
}

// A flag value the parser let through but that means nothing: a usage error, exit 2 (README).
int usage_error(const std::string& message) {
    std::cerr << "keyledger serve: " << message << "\nRun with --help for more information.\n";
    return 2;
}

}  // namespace

int serve(const ServeOptions& options) {
    auto address = split_listen(options.listen);
    if (!address) {
        return usage_error(
            "--listen must be HOST:PORT with a port up to 65535, e.g. "
            "127.0.0.1:8080");
    }

    mallopt(M_MMAP_THRESHOLD, kLargeBlockBytes);

    // Signals are taken by sigwait below, so every thread started from here on blocks them.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    engine::SystemClock system_clock;
    std::optional<engine::ManualClock> manual_clock;
    if (options.manual_clock) {
        manual_clock.emplace(options.start.value_or(system_clock.now()));
    }
    const engine::Clock& clock =
        manual_clock ? static_cast<const engine::Clock&>(*manual_clock) : system_clock;

    engine::EngineOptions engine_options;
    engine_options.delivery_retention_ms = options.delivery_retention_days * domain::kDayMs;
    engine_options.warn = [](std::string_view event, const std::string& message) {
        api::log_line(spdlog::level::warn, event, {{"message", message}});
    };
    auto opened = open_data_dir(options.data_dir, clock, engine_options);
    if (!opened) {
        return fail(opened.error());
    }
    engine::Engine& engine = *opened->engine;
    if (auto reaches = check_log_reaches_latest_checkpoint(engine.store(), options.data_dir);
        !reaches) {
        engine.keep_store_as_is();
        return fail(reaches.error());
    }

    // A manual clock given its start explicitly is the operator's choice; one that starts at the
    // system time is checked like the system clock.
    const bool explicit_start = options.manual_clock && options.start.has_value();
    if (const std::string jump = clock_jump_problem(engine, clock.now());
        !explicit_start && !options.accept_clock_jump && !jump.empty()) {
        engine.keep_store_as_is();
        return fail(jump + "; if the jump is real, restart with --accept-clock-jump");
    }

    api::ServiceOptions service_options;
    service_options.password_cost = options.password_cost;
    service_options.manual_clock = manual_clock ? &*manual_clock : nullptr;
    service_options.address_limit = {options.auth_failure_limit, options.auth_failure_window,
                                     options.rate_limit_keys};
    service_options.token_limit = {options.token_refusal_limit, options.token_refusal_window,
                                   options.rate_limit_keys};
    service_options.trusted_proxy = options.trusted_proxy;
    api::Service service(engine, opened->hasher, service_options);

    api::http::ServerOptions server_options;
    server_options.address = address->first;
    server_options.port = address->second;
    server_options.body_limit = options.body_limit;
    server_options.header_timeout = options.header_timeout;
    server_options.idle_timeout = options.idle_timeout;
    server_options.body_timeout = options.body_timeout;
    server_options.threads = options.io_threads;
    server_options.tls_certificate_file = options.tls_cert;
    server_options.tls_private_key_file = options.tls_key;
    server_options.max_connections = fit_descriptor_limit(options.max_connections);
    if (server_options.max_connections < options.max_connections) {
        api::log_line(spdlog::level::warn, "connection_cap_lowered",
                      {{"asked", options.max_connections},
                       {"cap", server_options.max_connections},
                       {"why", "the hard limit on open files (ulimit -Hn) is too low"}});
    }

    engine.start();
    auto server = api::http::Server::start(server_options, service);
    if (!server) {
        engine.stop();
        return fail(server.error());
    }
    service.set_server_stats(&(*server)->stats());
    transparency::CheckpointWriterOptions checkpoint_options;
    checkpoint_options.warn = [](const std::string& message) {
        api::log_line(spdlog::level::warn, "checkpoint_problem", {{"message", message}});
    };
    // A log that contradicts a checkpoint this store signed was altered, however well re-chained:
    // the same signal as the history check's (decision 105).
    checkpoint_options.history_altered = [&engine](const std::string& message) {
        api::log_line(spdlog::level::err, "history_damaged",
                      {{"reason", message}, {"source", "checkpoint"}});
        engine.report_history_damage(1, message);
    };
    ServerCheckpoints checkpoints(engine.store(), options.data_dir, checkpoint_options);
    HistoryChecker history_checker(engine);
    api::log_line(spdlog::level::info, "server_started",
                  {{"listen", address->first + ":" + std::to_string((*server)->port())},
                   {"data_dir", options.data_dir.string()},
                   {"clock", options.manual_clock ? "manual" : "system"},
                   {"tls", !options.tls_cert.empty()},
                   {"now", domain::format_instant(clock.now())},
                   {"position", engine.store().head_position()},
                   {"started_from_snapshot", engine.stats().started_from_snapshot.load()},
                   {"max_connections", server_options.max_connections}});
    // Scripts read the bound port from this line when they asked for port 0.
    std::cout << "listening on " << address->first << ":" << (*server)->port() << std::endl;

    // Waiting for a signal, the main thread gives the pages malloc holds free back to the system
    // every few seconds: with RocksDB's and the server's threads each allocating from their own
    // arena, freed memory otherwise stays resident, and resident memory creeps up under steady
    // load while the live heap does not (scripts/load-test checks it).
    const timespec trim_every{kTrimEverySeconds, 0};
    int received = -1;
    while (received < 0) {
        received = sigtimedwait(&signals, nullptr, &trim_every);
        if (received < 0) {
            malloc_trim(0);
        }
    }
    api::log_line(spdlog::level::info, "server_stopping", {{"signal", received}});
    (*server)->stop();
    service.set_server_stats(nullptr);
    history_checker.stop();
    engine.stop();
    checkpoints.stop();
    api::log_line(spdlog::level::info, "server_stopped",
                  {{"position", engine.store().head_position()},
                   {"snapshot_position", engine.stats().snapshot_position.load()}});
    return 0;
}

}  // namespace keyledger::app
