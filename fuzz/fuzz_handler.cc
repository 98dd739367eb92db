// libFuzzer target: the whole request -> response path without sockets: api::Service::handle
// over a real engine on a real (unsynced, memory-backed) store, as the HTTP server would call it.
//
// Input: "METHOD\nTARGET\n" then header lines "name: value" up to an empty line, then the body.
// In a header value, "$ADMIN" stands for the store's first admin secret, so that inputs can get
// past authentication. Checks, beyond "no crash, no sanitizer finding": every request gets one
// answer with a status from 200 to 599, and no answer carries the admin secret unless the
// request's target or body did.

#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "api/service.h"
#include "app/data_dir.h"
#include "domain/instant.h"
#include "engine/clock.h"

namespace {

namespace fs = std::filesystem;
using namespace keyledger;

constexpr domain::Instant kStart = 1'767'225'600'000;  // 2026-01-01T00:00:00Z

// One store and one service for the whole run: state built by earlier inputs stays, as on a
// real server. The store only grows, so the routes whose cost grows with the log (GET
// /v1/audit/verify walks all of it) get slower as a run goes on: a CPU-hour run at low priority
// under ASan once took over 30 s for a verify, and the harness took that for a hang. The
// deadline is long enough for that and still stops a real hang. (Starting a fresh world every
// so many inputs instead made LeakSanitizer report the Asio thread pool's recycled handler
// memory of the destroyed service.)
constexpr std::chrono::seconds kAnswerDeadline{300};

struct World {
    World() : clock(kStart) {
        dir = fs::temp_directory_path() /
              ("keyledger-fuzz-handler-" +
               std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
        auto line = app::initialise(dir, domain::kDefaultWindowMs, clock);
        if (!line) {
            std::fprintf(stderr, "fuzz_handler: init failed: %s\n", line.error().c_str());
            std::abort();
        }
        admin_secret = nlohmann::json::parse(*line).at("secret").get<std::string>();
        auto opened = app::open_data_dir(dir, clock, {}, /*sync=*/false);
        if (!opened) {
            std::fprintf(stderr, "fuzz_handler: open failed: %s\n", opened.error().c_str());
            std::abort();
        }
        store.emplace(std::move(*opened));
        store->engine->start();
        api::ServiceOptions options;
        options.password_cost = security::PasswordCost::minimal;
        options.manual_clock = &clock;
        options.worker_threads = 1;
        // No failure limits: the fuzzer is one client address making many mistakes.
        options.address_limit.limit = 0;
        options.token_limit.limit = 0;
        service = std::make_unique<api::Service>(*store->engine, store->hasher, options);
    }
    ~World() {
        service.reset();
        store.reset();
        std::error_code ignored;
        fs::remove_all(dir, ignored);
    }

    fs::path dir;
    engine::ManualClock clock;
    std::string admin_secret;
    std::optional<app::OpenedStore> store;  // OpenedStore has no empty state
    std::unique_ptr<api::Service> service;
};

World& world() {
    static World instance;
    return instance;
}

std::string_view take_line(std::string_view& text) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    return line;
}

std::string with_admin(std::string_view value, const std::string& secret) {
    std::string out(value);
    for (std::size_t at = out.find("$ADMIN"); at != std::string::npos;
         at = out.find("$ADMIN", at + secret.size())) {
        out.replace(at, 6, secret);
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    World& w = world();
    std::string_view text(reinterpret_cast<const char*>(data), size);

    api::http::Request request;
    request.method = std::string(take_line(text));
    request.target = std::string(take_line(text));
    if (request.target.empty() || request.target.front() != '/') {
        return -1;  // the transport never hands over such a target: not worth keeping
    }
    for (std::string_view line = take_line(text); !line.empty(); line = take_line(text)) {
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) {
            return -1;
        }
        std::string name(line.substr(0, colon));
        for (char& c : name) {
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') {
            value.remove_prefix(1);
        }
        request.headers.emplace_back(std::move(name), with_admin(value, w.admin_secret));
    }
    request.body = std::string(text);
    // The fuzzer learns the secret from the comparisons it watches and may put it in the target
    // or the body itself; an answer that echoes what the caller sent discloses nothing.
    const bool caller_sent_secret = request.target.find(w.admin_secret) != std::string::npos ||
                                    request.body.find(w.admin_secret) != std::string::npos;
    request.remote = "127.0.0.1:40000";

    auto answered = std::make_shared<std::promise<api::http::Response>>();
    std::future<api::http::Response> answer = answered->get_future();
    w.service->handle(std::move(request), [answered](api::http::Response response) mutable {
        if (answered) {
            answered->set_value(std::move(response));
            answered.reset();
        }
    });
    if (answer.wait_for(kAnswerDeadline) != std::future_status::ready) {
        std::fprintf(stderr, "fuzz_handler: no answer within %lld s\n",
                     static_cast<long long>(kAnswerDeadline.count()));
        std::abort();
    }
    const api::http::Response response = answer.get();
    if (response.status < 200 || response.status > 599) {
        std::abort();
    }
    if (!caller_sent_secret && response.body.find(w.admin_secret) != std::string::npos) {
        std::fprintf(stderr, "fuzz_handler: an answer carried the admin secret\n");
        std::abort();
    }
    return 0;
}
