#include "api/views.h"

#include "domain/rules.h"

namespace keyledger::api {

using namespace domain;

namespace {

nlohmann::json roles_json(Roles roles) {
    nlohmann::json out = nlohmann::json::array();
    for (Role role : {Role::user_admin, Role::webhook_admin, Role::auditor}) {
        if (has_role(roles, role)) {
            out.push_back(to_string(role));
        }
    }
    return out;
}

void put_instant(nlohmann::json& out, const char* name, const std::optional<Instant>& t) {
    if (t) {
        out[name] = format_instant(*t);
    }
}

}  // namespace

nlohmann::json user_json(const State& state, const Account& account, Instant t) {
    const AccountStatus status = account_status(account, t, state.window_ms);
    nlohmann::json out{
        {"id", account.id},
        {"username", account.username},
        {"kind", to_string(account.kind)},
        {"roles", roles_json(account.roles)},
        {"status", to_string(status)},
        {"created_at", format_instant(account.created_at)},
        {"last_activity_at", format_instant(account.last_activity_at)},
        {"has_password", !account.password_hash.empty()},
        {"live_token_ids", live_token_ids(state, account, t)},
    };
    const Instant goes_inactive = inactive_at(account, state.window_ms);
    if (status == AccountStatus::inactive) {
        out["inactive_since"] = format_instant(goes_inactive);
    } else if (status == AccountStatus::active) {
        out["inactive_at"] = format_instant(goes_inactive);
    }
    put_instant(out, "deleted_at", account.deleted_at);
    return out;
}

nlohmann::json token_json(const State& state, const Token& token,
                          const std::optional<std::string>& webhook_id, Instant t) {
    nlohmann::json out{
        {"id", std::string(state.token_id(token))},       {"kind", to_string(token.kind)},
        {"owner_id", std::string(state.owner_id(token))}, {"name", std::string(state.name(token))},
        {"created_at", format_instant(token.created_at)},
    };
    if (token.webhook_index != kNoId) {
        out["webhook_id"] = std::string(state.webhook_id(token));
    }
    put_instant(out, "expires_at", token.expires_at);
    put_instant(out, "revoked_at", token.revoked_at);
    put_instant(out, "rotated_at", token.rotated_at);
    put_instant(out, "last_used_at", token.last_used_at);
    if (const Rotation* rotation = state.rotation(token);
        rotation != nullptr && t < rotation->previous_valid_until) {
        out["previous_secret_valid_until"] = format_instant(rotation->previous_valid_until);
    }
    if (const Account* owner = state.account_at_id(token.owner_index);
        owner && !owner->deleted_at) {
        out["owner_inactive_at"] = format_instant(inactive_at(*owner, state.window_ms));
    }
    const Target target = webhook_id ? Target::webhook(*webhook_id) : Target::any();
    const std::optional<Reason> refusal = token_refusal(state, token, target, t);
    out["status"] = refusal ? to_string(*refusal) : "valid";
    // A token that would be accepted is still no use on an uninstalled webhook: calls there are
    // 404 before any credential is checked (decision 100; audit explain says the same).
    if (!refusal && webhook_id && !webhook_installed_at(state, *webhook_id, t)) {
        out["status"] = "webhook_uninstalled";
    }
    nlohmann::json served = nlohmann::json::array();
    for (const auto& id : webhooks_served(state, token, t)) {
        served.push_back(id);
    }
    out["serves_webhook_ids"] = served;
    return out;
}

nlohmann::json webhook_json(const State& state, const Webhook& webhook) {
    nlohmann::json out{
        {"id", webhook.id},
        {"name", webhook.name},
        {"auth", to_string(webhook.auth)},
        {"created_by", webhook.created_by},
        {"created_at", format_instant(webhook.created_at)},
        {"status", webhook.uninstalled_at ? "uninstalled" : "installed"},
        {"token_ids", state.token_ids(webhook.tokens)},
    };
    put_instant(out, "uninstalled_at", webhook.uninstalled_at);
    return out;
}

nlohmann::json at_risk_json(const projections::AtRiskReport& report) {
    nlohmann::json accounts = nlohmann::json::array();
    for (const auto& a : report.accounts) {
        accounts.push_back({{"id", a.account_id},
                            {"username", a.username},
                            {"inactive_at", format_instant(a.inactive_at)},
                            {"live_token_ids", a.live_token_ids}});
    }
    nlohmann::json tokens = nlohmann::json::array();
    for (const auto& t : report.tokens) {
        tokens.push_back({{"id", t.token_id},
                          {"owner_id", t.owner_id},
                          {"expires_at", format_instant(t.expires_at)}});
    }
    nlohmann::json webhooks = nlohmann::json::array();
    for (const auto& w : report.webhooks) {
        nlohmann::json responsible = nlohmann::json::array();
        for (const auto& s : w.tokens) {
            responsible.push_back({{"id", s.token_id},
                                   {"owner_id", s.owner_id},
                                   {"stops_at", format_instant(s.stops_at)},
                                   {"reason", s.reason}});
        }
        webhooks.push_back({{"id", w.webhook_id},
                            {"name", w.name},
                            {"breaks_at", format_instant(w.breaks_at)},
                            {"tokens", responsible}});
    }
    nlohmann::json broken = nlohmann::json::array();
    for (const auto& b : report.broken_webhooks) {
        broken.push_back({{"id", b.webhook_id}, {"name", b.name}, {"token_ids", b.token_ids}});
    }
    return {{"accounts", accounts},
            {"tokens", tokens},
            {"webhooks", webhooks},
            {"broken_webhooks", broken}};
}

}  // namespace keyledger::api
