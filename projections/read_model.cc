#include "projections/read_model.h"

#include <algorithm>
#include <cassert>

#include "domain/evolve.h"

namespace keyledger::projections {
namespace {

void link(std::unordered_map<std::string, std::vector<std::string>>& links, const std::string& from,
          const std::string& to) {
    auto& list = links[from];
    if (std::find(list.begin(), list.end(), to) == list.end()) {
        list.push_back(to);
    }
}

}  // namespace

void HistoryIndex::touch(const std::string& entity, std::uint64_t position) {
    if (entity.empty()) {
        return;
    }
    auto& list = positions_[entity];
    if (list.empty() || list.back() != position) {
        list.push_back(position);
    }
}

void HistoryIndex::add(std::uint64_t position, const domain::Fact& fact) {
    assert(position == at_by_position_.size() + 1);
    at_by_position_.push_back(fact.at);

    using namespace domain;
    std::visit(
        [&](const auto& e) {
            using E = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<E, UserCreated> || std::is_same_v<E, PasswordChanged> ||
                          std::is_same_v<E, LoginSucceeded> || std::is_same_v<E, LoginFailed> ||
                          std::is_same_v<E, UserReactivated> || std::is_same_v<E, UserDeleted>) {
                touch(e.user_id, position);
            } else if constexpr (std::is_same_v<E, WebhookInstalled> ||
                                 std::is_same_v<E, WebhookUninstalled>) {
                touch(e.webhook_id, position);
            } else if constexpr (std::is_same_v<E, TokenIssued>) {
                touch(e.token_id, position);
                touch(e.owner_id, position);
                touch(e.webhook_id, position);
                link(tokens_of_account_, e.owner_id, e.token_id);
                link(owners_of_token_, e.token_id, e.owner_id);
                if (!e.webhook_id.empty()) {
                    webhook_of_token_[e.token_id] = e.webhook_id;
                }
            } else if constexpr (std::is_same_v<E, TokenRevoked> ||
                                 std::is_same_v<E, TokenRotated>) {
                touch(e.token_id, position);
            } else if constexpr (std::is_same_v<E, TokenTransferred>) {
                touch(e.token_id, position);
                touch(e.from_owner_id, position);
                touch(e.to_owner_id, position);
                link(tokens_of_account_, e.to_owner_id, e.token_id);
                link(owners_of_token_, e.token_id, e.to_owner_id);
            } else if constexpr (std::is_same_v<E, CallDecided>) {
                touch(e.token_id, position);
                // Only accepted calls move an owner's clock; refusals stay on the token.
                if (!e.refusal) {
                    touch(e.owner_id, position);
                }
            }
        },
        fact.event);
}

std::uint64_t HistoryIndex::position_at(Instant t) const {
    auto it = std::upper_bound(at_by_position_.begin(), at_by_position_.end(), t);
    return static_cast<std::uint64_t>(it - at_by_position_.begin());
}

void HistoryIndex::append_upto(std::vector<std::uint64_t>& out, const std::string& entity,
                               std::uint64_t last) const {
    auto it = positions_.find(entity);
    if (it == positions_.end()) {
        return;
    }
    auto end = std::upper_bound(it->second.begin(), it->second.end(), last);
    out.insert(out.end(), it->second.begin(), end);
}

namespace {
void sort_unique(std::vector<std::uint64_t>& positions) {
    std::sort(positions.begin(), positions.end());
    positions.erase(std::unique(positions.begin(), positions.end()), positions.end());
}
}  // namespace

std::vector<std::uint64_t> HistoryIndex::positions_for_account(const std::string& id,
                                                               std::uint64_t last) const {
    std::vector<std::uint64_t> out;
    append_upto(out, id, last);
    if (auto it = tokens_of_account_.find(id); it != tokens_of_account_.end()) {
        for (const auto& token_id : it->second) {
            append_upto(out, token_id, last);
        }
    }
    sort_unique(out);
    return out;
}

std::vector<std::uint64_t> HistoryIndex::positions_for_token(const std::string& id,
                                                             std::uint64_t last) const {
    std::vector<std::uint64_t> out;
    append_upto(out, id, last);
    if (auto it = owners_of_token_.find(id); it != owners_of_token_.end()) {
        for (const auto& owner_id : it->second) {
            append_upto(out, owner_id, last);
        }
    }
    if (auto it = webhook_of_token_.find(id); it != webhook_of_token_.end()) {
        append_upto(out, it->second, last);
    }
    sort_unique(out);
    return out;
}

void ReadModel::apply(std::uint64_t position, const domain::Fact& fact) {
    assert(position == position_ + 1);
    history_.add(position, fact);
    domain::evolve(state_, fact);
    position_ = position;
}

}  // namespace keyledger::projections
