#include "audit/explain.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <unordered_map>

#include "audit/describe.h"
#include "audit/links.h"
#include "domain/evolve.h"
#include "domain/rules.h"
#include "engine/engine.h"

namespace keyledger::audit {

using namespace domain;

namespace {

constexpr std::size_t kCallSearchPage = 1000;

// A recorded fact cited in an explanation.
struct Cite {
    std::uint64_t position = 0;
    Instant at = 0;
    std::string type;
    std::string says;
};

// The partial state of a plan, folded event by event, remembering which recorded fact set each
// value an explanation may cite.
struct Trail {
    State state;
    std::unordered_map<std::string, Cite> last_activity;  // account -> the fact that set it
    std::unordered_map<std::string, Cite> deleted;        // account -> its UserDeleted
    std::optional<Cite> issued, revoked, rotated, installed, uninstalled;
    std::vector<Cite> transfers;
};

// The token's sources, and the webhook's own events when one is asked about.
projections::HistorySources sources_of(const projections::ReadModel& model,
                                       const std::string& token_id,
                                       const std::optional<std::string>& webhook_id) {
    const auto& history = model.history();
    projections::HistorySources sources = history.sources_for_token(model.state(), token_id);
    if (webhook_id) {
        auto webhook = history.sources_for_webhook(model.state(), *webhook_id);
        for (auto& stream : webhook.streams) {
            if (std::find(sources.streams.begin(), sources.streams.end(), stream) ==
                sources.streams.end()) {
                sources.streams.push_back(std::move(stream));
            }
        }
        for (auto& id : webhook.related) {
            if (std::find(sources.related.begin(), sources.related.end(), id) ==
                sources.related.end()) {
                sources.related.push_back(std::move(id));
            }
        }
    }
    return sources;
}

// The plan's point, found in the log when the plan leaves it open.
Answer<void> find_point(const eventstore::EventStore& store, ExplainPlan& plan) {
    if (plan.find == ExplainPlan::Find::position) {
        auto point = projections::point_as_of(store, plan.at, plan.head);
        if (!point) {
            return problem(Failure::store, point.error().message);
        }
        plan.position = point->position;
    } else if (plan.find == ExplainPlan::Find::at) {
        auto point = projections::point_at_position(store, plan.position);
        if (!point) {
            return problem(Failure::store, point.error().message);
        }
        plan.at = point->at;
    }
    plan.find = ExplainPlan::Find::nothing;
    return {};
}

Answer<Trail> fold(const eventstore::EventStore& store, const ExplainPlan& plan,
                   const std::vector<std::uint64_t>& positions) {
    Trail trail;
    // Exactly as engine::fold_positions starts a partial state.
    trail.state.initialized = true;
    trail.state.window_ms = plan.window_ms;
    std::unordered_map<std::string, Instant> activity_before;
    for (std::uint64_t position : positions) {
        auto stored = store.read_at(position);
        if (!stored) {
            return problem(Failure::store, stored.error().message);
        }
        auto fact = engine::decode_fact(*stored);
        if (!fact) {
            return problem(Failure::store, fact.error());
        }
        const Cite cite{position, fact->at, std::string(event_type(fact->event)),
                        describe(fact->event)};

        activity_before.clear();
        for (const Account& account : trail.state.accounts) {
            activity_before.emplace(account.id, account.last_activity_at);
        }
        evolve(trail.state, *fact);
        for (const Account& account : trail.state.accounts) {
            auto before = activity_before.find(account.id);
            if (before == activity_before.end() || before->second != account.last_activity_at) {
                trail.last_activity[account.id] = cite;
            }
        }

        const std::string& token_id = plan.token_id;
        std::visit(
            [&](const auto& e) {
                using E = std::decay_t<decltype(e)>;
                if constexpr (std::is_same_v<E, TokenIssued>) {
                    if (e.token_id == token_id)
                        trail.issued = cite;
                } else if constexpr (std::is_same_v<E, TokenRevoked>) {
                    if (e.token_id == token_id)
                        trail.revoked = cite;
                } else if constexpr (std::is_same_v<E, TokenRotated>) {
                    if (e.token_id == token_id)
                        trail.rotated = cite;
                } else if constexpr (std::is_same_v<E, TokenTransferred>) {
                    if (e.token_id == token_id)
                        trail.transfers.push_back(cite);
                } else if constexpr (std::is_same_v<E, UserDeleted>) {
                    trail.deleted[e.user_id] = cite;
                } else if constexpr (std::is_same_v<E, WebhookInstalled>) {
                    if (e.webhook_id == plan.webhook_id)
                        trail.installed = cite;
                } else if constexpr (std::is_same_v<E, WebhookUninstalled>) {
                    if (e.webhook_id == plan.webhook_id)
                        trail.uninstalled = cite;
                }
            },
            fact->event);
    }
    return trail;
}

// The cited facts in position order; a fact cited for several reasons appears once.
class Citations {
  public:
    void add(const std::optional<Cite>& cite, const std::string& role) {
        if (cite) {
            add(*cite, role);
        }
    }
    void add(const Cite& cite, const std::string& role) {
        auto& entry = by_position_[cite.position];
        if (entry.is_null()) {
            entry = {{"position", cite.position},
                     {"at", format_instant(cite.at)},
                     {"type", cite.type},
                     {"roles", nlohmann::json::array()},
                     {"says", cite.says}};
        }
        entry["roles"].push_back(role);
    }
    nlohmann::json json() const {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& [position, entry] : by_position_) {
            out.push_back(entry);
        }
        return out;
    }

  private:
    std::map<std::uint64_t, nlohmann::json> by_position_;
};

std::string at_position(const std::optional<Cite>& cite) {
    return cite ? fmt::format("{} (position {})", format_instant(cite->at), cite->position)
                : std::string("(not in the folded history)");
}

std::string days(Instant window_ms) {
    return window_ms % kDayMs == 0 ? fmt::format("{} days", window_ms / kDayMs)
                                   : fmt::format("{} ms", window_ms);
}

std::optional<Cite> find(const std::unordered_map<std::string, Cite>& cites,
                         const std::string& id) {
    auto it = cites.find(id);
    return it == cites.end() ? std::nullopt : std::optional(it->second);
}

// The sentence for the owner's activity clock: the fact that last moved it and the window.
std::string activity_sentence(const Trail& trail, const Account& owner, Instant window_ms,
                              bool inactive) {
    const auto last = find(trail.last_activity, owner.id);
    return fmt::format(
        "owner {} {} {}: the last activity was {} at {} and the window is {}", owner.id,
        inactive ? "inactive since" : "active until", format_instant(inactive_at(owner, window_ms)),
        last ? last->type : std::string("recorded"), at_position(last), days(window_ms));
}

nlohmann::json answer(const Trail& trail, const ExplainPlan& plan, const Token& token) {
    const State& state = trail.state;
    const Instant t = plan.at;
    const Target target = plan.webhook_id   ? Target::webhook(*plan.webhook_id)
                          : plan.management ? Target::management()
                                            : Target::any();
    std::optional<Reason> refusal;
    if (plan.previous_secret && t >= state.previous_valid_until(token)) {
        refusal = Reason::secret_rotated;  // check 3 comes before the token's own checks
    }
    const std::optional<Reason> token_refusal_reason = token_refusal(state, token, target, t);
    if (!refusal) {
        refusal = token_refusal_reason;
    }

    Citations facts;
    facts.add(trail.issued, "issued");
    for (const Cite& transfer : trail.transfers) {
        facts.add(transfer, "owner_changed");
    }
    facts.add(trail.rotated, "rotated");
    const Account* owner = state.account_at_id(token.owner_index);
    if (owner != nullptr) {
        facts.add(find(trail.last_activity, owner->id), "owner_last_activity");
        facts.add(find(trail.deleted, owner->id), "owner_deleted");
    }

    std::string because;
    switch (refusal.value_or(Reason::bad_request)) {
        case Reason::secret_rotated:
            because = fmt::format(
                "the previous secret was presented at {}, but its grace ended at {} after the "
                "rotation at {}",
                format_instant(t), format_instant(state.previous_valid_until(token)),
                at_position(trail.rotated));
            break;
        case Reason::token_revoked:
            facts.add(trail.revoked, "revoked");
            because = "the token was revoked at " + at_position(trail.revoked);
            break;
        case Reason::token_expired:
            because = fmt::format("the token expired at {}, as set when it was issued at {}",
                                  format_instant(token.expires_at.value_or(0)),
                                  at_position(trail.issued));
            break;
        case Reason::wrong_webhook:
            because = fmt::format(
                "an app token of webhook {} (issued at {}) was presented {}",
                state.webhook_id(token), at_position(trail.issued),
                plan.webhook_id ? "at webhook " + *plan.webhook_id : "to the management API");
            break;
        case Reason::owner_deleted:
            because = owner == nullptr
                          ? fmt::format("the owner {} is not in the history", state.owner_id(token))
                          : fmt::format("the owner {} was deleted at {}", owner->id,
                                        at_position(find(trail.deleted, owner->id)));
            break;
        case Reason::owner_inactive:
            because = activity_sentence(trail, *owner, state.window_ms, true);
            break;
        default:  // accepted
            because =
                fmt::format("not revoked, {}, {}",
                            token.expires_at ? "expires at " + format_instant(*token.expires_at)
                                             : std::string("no expiry"),
                            owner ? activity_sentence(trail, *owner, state.window_ms, false)
                                  : std::string("no owner"));
            break;
    }

    std::string status = refusal ? std::string(to_string(*refusal)) : "valid";
    if (plan.webhook_id) {
        facts.add(trail.installed, "webhook_installed");
        const Webhook* webhook = state.webhook(*plan.webhook_id);
        if (webhook != nullptr && webhook->uninstalled_at) {
            facts.add(trail.uninstalled, "webhook_uninstalled");
        }
        if (webhook != nullptr && webhook->uninstalled_at && !plan.recorded_call) {
            status = "webhook_uninstalled";
            because = fmt::format(
                "webhook {} was uninstalled at {}: calls to it are answered 404 before any "
                "credential is checked (the token alone: {})",
                webhook->id, at_position(trail.uninstalled),
                refusal ? to_string(*refusal) : "valid");
        }
    }

    nlohmann::json out{
        {"token_id", std::string(state.token_id(token))},
        {"at", format_instant(t)},
        {"position", plan.position},
        {"window_days", plan.window_ms / kDayMs},
        {"status", status},
        {"token_status",
         token_refusal_reason ? std::string(to_string(*token_refusal_reason)) : "valid"},
        {"because", because},
        {"facts", facts.json()}};
    if (plan.webhook_id) {
        out["webhook_id"] = *plan.webhook_id;
    }
    return out;
}

}  // namespace

ExplainPlan plan_at(const projections::ReadModel& model, Instant window_ms, std::string token_id,
                    std::optional<std::string> webhook_id, Instant at) {
    ExplainPlan plan;
    plan.at = at;
    plan.find = ExplainPlan::Find::position;
    plan.head = model.position();
    plan.window_ms = window_ms;
    plan.sources = sources_of(model, token_id, webhook_id);
    plan.token_id = std::move(token_id);
    plan.webhook_id = std::move(webhook_id);
    return plan;
}

Answer<ExplainPlan> plan_at_position(const projections::ReadModel& model, Instant window_ms,
                                     std::string token_id, std::optional<std::string> webhook_id,
                                     std::uint64_t position) {
    if (position > model.position()) {
        return problem(Failure::bad_request, fmt::format("at_position must be a position from 0 "
                                                         "to {}",
                                                         model.position()));
    }
    if (position == 0) {
        return problem(Failure::not_found, "nothing exists at position 0");
    }
    ExplainPlan plan;
    plan.position = position;
    plan.find = ExplainPlan::Find::at;
    plan.head = model.position();
    plan.window_ms = window_ms;
    plan.sources = sources_of(model, token_id, webhook_id);
    plan.token_id = std::move(token_id);
    plan.webhook_id = std::move(webhook_id);
    return plan;
}

Answer<nlohmann::json> explain(const eventstore::EventStore& store, ExplainPlan plan) {
    if (auto found = find_point(store, plan); !found) {
        return std::unexpected(found.error());
    }
    auto positions = projections::read_positions(store, plan.sources, plan.position);
    if (!positions) {
        return problem(Failure::store, positions.error().message);
    }
    // Every event the answer rests on must be vouched for by its successor (decision 110).
    if (auto linked = check_links(store, *positions); !linked) {
        return std::unexpected(linked.error());
    }
    auto trail = fold(store, plan, *positions);
    if (!trail) {
        return std::unexpected(trail.error());
    }
    const std::string point =
        fmt::format("at {} (position {})", format_instant(plan.at), plan.position);
    // A recorded call was decided on the token alone; the server records none on a webhook it
    // does not know, but a history written otherwise must still be explained.
    if (plan.webhook_id && !plan.recorded_call &&
        trail->state.webhook(*plan.webhook_id) == nullptr) {
        return problem(Failure::not_found,
                       fmt::format("webhook {} did not exist {}", *plan.webhook_id, point));
    }
    const Token* token = trail->state.token(plan.token_id);
    if (token == nullptr) {
        return problem(Failure::not_found,
                       fmt::format("token {} did not exist {}", plan.token_id, point));
    }
    return answer(*trail, plan, *token);
}

namespace {

// The position and content of the call `call_id`, searched from the head backwards: the calls
// auditors ask about are mostly recent ones.
// TODO(audit): no index by call id; an old call costs a read of the log after it.
Answer<std::pair<std::uint64_t, Fact>> find_call(const eventstore::EventStore& store,
                                                 const std::string& call_id) {
    std::uint64_t end = store.head_position();
    while (end > 0) {
        const std::uint64_t after = end > kCallSearchPage ? end - kCallSearchPage : 0;
        auto page = store.read_all(after, static_cast<std::size_t>(end - after));
        if (!page) {
            return problem(Failure::store, page.error().message);
        }
        for (auto it = page->rbegin(); it != page->rend(); ++it) {
            if (it->type != "CallDecided") {
                continue;
            }
            auto fact = engine::decode_fact(*it);
            if (!fact) {
                return problem(Failure::store, fact.error());
            }
            const auto* call = std::get_if<CallDecided>(&fact->event);
            if (call != nullptr && call->call_id == call_id) {
                return std::pair{it->position, std::move(*fact)};
            }
        }
        end = after;
    }
    return problem(Failure::not_found, "no recorded call " + call_id);
}

nlohmann::json recorded_call(std::uint64_t position, const Fact& fact, const CallDecided& call) {
    nlohmann::json out{{"position", position},          {"at", format_instant(fact.at)},
                       {"call_id", call.call_id},       {"token_id", call.token_id},
                       {"owner_id", call.owner_id},     {"previous_secret", call.previous_secret},
                       {"outcome", call_outcome(call)}, {"says", describe(call)}};
    if (!call.webhook_id.empty()) {
        out["webhook_id"] = call.webhook_id;
    }
    if (!call.request.empty()) {
        out["request"] = call.request;
    }
    return out;
}

}  // namespace

Answer<nlohmann::json> explain_call(const eventstore::EventStore& store,
                                    const projections::ReadModel& model, Instant window_ms,
                                    const std::string& call_id) {
    auto found = find_call(store, call_id);
    if (!found) {
        return std::unexpected(found.error());
    }
    const auto& [position, fact] = *found;
    const auto& call = std::get<CallDecided>(fact.event);
    if (position > model.position()) {
        return problem(Failure::store, "the read model ends before the call's position");
    }

    // The rules decided on the state just before the call's own event.
    ExplainPlan plan;
    plan.token_id = call.token_id;
    if (!call.webhook_id.empty()) {
        plan.webhook_id = call.webhook_id;
    }
    plan.management = call.webhook_id.empty();
    plan.previous_secret = call.previous_secret;
    plan.recorded_call = true;
    plan.at = fact.at;
    plan.position = position - 1;
    plan.window_ms = window_ms;
    plan.sources = sources_of(model, call.token_id, plan.webhook_id);

    auto explained = explain(store, plan);
    if (!explained) {
        return std::unexpected(explained.error());
    }
    nlohmann::json out = std::move(*explained);
    out["call"] = recorded_call(position, fact, call);
    out["recomputed"] = out["status"];
    out["agrees"] = out["status"] == call_outcome(call) ||
                    (out["status"] == "valid" && !call.refusal.has_value());
    return out;
}

}  // namespace keyledger::audit
