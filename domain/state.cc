#include "domain/state.h"

namespace keyledger::domain {
namespace {

template <class Record>
const Record* at_id(const std::vector<Record>& records, const std::vector<std::uint32_t>& places,
                    IdIndex id) {
    if (id >= places.size() || places[id] == IdTable::kNone) {
        return nullptr;
    }
    return &records[places[id]];
}

}  // namespace

bool State::operator==(const State& other) const {
    // The lookup tables (account_at, token_at, webhook_at) follow from the records; the secret
    // index compares by content.
    return initialized == other.initialized && window_ms == other.window_ms &&
           store_id == other.store_id && last_event_at == other.last_event_at && ids == other.ids &&
           names == other.names && accounts == other.accounts && tokens == other.tokens &&
           webhooks == other.webhooks && rotations == other.rotations &&
           api_calls == other.api_calls && account_at == other.account_at &&
           token_at == other.token_at && webhook_at == other.webhook_at &&
           account_by_username == other.account_by_username && secrets == other.secrets &&
           idempotency == other.idempotency && idempotency_order == other.idempotency_order;
}

const Account* State::account_at_id(IdIndex id) const {
    return at_id(accounts, account_at, id);
}
const Token* State::token_at_id(IdIndex id) const {
    return at_id(tokens, token_at, id);
}
const Webhook* State::webhook_at_id(IdIndex id) const {
    return at_id(webhooks, webhook_at, id);
}

const Account* State::account(std::string_view id) const {
    return account_at_id(ids.find(id));
}
const Token* State::token(std::string_view id) const {
    return token_at_id(ids.find(id));
}
const Webhook* State::webhook(std::string_view id) const {
    return webhook_at_id(ids.find(id));
}
const Account* State::account_by_name(std::string_view username) const {
    auto it = account_by_username.find(std::string(username));
    return it == account_by_username.end() ? nullptr : account_at_id(it->second);
}

std::string_view State::id(IdIndex index) const {
    return index == kNoId ? std::string_view() : ids.at(index);
}

std::vector<std::string> State::token_ids(const std::vector<IdIndex>& indices) const {
    std::vector<std::string> out;
    out.reserve(indices.size());
    for (IdIndex index : indices) {
        out.emplace_back(id(index));
    }
    return out;
}

const Rotation* State::rotation(const Token& token) const {
    return token.rotation_index == IdTable::kNone ? nullptr : &rotations[token.rotation_index];
}

Instant State::previous_valid_until(const Token& token) const {
    const Rotation* r = rotation(token);
    return r == nullptr ? 0 : r->previous_valid_until;
}

const LastCalls& State::last_calls(const Token& token) const {
    static const LastCalls none;
    return token.calls_index == IdTable::kNone ? none : api_calls[token.calls_index];
}

const Digest& State::secret_digest(SecretIndex::Ref ref) const {
    const Token& token = tokens[ref >> 1];
    return (ref & 1) != 0 ? rotations[token.rotation_index].previous_hash : token.secret_hash;
}

std::optional<std::pair<const Token*, bool>> State::find_secret(const Digest& digest) const {
    const SecretIndex::Ref ref = secrets.find(digest, digest_of_ref());
    if (ref == SecretIndex::kNoRef) {
        return std::nullopt;
    }
    return std::pair(&tokens[ref >> 1], (ref & 1) != 0);
}

}  // namespace keyledger::domain
