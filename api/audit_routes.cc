#include "api/audit_routes.h"

#include "api/log.h"
#include "api/responses.h"
#include "audit/calls.h"
#include "audit/explain.h"

namespace keyledger::api {

using namespace domain;

namespace {

http::Response problem_response(const audit::Problem& problem) {
    switch (problem.failure) {
        case audit::Failure::bad_request:
            return error(400, "bad_request", problem.message);
        case audit::Failure::bad_instant:
            return error(400, "bad_instant", problem.message);
        case audit::Failure::not_found:
            return error(404, "not_found", problem.message);
        case audit::Failure::altered:
            return history_damaged(problem.message);
        case audit::Failure::store:
            break;
    }
    // Store details (file names, offsets) go to the server log only (DECISIONS.md 35).
    log_line(spdlog::level::err, "audit_read_failed", {{"message", problem.message}});
    return error(503, "store_unavailable", "the history could not be read; retry later");
}

std::optional<std::string> parameter(const RequestTarget& target, const char* name) {
    auto it = target.query.find(name);
    return it == target.query.end() ? std::nullopt : std::optional(it->second);
}

// An instant parameter: nullopt when absent, a 400 bad_instant when it does not parse.
std::expected<std::optional<Instant>, http::Response> instant_parameter(const RequestTarget& target,
                                                                        const char* name) {
    auto text = parameter(target, name);
    if (!text) {
        return std::optional<Instant>{};
    }
    auto t = parse_instant(*text);
    if (!t) {
        return std::unexpected(
            error(400, "bad_instant",
                  std::string(name) + " must be an instant like 2026-03-02T00:00:00.000Z"));
    }
    return std::optional(*t);
}

Outcome now(http::Response response) {
    return Outcome{std::move(response), {}};
}

}  // namespace

Route audit_explain_route(const engine::Engine& engine,
                          const std::shared_ptr<Service::Exchange>& ex) {
    const eventstore::EventStore* store = &engine.store();
    return [ex, store, engine = &engine, window = engine.window_ms()](engine::Transaction& tx,
                                                                      const Caller&) {
        const RequestTarget& target = ex->target;
        auto token_id = parameter(target, "token_id");
        if (!token_id || token_id->empty()) {
            return now(error(400, "bad_request", "token_id is required"));
        }
        auto webhook_id = parameter(target, "webhook_id");
        auto at = instant_parameter(target, "at");
        if (!at) {
            return now(at.error());
        }
        auto at_position = parameter(target, "at_position");
        if (*at && at_position) {
            return now(error(400, "bad_request", "give at or at_position, not both"));
        }
        if (*at && **at > tx.now()) {
            return now(
                error(400, "as_of_in_future", "at lies after now; the at-risk report forecasts"));
        }
        // Ids unknown today never existed: answered without reading the history.
        if (tx.state().token(*token_id) == nullptr) {
            return now(error(404, "not_found", "no token " + *token_id));
        }
        if (webhook_id && tx.state().webhook(*webhook_id) == nullptr) {
            return now(error(404, "not_found", "no webhook " + *webhook_id));
        }

        const auto& model = tx.model();
        audit::ExplainPlan plan;
        if (at_position) {
            auto position = parse_count(*at_position);
            if (!position) {
                return now(error(400, "bad_request", "at_position must be a position"));
            }
            auto planned = audit::plan_at_position(model, window, *token_id, webhook_id, *position);
            if (!planned) {
                return now(problem_response(planned.error()));
            }
            plan = std::move(*planned);
        } else {
            plan = audit::plan_at(model, window, *token_id, webhook_id, at->value_or(tx.now()));
        }
        // The folding reads the store: off the decider thread.
        return Outcome{{}, [store, engine, plan = std::move(plan)] {
                           if (std::string damage = engine->history_damage(); !damage.empty()) {
                               return history_damaged(damage);
                           }
                           auto out = audit::explain(*store, plan);
                           return out ? json_response(200, *out) : problem_response(out.error());
                       }};
    };
}

Route audit_calls_route(const engine::Engine& engine,
                        const std::shared_ptr<Service::Exchange>& ex) {
    const eventstore::EventStore* store = &engine.store();
    return [ex, store, engine = &engine](engine::Transaction& tx, const Caller&) {
        const RequestTarget& target = ex->target;
        auto webhook_id = parameter(target, "webhook_id");
        if (!webhook_id || webhook_id->empty()) {
            return now(error(400, "bad_request", "webhook_id is required"));
        }
        auto from = instant_parameter(target, "from");
        if (!from) {
            return now(from.error());
        }
        auto to = instant_parameter(target, "to");
        if (!to) {
            return now(to.error());
        }
        if (*from && *to && **from >= **to) {
            return now(error(400, "bad_request", "from must lie before to"));
        }
        if (tx.state().webhook(*webhook_id) == nullptr) {
            return now(error(404, "not_found", "no webhook " + *webhook_id));
        }
        audit::CallsQuestion question{*webhook_id, *from, *to};
        return Outcome{{}, [store, engine, question = std::move(question)] {
                           if (std::string damage = engine->history_damage(); !damage.empty()) {
                               return history_damaged(damage);
                           }
                           auto out = audit::calls(*store, question);
                           return out ? json_response(200, *out) : problem_response(out.error());
                       }};
    };
}

}  // namespace keyledger::api
