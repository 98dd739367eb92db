#include "app/serve.h"

#include <csignal>
#include <iostream>

#include <spdlog/spdlog.h>

#include "api/log.h"
#include "api/service.h"
#include "app/data_dir.h"

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

int fail(const std::string& message) {
    std::cerr << "keyledger serve: " << message << "\n";
    return 1;
}

}  // namespace

int serve(const ServeOptions& options) {
    auto address = split_listen(options.listen);
    if (!address) {
        return fail("--listen must be HOST:PORT, e.g. 127.0.0.1:8080");
    }

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
    auto opened = open_data_dir(options.data_dir, clock, engine_options);
    if (!opened) {
        return fail(opened.error());
    }
    engine::Engine& engine = *opened->engine;

    // A system clock far ahead of the log would make every account inactive at once.
    const domain::Instant last = engine.store().head_position() == 0 ? 0 : [&] {
        auto head = engine.store().read_at(engine.store().head_position());
        return head ? head->at_ms : 0;
    }();
    // A manual clock given its start explicitly is the operator's choice; one that starts at the
    // system time is checked like the system clock.
    const bool explicit_start = options.manual_clock && options.start.has_value();
    if (!explicit_start && !options.accept_clock_jump && clock.now() > last + engine.window_ms()) {
        return fail("the system clock (" + domain::format_instant(clock.now()) +
                    ") is more than the inactivity window ahead of the last recorded event (" +
                    domain::format_instant(last) +
                    "); if the jump is real, restart with --accept-clock-jump");
    }

    api::ServiceOptions service_options;
    service_options.password_cost = options.password_cost;
    service_options.manual_clock = manual_clock ? &*manual_clock : nullptr;
    api::Service service(engine, opened->hasher, service_options);

    api::http::ServerOptions server_options;
    server_options.address = address->first;
    server_options.port = address->second;
    server_options.body_limit = options.body_limit;
    server_options.header_timeout = options.header_timeout;
    server_options.idle_timeout = options.idle_timeout;
    server_options.body_timeout = options.body_timeout;
    server_options.threads = options.io_threads;

    engine.start();
    auto server = api::http::Server::start(server_options, service);
    if (!server) {
        engine.stop();
        return fail(server.error());
    }
    service.set_server_stats(&(*server)->stats());
    api::log_line(spdlog::level::info, "server_started",
                  {{"listen", address->first + ":" + std::to_string((*server)->port())},
                   {"data_dir", options.data_dir.string()},
                   {"clock", options.manual_clock ? "manual" : "system"},
                   {"now", domain::format_instant(clock.now())},
                   {"position", engine.store().head_position()}});
    // Scripts read the bound port from this line when they asked for port 0.
    std::cout << "listening on " << address->first << ":" << (*server)->port() << std::endl;

    int received = 0;
    sigwait(&signals, &received);
    api::log_line(spdlog::level::info, "server_stopping", {{"signal", received}});
    (*server)->stop();
    service.set_server_stats(nullptr);
    engine.stop();
    api::log_line(spdlog::level::info, "server_stopped",
                  {{"position", engine.store().head_position()}});
    return 0;
}

}  // namespace keyledger::app
