#include "projections/read_model.h"

#include <algorithm>
#include <cassert>
#include <limits>
#include <stdexcept>

#include "domain/evolve.h"

namespace keyledger::projections {

std::uint32_t HistoryIndex::entity(std::string_view id) {
    const std::uint32_t index = ids_.intern(id);
    if (index > (kNone >> 1)) {
        throw std::length_error("the history index holds at most 2^31 entities");  // links tag
    }
    if (index == entities_.size()) {
        entities_.emplace_back();
    }
    return index;
}

void HistoryIndex::touch(std::string_view id, std::uint64_t position) {
    if (id.empty()) {
        return;
    }
    Entity& e = entities_[entity(id)];
    if (e.newest_position != kNone && node_position_[e.newest_position] == position) {
        return;
    }
    node_position_.push_back(static_cast<std::uint32_t>(position));
    node_older_.push_back(e.newest_position);
    e.newest_position = static_cast<std::uint32_t>(node_position_.size() - 1);
}

void HistoryIndex::push_link(std::uint32_t from, std::uint32_t target) {
    links_.push_back(Link{target, entities_[from].newest_link});
    entities_[from].newest_link = static_cast<std::uint32_t>(links_.size() - 1);
}

void HistoryIndex::link(std::string_view account, std::string_view token) {
    const std::uint32_t a = entity(account);
    const std::uint32_t t = entity(token);
    // Both directions are always added together, so the token's short list of owners says
    // whether the account already lists the token.
    for (std::uint32_t k = entities_[t].newest_link; k != kNone; k = links_[k].older) {
        if (links_[k].target == ((a << 1) | kOwnerTag)) {
            return;
        }
    }
    push_link(a, t << 1);
    push_link(t, (a << 1) | kOwnerTag);
}

void HistoryIndex::add(std::uint64_t position, const domain::Fact& fact) {
    assert(position == at_by_position_.size() + 1);
    if (position > std::numeric_limits<std::uint32_t>::max()) {
        throw std::length_error("the history index holds positions up to 2^32 - 1");
    }
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
                link(e.owner_id, e.token_id);
                if (!e.webhook_id.empty()) {
                    const std::uint32_t webhook = entity(e.webhook_id);
                    entities_[entity(e.token_id)].webhook = webhook;
                }
            } else if constexpr (std::is_same_v<E, TokenRevoked> ||
                                 std::is_same_v<E, TokenRotated>) {
                touch(e.token_id, position);
            } else if constexpr (std::is_same_v<E, TokenTransferred>) {
                touch(e.token_id, position);
                touch(e.from_owner_id, position);
                touch(e.to_owner_id, position);
                link(e.to_owner_id, e.token_id);
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

void HistoryIndex::append_upto(std::vector<std::uint64_t>& out, std::uint32_t entity,
                               std::uint64_t last) const {
    for (std::uint32_t k = entities_[entity].newest_position; k != kNone; k = node_older_[k]) {
        if (node_position_[k] <= last) {
            out.push_back(node_position_[k]);
        }
    }
}

namespace {
void sort_unique(std::vector<std::uint64_t>& positions) {
    std::sort(positions.begin(), positions.end());
    positions.erase(std::unique(positions.begin(), positions.end()), positions.end());
}
}  // namespace

std::vector<std::uint64_t> HistoryIndex::positions_for_account(std::string_view id,
                                                               std::uint64_t last) const {
    std::vector<std::uint64_t> out;
    const std::uint32_t account = ids_.find(id);
    if (account == kNone) {
        return out;
    }
    append_upto(out, account, last);
    for (std::uint32_t k = entities_[account].newest_link; k != kNone; k = links_[k].older) {
        if ((links_[k].target & kOwnerTag) == 0) {
            append_upto(out, links_[k].target >> 1, last);
        }
    }
    sort_unique(out);
    return out;
}

std::vector<std::uint64_t> HistoryIndex::positions_for_token(std::string_view id,
                                                             std::uint64_t last) const {
    std::vector<std::uint64_t> out;
    const std::uint32_t token = ids_.find(id);
    if (token == kNone) {
        return out;
    }
    append_upto(out, token, last);
    for (std::uint32_t k = entities_[token].newest_link; k != kNone; k = links_[k].older) {
        if ((links_[k].target & kOwnerTag) != 0) {
            append_upto(out, links_[k].target >> 1, last);
        }
    }
    if (entities_[token].webhook != kNone) {
        append_upto(out, entities_[token].webhook, last);
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
