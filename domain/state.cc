#include "domain/state.h"

namespace keyledger::domain {
namespace {

template <class Map>
auto* find_in(Map& map, std::string_view id) {
    auto it = map.find(std::string(id));
    return it == map.end() ? nullptr : &it->second;
}

}  // namespace

const Account* State::account(std::string_view id) const {
    return find_in(accounts, id);
}
const Token* State::token(std::string_view id) const {
    return find_in(tokens, id);
}
const Webhook* State::webhook(std::string_view id) const {
    return find_in(webhooks, id);
}
const Account* State::account_by_name(std::string_view username) const {
    const std::string* id = find_in(account_by_username, username);
    return id == nullptr ? nullptr : account(*id);
}

}  // namespace keyledger::domain
