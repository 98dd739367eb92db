#include "domain/rules.h"

#include <algorithm>
#include <set>

#include <range/v3/range/conversion.hpp>
#include <range/v3/view/filter.hpp>
#include <range/v3/view/map.hpp>
#include <range/v3/view/transform.hpp>

namespace keyledger::domain {

std::string_view to_string(AccountStatus status) {
    switch (status) {
        case AccountStatus::active:
            return "active";
        case AccountStatus::inactive:
            return "inactive";
        case AccountStatus::deleted:
            return "deleted";
    }
    return "unknown";
}

AccountStatus account_status(const Account& account, Instant t, Instant window_ms) {
    if (account.deleted_at && *account.deleted_at <= t) {
        return AccountStatus::deleted;
    }
    return t >= inactive_at(account, window_ms) ? AccountStatus::inactive : AccountStatus::active;
}

bool token_live(const Token& token, Instant t) {
    if (token.revoked_at && *token.revoked_at <= t) {
        return false;
    }
    return !(token.expires_at && t >= *token.expires_at);
}

std::optional<Reason> token_refusal(const State& state, const Token& token, const Target& target,
                                    Instant t) {
    if (token.revoked_at && *token.revoked_at <= t) {
        return Reason::token_revoked;
    }
    if (token.expires_at && t >= *token.expires_at) {
        return Reason::token_expired;
    }
    if (token.kind == TokenKind::app) {
        const bool elsewhere =
            target.kind == Target::Kind::management ||
            (target.kind == Target::Kind::webhook && target.webhook_id != state.webhook_id(token));
        if (elsewhere) {
            return Reason::wrong_webhook;
        }
    }
    const Account* owner = state.account_at_id(token.owner_index);
    if (owner == nullptr) {
        return Reason::owner_deleted;  // unreachable from a consistent log; refuse, never admit
    }
    switch (account_status(*owner, t, state.window_ms)) {
        case AccountStatus::deleted:
            return Reason::owner_deleted;
        case AccountStatus::inactive:
            return Reason::owner_inactive;
        case AccountStatus::active:
            return std::nullopt;
    }
    return std::nullopt;
}

namespace {

bool installed_at(const State& state, IdIndex webhook, Instant t) {
    const Webhook* record = state.webhook_at_id(webhook);
    return record == nullptr || !(record->uninstalled_at && *record->uninstalled_at <= t);
}

}  // namespace

bool webhook_installed_at(const State& state, std::string_view webhook_id, Instant t) {
    return installed_at(state, state.ids.find(webhook_id), t);
}

bool token_serves(const State& state, const Token& token, std::string_view webhook_id, Instant t) {
    const IdIndex webhook = state.ids.find(webhook_id);
    if (!installed_at(state, webhook, t)) {
        return false;
    }
    if (token.kind == TokenKind::app) {
        return token.webhook_index == webhook;
    }
    for (const auto& [called, at] : state.last_calls(token)) {
        if (called == webhook) {
            return t < at + state.window_ms;
        }
    }
    return false;
}

std::vector<std::string> webhooks_served(const State& state, const Token& token, Instant t) {
    if (token.kind == TokenKind::app) {
        if (!installed_at(state, token.webhook_index, t)) {
            return {};
        }
        return {std::string(state.webhook_id(token))};
    }
    // An API token serves the installed webhooks it had an accepted call on within the window.
    std::vector<std::string> served =
        state.last_calls(token) | ranges::views::filter([&](const auto& call) {
            return t < call.second + state.window_ms && installed_at(state, call.first, t);
        }) |
        ranges::views::keys |
        ranges::views::transform([&](IdIndex id) { return std::string(state.id(id)); }) |
        ranges::to<std::vector<std::string>>();
    std::sort(served.begin(), served.end());
    return served;
}

std::vector<std::string> live_token_ids(const State& state, const Account& account, Instant t) {
    std::vector<std::string> live;
    for (IdIndex id : account.tokens) {
        const Token* token = state.token_at_id(id);
        if (token != nullptr && token_live(*token, t)) {
            live.emplace_back(state.id(id));
        }
    }
    std::sort(live.begin(), live.end());
    return live;
}

DeleteBlock delete_block(const State& state, const Account& account, Instant t) {
    DeleteBlock block;
    std::set<std::string> webhooks;
    for (const auto& token_id : live_token_ids(state, account, t)) {
        block.token_ids.push_back(token_id);
        for (auto& webhook_id : webhooks_served(state, *state.token(token_id), t)) {
            webhooks.insert(std::move(webhook_id));
        }
    }
    block.webhook_ids.assign(webhooks.begin(), webhooks.end());
    return block;
}

}  // namespace keyledger::domain
