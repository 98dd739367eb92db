#include "audit/replay.h"

#include <algorithm>

#include "api/views.h"
#include "audit/links.h"
#include "engine/engine.h"
#include "engine/rebuild.h"

namespace keyledger::audit {

using namespace domain;

namespace {

template <class Record, class IdOf, class Render>
nlohmann::json rendered(const std::vector<Record>& entities, const IdOf& id_of,
                        const std::function<bool(const std::string&)>& keep, const Render& render) {
    std::vector<const Record*> chosen;
    for (const Record& entity : entities) {
        if (keep(std::string(id_of(entity))))
            chosen.push_back(&entity);
    }
    std::sort(chosen.begin(), chosen.end(),
              [&](auto* a, auto* b) { return id_of(*a) < id_of(*b); });
    nlohmann::json out = nlohmann::json::array();
    for (const auto* entity : chosen) {
        out.push_back(render(*entity));
    }
    return out;
}

void merge_into(projections::HistorySources& into, const projections::HistorySources& more) {
    into.streams.insert(into.streams.end(), more.streams.begin(), more.streams.end());
    into.related.insert(into.related.end(), more.related.begin(), more.related.end());
}

}  // namespace

Answer<nlohmann::json> replay(const eventstore::EventStore& store,
                              const projections::ReadModel& model, const ReplayQuestion& question,
                              const ReadProgress& progress) {
    const auto& history = model.history();
    auto point = projections::point_as_of(store, question.as_of, model.position());
    if (!point) {
        return problem(Failure::store, point.error().message);
    }
    const std::uint64_t p = point->position;
    const Instant t = question.as_of;
    const Instant window = model.state().window_ms;

    std::optional<std::string> account_id = question.account_id;
    if (question.username) {
        // Usernames are never reused (deleted accounts keep theirs), so today's index names the
        // account that had it at any time.
        const Account* account = model.state().account_by_name(*question.username);
        if (account == nullptr) {
            return problem(Failure::not_found, "no account named " + *question.username);
        }
        account_id = account->id;
    }

    State state;
    std::string wanted;  // the filter's id; the keep functions below refer to it
    std::function<bool(const std::string&)> keep_account = [](const std::string&) { return true; };
    std::function<bool(const std::string&)> keep_token = keep_account;
    std::function<bool(const std::string&)> keep_webhook = keep_account;
    const bool filtered = account_id || question.token_id || question.webhook_id;
    if (!filtered) {
        // Everything at T: the whole log up to T, from the snapshot when it lies before T.
        projections::ReadModel past;
        if (auto snapshot = engine::load_snapshot(store);
            snapshot && *snapshot && (*snapshot)->model.position() <= p) {
            past = std::move((*snapshot)->model);
        }
        if (p > past.position()) {
            // Every event folded must be vouched for by its successor (or the head).
            if (auto linked = check_links(store, past.position() + 1, p); !linked) {
                return std::unexpected(linked.error());
            }
        }
        if (p > 0) {  // fold_log reads to the end of the log when asked for position 0
            auto folded = engine::fold_log(store, past, p, [&](std::uint64_t) {
                if (progress)
                    progress(past.position(), p);
            });
            if (!folded) {
                return problem(Failure::store, folded.error());
            }
        }
        state = past.state();
    } else {
        const State& today = model.state();
        projections::HistorySources sources;
        if (account_id) {
            wanted = *account_id;
            sources = history.sources_for_account(today, wanted);
            keep_account = [&](const std::string& id) { return id == wanted; };
            keep_token = [&](const std::string& id) {
                const Token* token = state.token(id);
                return token != nullptr && state.owner_id(*token) == wanted;
            };
            keep_webhook = [](const std::string&) { return false; };
        } else if (question.token_id) {
            wanted = *question.token_id;
            sources = history.sources_for_token(today, wanted);
            keep_account = [](const std::string&) { return false; };
            keep_token = [&](const std::string& id) { return id == wanted; };
            keep_webhook = keep_account;
        } else {
            wanted = *question.webhook_id;
            // The webhook's own events, and its app tokens folded with their owners.
            sources = history.sources_for_webhook(today, wanted);
            if (const Webhook* now = today.webhook(wanted)) {
                for (IdIndex token_id : now->tokens) {
                    merge_into(sources, history.sources_for_token(today, today.id(token_id)));
                }
            }
            keep_account = [](const std::string&) { return false; };
            keep_token = [&](const std::string& id) {
                const Token* token = state.token(id);
                return token != nullptr && state.webhook_id(*token) == wanted;
            };
            keep_webhook = [&](const std::string& id) { return id == wanted; };
        }
        auto positions = projections::read_positions(store, sources, p);
        if (!positions) {
            return problem(Failure::store, positions.error().message);
        }
        // The events are scattered: each is checked against its successor (or the head).
        if (auto linked = check_links(store, *positions); !linked) {
            return std::unexpected(linked.error());
        }
        auto past = engine::fold_positions(store, window, *positions);
        if (!past) {
            return problem(Failure::store, past.error());
        }
        state = std::move(*past);
        const bool found = account_id          ? state.account(wanted) != nullptr
                           : question.token_id ? state.token(wanted) != nullptr
                                               : state.webhook(wanted) != nullptr;
        if (!found) {
            return problem(Failure::not_found, wanted + " did not exist at " + format_instant(t));
        }
    }

    return nlohmann::json{
        {"as_of", format_instant(t)},
        {"position", p},
        {"accounts",
         rendered(
             state.accounts, [](const Account& a) { return std::string_view(a.id); }, keep_account,
             [&](const Account& a) { return api::user_json(state, a, t); })},
        {"tokens", rendered(
                       state.tokens, [&](const Token& k) { return state.token_id(k); }, keep_token,
                       [&](const Token& k) { return api::token_json(state, k, std::nullopt, t); })},
        {"webhooks",
         rendered(
             state.webhooks, [](const Webhook& w) { return std::string_view(w.id); }, keep_webhook,
             [&](const Webhook& w) { return api::webhook_json(state, w); })}};
}

}  // namespace keyledger::audit
