#include "projections/history_index.h"

#include <algorithm>

namespace keyledger::projections {

using domain::IdIndex;
using domain::kNoId;

namespace {

void add_unique(std::vector<std::string>& list, std::string text) {
    if (std::find(list.begin(), list.end(), text) == list.end()) {
        list.push_back(std::move(text));
    }
}

// An account's own stream and the events that name it.
// The streams of the webhooks a token serves or served: its own (an app token) or those it
// called (an API token), so that a past state knows whether each was installed.
void add_webhooks_of(HistorySources& sources, const domain::State& state,
                     const domain::Token& token) {
    if (token.webhook_index != kNoId) {
        sources.add_webhook_stream(state.id(token.webhook_index));
    }
    for (const auto& [webhook, at] : state.last_calls(token)) {
        sources.add_webhook_stream(state.id(webhook));
    }
}

void add_account_itself(HistorySources& sources, std::string_view id) {
    add_unique(sources.streams, domain::user_stream(id));
    add_unique(sources.related, std::string(id));
}

const std::vector<IdIndex>& listed(const std::unordered_map<IdIndex, std::vector<IdIndex>>& map,
                                   IdIndex key) {
    static const std::vector<IdIndex> none;
    auto it = map.find(key);
    return it == map.end() ? none : it->second;
}

}  // namespace

void HistoryIndex::remember(IdIndex account, IdIndex token) {
    transfers_.emplace_back(account, token);
    auto& tokens = given_away_[account];
    if (std::find(tokens.begin(), tokens.end(), token) == tokens.end()) {
        tokens.push_back(token);
    }
    auto& owners = earlier_owners_[token];
    if (std::find(owners.begin(), owners.end(), account) == owners.end()) {
        owners.push_back(account);
    }
}

void HistoryIndex::add(const domain::State& state, const domain::Event& event) {
    const auto* moved = std::get_if<domain::TokenTransferred>(&event);
    if (moved == nullptr) {
        return;
    }
    const IdIndex from = state.ids.find(moved->from_owner_id);
    const IdIndex token = state.ids.find(moved->token_id);
    if (from != kNoId && token != kNoId) {
        remember(from, token);
    }
}

bool HistoryIndex::from_transfers(const domain::State& state,
                                  std::vector<std::pair<IdIndex, IdIndex>> transfers,
                                  HistoryIndex& out) {
    out = HistoryIndex();
    for (const auto& [account, token] : transfers) {
        if (account >= state.ids.size() || token >= state.ids.size()) {
            return false;
        }
        out.remember(account, token);
    }
    return true;
}

HistorySources HistoryIndex::sources_for_account(const domain::State& state,
                                                 std::string_view id) const {
    HistorySources sources;
    const IdIndex index = state.ids.find(id);
    if (index == kNoId) {
        return sources;
    }
    add_account_itself(sources, id);
    auto add_token = [&](IdIndex token) {
        add_unique(sources.streams, domain::token_stream(state.id(token)));
        if (const domain::Token* record = state.token_at_id(token)) {
            add_webhooks_of(sources, state, *record);
        }
    };
    if (const domain::Account* account = state.account(id)) {
        for (IdIndex token : account->tokens) {
            add_token(token);
        }
    }
    for (IdIndex token : listed(given_away_, index)) {
        add_token(token);
    }
    return sources;
}

HistorySources HistoryIndex::sources_for_token(const domain::State& state,
                                               std::string_view id) const {
    HistorySources sources;
    const domain::Token* token = state.token(id);
    if (token == nullptr) {
        return sources;
    }
    add_unique(sources.streams, domain::token_stream(id));
    if (token->owner_index != kNoId) {
        add_account_itself(sources, state.id(token->owner_index));
    }
    for (IdIndex owner : listed(earlier_owners_, token->id_index)) {
        add_account_itself(sources, state.id(owner));
    }
    if (token->webhook_index != kNoId) {
        add_unique(sources.related, std::string(state.id(token->webhook_index)));
    }
    add_webhooks_of(sources, state, *token);
    return sources;
}

HistorySources HistoryIndex::sources_for_webhook(const domain::State& state,
                                                 std::string_view id) const {
    HistorySources sources;
    if (state.ids.find(id) == kNoId) {
        return sources;
    }
    add_unique(sources.streams, domain::webhook_stream(id));
    add_unique(sources.related, std::string(id));
    return sources;
}

void HistorySources::add_webhook_stream(std::string_view webhook_id) {
    add_unique(streams, domain::webhook_stream(webhook_id));
}

eventstore::Result<std::vector<std::uint64_t>> read_positions(const eventstore::EventStore& store,
                                                              const HistorySources& sources,
                                                              std::uint64_t last) {
    std::vector<std::uint64_t> positions;
    auto take = [&](const eventstore::Result<std::vector<std::uint64_t>>& found) {
        if (found) {
            positions.insert(positions.end(), found->begin(), found->end());
        }
        return found.has_value();
    };
    for (const std::string& stream : sources.streams) {
        if (auto found = store.stream_positions(stream, last); !take(found)) {
            return std::unexpected(found.error());
        }
    }
    for (const std::string& id : sources.related) {
        if (auto found = store.related_positions(id, last); !take(found)) {
            return std::unexpected(found.error());
        }
    }
    std::sort(positions.begin(), positions.end());
    positions.erase(std::unique(positions.begin(), positions.end()), positions.end());
    return positions;
}

eventstore::Result<LogPoint> point_as_of(const eventstore::EventStore& store, domain::Instant at,
                                         std::uint64_t head) {
    auto position = store.position_at(at, head);
    if (!position) {
        return std::unexpected(position.error());
    }
    return LogPoint{*position, at};
}

eventstore::Result<LogPoint> point_at_position(const eventstore::EventStore& store,
                                               std::uint64_t position) {
    if (position == 0) {
        return LogPoint{};
    }
    auto event = store.read_at(position);
    if (!event) {
        return std::unexpected(event.error());
    }
    return LogPoint{position, event->at_ms};
}

}  // namespace keyledger::projections
