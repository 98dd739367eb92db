#include "sim/model/model.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>

namespace keyledger::sim::model {
namespace {

constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t kDay = 86'400'000;
constexpr std::int64_t kUserAdmin = 1, kWebhookAdmin = 2, kAuditor = 4;

std::int64_t role_bits(const std::vector<std::string>& roles) {
    std::int64_t bits = 0;
    for (const auto& role : roles) {
        bits |= role == "user_admin"      ? kUserAdmin
                : role == "webhook_admin" ? kWebhookAdmin
                : role == "auditor"       ? kAuditor
                                          : 0;
    }
    return bits;
}

bool username_ok(const std::string& name) {
    if (name.empty() || name.size() > 64) {
        return false;
    }
    return std::ranges::all_of(name, [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
               c == '@' || c == '-';
    });
}

bool password_ok(const std::optional<std::string>& password) {
    return password && password->size() >= 8 && password->size() <= 1024;
}

Outcome answer(std::string result) {
    Outcome outcome;
    outcome.result = std::move(result);
    return outcome;
}

// An instant as API.md writes it (2026-03-02T00:00:00.000Z), by the standard library's calendar:
// the model shares no code with domain/instant.h.
std::string iso_instant(std::int64_t ms) {
    using namespace std::chrono;
    const sys_time<milliseconds> t{milliseconds(ms)};
    const sys_days day = floor<days>(t);
    const year_month_day date{day};
    const hh_mm_ss time{t - day};
    char text[32];
    std::snprintf(
        text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(date.year()),
        static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
        static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
        static_cast<int>(time.seconds().count()), static_cast<int>(time.subseconds().count()));
    return text;
}

}  // namespace

Model::Name Model::intern(const std::string& text) {
    auto [it, added] = name_ids_.try_emplace(text, static_cast<Name>(names_.size()));
    if (added) {
        names_.push_back(text);
        facts_of_.emplace_back();
    }
    return it->second;
}

Model::Name Model::find(const std::string& text) const {
    auto it = name_ids_.find(text);
    return it == name_ids_.end() ? 0 : it->second;
}

void Model::add(Kind kind, const std::string& subject, const std::string& other, std::int64_t at,
                std::int64_t number, bool flag) {
    const Name s = intern(subject);
    const Name o = other.empty() ? 0 : intern(other);
    const auto position = static_cast<std::uint32_t>(facts_.size());
    facts_.push_back(Fact{kind, flag, s, o, at, number});
    const auto k = static_cast<std::size_t>(kind);
    facts_of_[s][k].push_back(position);
    // Facts that are also looked up by what they name: a username, the account a token went to,
    // a secret, the webhook of an app token.
    const bool by_other = kind == Kind::user_created || kind == Kind::token_owner ||
                          kind == Kind::secret_set || (kind == Kind::token_issued && o != 0);
    if (by_other && o != s) {
        facts_of_[o][k].push_back(position);
    }
}

const std::vector<std::uint32_t>& Model::facts(const std::string& id, Kind kind) const {
    static const std::vector<std::uint32_t> none;
    const Name name = find(id);
    return name == 0 ? none : facts_of_[name][static_cast<std::size_t>(kind)];
}

const Model::Fact* Model::first(const std::string& id, Kind kind) const {
    const auto& list = facts(id, kind);
    return list.empty() ? nullptr : &facts_[list.front()];
}

const Model::Fact* Model::last(const std::string& id, Kind kind) const {
    const auto& list = facts(id, kind);
    return list.empty() ? nullptr : &facts_[list.back()];
}

bool Model::account_exists(const std::string& id) const {
    const Fact* created = first(id, Kind::user_created);
    return created != nullptr && text(created->subject) == id;
}

std::int64_t Model::last_activity(const std::string& account) const {
    // Steps never go back in time, so the last activity recorded is the latest.
    const Fact* latest = last(account, Kind::activity);
    return latest == nullptr ? 0 : latest->at;
}

std::int64_t Model::inactive_at(const std::string& id) const {
    return last_activity(id) + window_ms_;
}

bool Model::deleted(const std::string& account) const {
    return !facts(account, Kind::user_deleted).empty();
}

std::string Model::account_status(const std::string& id, std::int64_t t) const {
    if (deleted(id)) {
        return "deleted";
    }
    const std::int64_t boundary = inactive_at(id);
    const bool inactive = flaws_.inactivity_one_ms_late ? t > boundary : t >= boundary;
    return inactive ? "inactive" : "active";
}

bool Model::active(const std::string& account, std::int64_t t) const {
    return account_exists(account) && account_status(account, t) == "active";
}

std::int64_t Model::roles(const std::string& account) const {
    const Fact* created = first(account, Kind::user_created);
    return created == nullptr || text(created->subject) != account ? 0 : created->number;
}

std::string Model::token_owner(const std::string& token_id) const {
    for (auto it = facts(token_id, Kind::token_owner).rbegin();
         it != facts(token_id, Kind::token_owner).rend(); ++it) {
        if (text(facts_[*it].subject) == token_id) {
            return text(facts_[*it].other);
        }
    }
    return "";
}

std::int64_t Model::token_expiry(const std::string& token_id) const {
    const Fact* issued = first(token_id, Kind::token_issued);
    return issued == nullptr ? 0 : issued->number;
}

bool Model::token_live(const std::string& token, std::int64_t t) const {
    if (!facts(token, Kind::token_revoked).empty()) {
        return false;
    }
    const std::int64_t expiry = token_expiry(token);
    return expiry == 0 || t < expiry;
}

std::int64_t Model::grace_end(const std::string& token_id) const {
    // The token's secrets in order; with two or more, the last one's rotation ends a grace.
    const Name token = find(token_id);
    const Fact* latest = nullptr;
    std::size_t count = 0;
    for (auto position : facts(token_id, Kind::secret_set)) {
        if (facts_[position].subject == token) {
            latest = &facts_[position];
            ++count;
        }
    }
    return count < 2 ? 0 : latest->at + latest->number;
}

std::pair<std::string, bool> Model::secret_owner(const std::string& secret) const {
    const Fact* set = first(secret, Kind::secret_set);
    if (set == nullptr) {
        return {"", false};
    }
    const std::string& token = text(set->subject);
    // The token's secrets in order: the last is current, the one before it the previous one;
    // older ones are no longer ours at all.
    Name current = 0, previous = 0;
    for (auto position : facts(token, Kind::secret_set)) {
        if (facts_[position].subject == set->subject) {
            previous = current;
            current = facts_[position].other;
        }
    }
    const Name name = set->other;
    if (current == name) {
        return {token, false};
    }
    if (previous == name) {
        return {token, true};
    }
    return {"", false};
}

std::string Model::token_refusal(const std::string& token_id, std::int64_t t) const {
    const Fact* issued = first(token_id, Kind::token_issued);
    if (issued == nullptr) {
        return "not_found";
    }
    return auth_refusal(token_id, false, "*", t);
}

// target: a webhook id, "" for the management API, "*" for no particular place.
std::string Model::auth_refusal(const std::string& token, bool previous, const std::string& target,
                                std::int64_t t) const {
    if (previous && t >= grace_end(token)) {
        return "secret_rotated";
    }
    if (!facts(token, Kind::token_revoked).empty()) {
        return "token_revoked";
    }
    const std::int64_t expiry = token_expiry(token);
    if (expiry != 0 && t >= expiry) {
        return "token_expired";
    }
    const Fact* issued = first(token, Kind::token_issued);
    if (!issued->flag && target != "*" && target != text(issued->other)) {
        return "wrong_webhook";
    }
    const std::string owner = token_owner(token);
    const std::string status = account_status(owner, t);
    if (status == "deleted") {
        return "owner_deleted";
    }
    if (status == "inactive") {
        return "owner_inactive";
    }
    return "";
}

std::vector<std::string> Model::tokens_owned(const std::string& account) const {
    std::set<std::string> owned;
    for (auto position : facts(account, Kind::token_owner)) {
        const std::string token = text(facts_[position].subject);
        if (token_owner(token) == account) {
            owned.insert(token);
        }
    }
    return {owned.begin(), owned.end()};
}

std::vector<std::string> Model::webhooks_served(const std::string& token, std::int64_t t) const {
    // An uninstalled webhook is served by no token (every fact the model holds is at or before t).
    const auto installed = [&](const std::string& webhook) {
        return facts(webhook, Kind::webhook_uninstalled).empty();
    };
    const Fact* issued = first(token, Kind::token_issued);
    if (!issued->flag) {
        if (!installed(text(issued->other))) {
            return {};
        }
        return {text(issued->other)};
    }
    std::map<std::string, std::int64_t> latest;
    for (auto position : facts(token, Kind::accepted_on)) {
        const Fact& fact = facts_[position];
        auto& at = latest[text(fact.other)];
        at = std::max(at, fact.at);
    }
    std::vector<std::string> served;
    for (const auto& [webhook, at] : latest) {
        if (t < at + window_ms_ && installed(webhook)) {
            served.push_back(webhook);
        }
    }
    return served;
}

std::string Model::owner_unfit(const std::string& account, std::int64_t t) const {
    return active(account, t) ? "" : "owner_not_active";
}

Model::Caller Model::authenticate(const std::string& secret, std::int64_t t, bool is_read) {
    auto [token, previous] = secret_owner(secret);
    if (token.empty()) {
        return {"", "unknown_token"};
    }
    std::string refusal = auth_refusal(token, previous, "", t);
    if (!refusal.empty()) {
        return {"", refusal};
    }
    const std::string owner = token_owner(token);
    // A read is activity only when the last recorded activity is at least an hour old.
    if (!is_read || t - last_activity(owner) >= kHour) {
        add(Kind::activity, owner, "", t);
    }
    return {owner, ""};
}

Outcome Model::apply(const Step& step) {
    const std::int64_t t = step.at;
    switch (step.op) {
        case Op::init: {
            window_ms_ = step.window_days * kDay;
            add(Kind::store_created, "store", "", t, window_ms_);
            add(Kind::user_created, step.user, step.username, t,
                kUserAdmin | kWebhookAdmin | kAuditor, true);
            add(Kind::activity, step.user, "", t);
            add(Kind::token_issued, step.token, "", t, 0, true);
            add(Kind::token_owner, step.token, step.user, t);
            add(Kind::secret_set, step.token, step.secret, t);
            return answer("accepted");
        }
        case Op::call:
            return call(step, t);
        case Op::login:
            return login(step, t);
        case Op::probe_account:
            if (!account_exists(step.user)) {
                return answer("not_found");
            } else {
                const std::string status = account_status(step.user, t);
                return answer(status == "inactive"
                                  ? "inactive since " + iso_instant(inactive_at(step.user))
                                  : status);
            }
        case Op::probe_token: {
            const std::string refusal = token_refusal(step.token, t);
            return answer(refusal.empty() ? "valid" : refusal);
        }
        case Op::read: {
            Caller caller = authenticate(step.by, t, true);
            if (!caller.refusal.empty()) {
                return answer(caller.refusal);
            }
            return answer(roles(caller.account) & (kUserAdmin | kAuditor) ? "accepted"
                                                                          : "missing_role");
        }
        default: {
            Caller caller = authenticate(step.by, t, false);
            if (!caller.refusal.empty()) {
                return answer(caller.refusal);
            }
            return command(step, caller.account, t);
        }
    }
}

Outcome Model::call(const Step& step, std::int64_t t) {
    if (first(step.webhook, Kind::webhook_installed) == nullptr) {
        return answer("not_found");
    }
    if (!facts(step.webhook, Kind::webhook_uninstalled).empty()) {
        return answer("webhook_uninstalled");
    }
    auto [token, previous] = secret_owner(step.secret);
    if (token.empty()) {
        return answer("unknown_token");
    }
    std::string refusal = auth_refusal(token, previous, step.webhook, t);
    if (!refusal.empty()) {
        return answer(refusal);  // a refusal uses up no delivery key
    }
    const std::string scope = token + "\n" + step.webhook + "\n" + step.key.value_or("");
    const Delivery* earlier = step.key ? delivery(scope, t) : nullptr;
    if (earlier != nullptr && earlier->body == step.body) {
        // The same delivery again: the first answer, and nothing else happens.
        Outcome repeat = answer("accepted");
        repeat.replayed = true;
        repeat.call_id = step.call_id.empty() ? "" : earlier->call_id;
        return repeat;
    }
    add(Kind::activity, token_owner(token), "", t);
    if (first(token, Kind::token_issued)->flag) {
        add(Kind::accepted_on, token, step.webhook, t);
    }
    if (earlier != nullptr) {
        return answer("idempotency_key_reused");  // authenticated, so activity all the same
    }
    if (step.key) {
        remember_delivery(scope, step, t);
    }
    Outcome accepted = answer("accepted");
    accepted.call_id = step.call_id;
    return accepted;
}

const Model::Delivery* Model::delivery(const std::string& scope, std::int64_t t) {
    while (!delivery_order_.empty() && delivery_order_.front().first + kDay <= t) {
        auto it = deliveries_.find(delivery_order_.front().second);
        if (it != deliveries_.end() && it->second.at == delivery_order_.front().first) {
            deliveries_.erase(it);
        }
        delivery_order_.pop_front();
    }
    auto it = deliveries_.find(scope);
    return it == deliveries_.end() || t >= it->second.at + kDay ? nullptr : &it->second;
}

void Model::remember_delivery(const std::string& scope, const Step& step, std::int64_t t) {
    deliveries_[scope] = Delivery{step.body, step.call_id, t};
    delivery_order_.emplace_back(t, scope);
}

Outcome Model::login(const Step& step, std::int64_t t) {
    const Fact* created = first(step.username, Kind::user_created);
    if (created == nullptr || text(created->other) != step.username) {
        return answer("invalid_credentials");
    }
    const std::string account = text(created->subject);
    const Fact* password = last(account, Kind::password_set);
    if (deleted(account) || password == nullptr || !step.password ||
        text(password->other) != *step.password) {
        return answer("invalid_credentials");
    }
    if (!active(account, t)) {
        return answer("account_inactive");
    }
    add(Kind::activity, account, "", t);
    return answer("accepted");
}

Outcome Model::command(const Step& step, const std::string& caller, std::int64_t t) {
    const std::int64_t caller_roles = roles(caller);
    const bool user_admin = (caller_roles & kUserAdmin) != 0;
    const bool webhook_admin = (caller_roles & kWebhookAdmin) != 0;
    // The owner a new token goes to: the caller, or another account for a user_admin.
    auto new_owner = [&](std::string& owner) -> std::string {
        owner = step.owner.value_or(caller);
        if (owner != caller && !user_admin) {
            return "missing_role";
        }
        if (!account_exists(owner)) {
            return "not_found";
        }
        return owner_unfit(owner, t);
    };
    auto issue = [&](const std::string& token, const std::string& owner, const std::string& webhook,
                     std::int64_t expiry, bool api) {
        add(Kind::token_issued, token, webhook, t, expiry, api);
        add(Kind::token_owner, token, owner, t);
        add(Kind::secret_set, token, step.secret, t);
    };
    auto token_exists = [&](const std::string& token) {
        const Fact* issued = first(token, Kind::token_issued);
        return issued != nullptr && text(issued->subject) == token;
    };
    switch (step.op) {
        case Op::create_user: {
            if (!user_admin) {
                return answer("missing_role");
            }
            if (!username_ok(step.username) || (step.password && !password_ok(step.password))) {
                return answer("bad_request");
            }
            if (first(step.username, Kind::user_created) != nullptr) {
                return answer("username_taken");
            }
            add(Kind::user_created, step.user, step.username, t, role_bits(step.roles),
                step.kind == "service");
            add(Kind::activity, step.user, "", t);
            if (step.password) {
                add(Kind::password_set, step.user, *step.password, t);
            }
            return answer("accepted");
        }
        case Op::change_password: {
            const bool self = caller == step.user;
            if (!self && !user_admin) {
                return answer("missing_role");
            }
            if (!account_exists(step.user)) {
                return answer("not_found");
            }
            if (!password_ok(step.password)) {
                return answer("bad_request");
            }
            if (!user_admin) {
                const Fact* current = last(step.user, Kind::password_set);
                if (current == nullptr || !step.old_password ||
                    text(current->other) != *step.old_password) {
                    return answer("missing_role");
                }
            }
            if (deleted(step.user)) {
                return answer("user_deleted");
            }
            add(Kind::password_set, step.user, *step.password, t);
            return answer("accepted");
        }
        case Op::reactivate:
        case Op::delete_user: {
            if (!user_admin) {
                return answer("missing_role");
            }
            if (!account_exists(step.user)) {
                return answer("not_found");
            }
            if (deleted(step.user)) {
                return answer("user_deleted");
            }
            if (step.op == Op::reactivate) {
                add(Kind::activity, step.user, "", t);
                return answer("accepted");
            }
            if (caller == step.user) {
                return answer("cannot_delete_self");
            }
            Outcome blocked = answer("user_has_active_tokens");
            std::set<std::string> webhooks;
            for (const auto& token : tokens_owned(step.user)) {
                if (token_live(token, t)) {
                    blocked.blocking_tokens.push_back(token);
                    for (const auto& webhook : webhooks_served(token, t)) {
                        webhooks.insert(webhook);
                    }
                }
            }
            if (!blocked.blocking_tokens.empty()) {
                blocked.blocking_webhooks.assign(webhooks.begin(), webhooks.end());
                return blocked;
            }
            add(Kind::user_deleted, step.user, "", t);
            return answer("accepted");
        }
        case Op::install_webhook: {
            if (!webhook_admin) {
                return answer("missing_role");
            }
            std::string owner;
            if (auto refusal = new_owner(owner); !refusal.empty()) {
                return answer(refusal);
            }
            add(Kind::webhook_installed, step.webhook, "", t);
            issue(step.token, owner, step.webhook, 0, false);
            return answer("accepted");
        }
        case Op::uninstall_webhook: {
            if (!webhook_admin) {
                return answer("missing_role");
            }
            if (first(step.webhook, Kind::webhook_installed) == nullptr) {
                return answer("not_found");
            }
            if (!facts(step.webhook, Kind::webhook_uninstalled).empty()) {
                return answer("accepted");
            }
            std::vector<std::string> app_tokens;
            for (auto position : facts(step.webhook, Kind::token_issued)) {
                app_tokens.push_back(text(facts_[position].subject));
            }
            add(Kind::webhook_uninstalled, step.webhook, "", t);
            for (const auto& token : app_tokens) {
                if (facts(token, Kind::token_revoked).empty()) {
                    add(Kind::token_revoked, token, "", t);
                }
            }
            return answer("accepted");
        }
        case Op::issue_app_token: {
            if (!webhook_admin) {
                return answer("missing_role");
            }
            if (first(step.webhook, Kind::webhook_installed) == nullptr) {
                return answer("not_found");
            }
            if (!facts(step.webhook, Kind::webhook_uninstalled).empty()) {
                return answer("webhook_uninstalled");
            }
            std::string owner;
            if (auto refusal = new_owner(owner); !refusal.empty()) {
                return answer(refusal);
            }
            issue(step.token, owner, step.webhook, 0, false);
            return answer("accepted");
        }
        case Op::issue_api_token: {
            if (!user_admin) {
                return answer("missing_role");
            }
            if (!account_exists(step.user)) {
                return answer("not_found");
            }
            if (step.expires_at && *step.expires_at <= t) {
                return answer("bad_request");
            }
            if (auto refusal = owner_unfit(step.user, t); !refusal.empty()) {
                return answer(refusal);
            }
            issue(step.token, step.user, "", step.expires_at.value_or(0), true);
            return answer("accepted");
        }
        case Op::revoke_token:
        case Op::rotate_token: {
            const bool exists = token_exists(step.token);
            if (!user_admin && !(exists && token_owner(step.token) == caller)) {
                return answer("missing_role");
            }
            if (!exists) {
                return answer("not_found");
            }
            if (step.op == Op::revoke_token) {
                if (facts(step.token, Kind::token_revoked).empty()) {
                    add(Kind::token_revoked, step.token, "", t);
                }
                return answer("accepted");
            }
            if (step.grace_ms < 0 || step.grace_ms > 30 * kDay) {
                return answer("bad_request");
            }
            if (!token_live(step.token, t)) {
                return answer("token_not_live");
            }
            add(Kind::secret_set, step.token, step.secret, t, step.grace_ms);
            return answer("accepted");
        }
        case Op::transfer_token: {
            if (!user_admin) {
                return answer("missing_role");
            }
            if (!token_exists(step.token)) {
                return answer("not_found");
            }
            const std::string to = step.owner.value_or("");
            if (!account_exists(to)) {
                return answer("not_found");
            }
            if (!token_live(step.token, t)) {
                return answer("token_not_live");
            }
            const std::string from = token_owner(step.token);
            if (from == to) {
                return answer("accepted");
            }
            if (auto refusal = owner_unfit(to, t); !refusal.empty()) {
                return answer(refusal);
            }
            if (first(step.token, Kind::token_issued)->flag && (roles(to) & ~roles(from)) != 0) {
                return answer("roles_not_subset");
            }
            add(Kind::token_owner, step.token, to, t);
            return answer("accepted");
        }
        default:
            return answer("bad_request");
    }
}

}  // namespace keyledger::sim::model
