#include "sim/scenario/scenario_file.h"

#include <array>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "domain/instant.h"

namespace keyledger::sim {
namespace {

using nlohmann::json;

constexpr std::array<std::pair<Op, std::string_view>, 17> kOps{{
    {Op::init, "init"},
    {Op::create_user, "create_user"},
    {Op::change_password, "change_password"},
    {Op::login, "login"},
    {Op::reactivate, "reactivate"},
    {Op::delete_user, "delete_user"},
    {Op::install_webhook, "install_webhook"},
    {Op::uninstall_webhook, "uninstall_webhook"},
    {Op::issue_app_token, "issue_app_token"},
    {Op::issue_api_token, "issue_api_token"},
    {Op::revoke_token, "revoke_token"},
    {Op::rotate_token, "rotate_token"},
    {Op::transfer_token, "transfer_token"},
    {Op::call, "call"},
    {Op::read, "read"},
    {Op::probe_account, "probe_account"},
    {Op::probe_token, "probe_token"},
}};

std::string instant_text(std::int64_t t) {
    return domain::format_instant(t);
}

std::expected<std::int64_t, std::string> instant_field(const json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) {
        return std::unexpected(std::string(key) + " must be an instant like " +
                               "2026-01-01T00:00:00.000Z");
    }
    auto t = domain::parse_instant(it->get<std::string>());
    if (!t) {
        return std::unexpected(std::string(key) + " is not an instant: " + it->dump());
    }
    return *t;
}

void put(json& j, const char* key, const std::string& value) {
    if (!value.empty()) {
        j[key] = value;
    }
}

}  // namespace

std::string_view op_name(Op op) {
    for (const auto& [value, name] : kOps) {
        if (value == op) {
            return name;
        }
    }
    return "unknown";
}

std::optional<Op> parse_op(std::string_view name) {
    for (const auto& [value, text] : kOps) {
        if (text == name) {
            return value;
        }
    }
    return std::nullopt;
}

std::string step_to_json(const Step& s) {
    // ordered_json keeps "at" and "op" first, which makes the files readable.
    nlohmann::ordered_json j;
    j["at"] = instant_text(s.at);
    j["op"] = op_name(s.op);
    json rest;
    put(rest, "by", s.by);
    put(rest, "user", s.user);
    put(rest, "username", s.username);
    put(rest, "kind", s.kind);
    if (!s.roles.empty()) {
        rest["roles"] = s.roles;
    }
    if (s.password) {
        rest["password"] = *s.password;
    }
    if (s.old_password) {
        rest["old_password"] = *s.old_password;
    }
    put(rest, "webhook", s.webhook);
    put(rest, "name", s.name);
    put(rest, "auth", s.auth);
    if (s.owner) {
        rest["owner"] = *s.owner;
    }
    put(rest, "token", s.token);
    put(rest, "secret", s.secret);
    if (s.expires_at) {
        rest["expires_at"] = instant_text(*s.expires_at);
    }
    if (s.op == Op::rotate_token) {
        rest["grace_ms"] = s.grace_ms;
    }
    if (s.op == Op::init) {
        rest["window_days"] = s.window_days;
    }
    if (s.expect) {
        rest["expect"] = *s.expect;
    }
    for (auto& [key, value] : rest.items()) {  // json objects iterate sorted by key
        j[key] = value;
    }
    return j.dump();
}

std::expected<Step, std::string> step_from_json(std::string_view line) {
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        return std::unexpected("not a JSON object");
    }
    Step s;
    auto at = instant_field(j, "at");
    if (!at) {
        return std::unexpected(at.error());
    }
    s.at = *at;
    auto op_it = j.find("op");
    auto op =
        op_it != j.end() && op_it->is_string() ? parse_op(op_it->get<std::string>()) : std::nullopt;
    if (!op) {
        return std::unexpected("op must be one of the operations in docs/SIMULATION.md");
    }
    s.op = *op;
    std::string problem;
    auto text = [&](const char* key, std::string& out) {
        auto it = j.find(key);
        if (it == j.end()) {
            return;
        }
        if (!it->is_string()) {
            problem = std::string(key) + " must be a string";
            return;
        }
        out = it->get<std::string>();
    };
    auto optional_text = [&](const char* key, std::optional<std::string>& out) {
        if (j.contains(key)) {
            std::string value;
            text(key, value);
            out = value;
        }
    };
    text("by", s.by);
    text("user", s.user);
    text("username", s.username);
    text("kind", s.kind);
    optional_text("password", s.password);
    optional_text("old_password", s.old_password);
    text("webhook", s.webhook);
    text("name", s.name);
    text("auth", s.auth);
    optional_text("owner", s.owner);
    optional_text("expect", s.expect);
    text("token", s.token);
    text("secret", s.secret);
    if (auto it = j.find("roles"); it != j.end()) {
        if (!it->is_array()) {
            return std::unexpected("roles must be an array of role names");
        }
        for (const auto& role : *it) {
            if (!role.is_string()) {
                return std::unexpected("roles must be an array of role names");
            }
            s.roles.push_back(role.get<std::string>());
        }
    }
    if (j.contains("expires_at")) {
        auto expires = instant_field(j, "expires_at");
        if (!expires) {
            return std::unexpected(expires.error());
        }
        s.expires_at = *expires;
    }
    for (auto [key, out] : {std::pair{"grace_ms", &s.grace_ms}, {"window_days", &s.window_days}}) {
        if (auto it = j.find(key); it != j.end()) {
            if (!it->is_number_integer()) {
                return std::unexpected(std::string(key) + " must be an integer");
            }
            *out = it->get<std::int64_t>();
        }
    }
    if (s.op == Op::init && (s.window_days < 1 || s.window_days > 3650)) {
        return std::unexpected("window_days must be 1 to 3650");
    }
    if (!problem.empty()) {
        return std::unexpected(problem);
    }
    return s;
}

std::string outcome_to_json(const Outcome& outcome) {
    nlohmann::ordered_json j;
    j["result"] = outcome.result;
    if (!outcome.blocking_tokens.empty()) {
        j["blocking_tokens"] = outcome.blocking_tokens;
        j["blocking_webhooks"] = outcome.blocking_webhooks;
    }
    return j.dump();
}

std::expected<Outcome, std::string> outcome_from_json(std::string_view line) {
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("result") || !j["result"].is_string()) {
        return std::unexpected("not an outcome");
    }
    Outcome outcome;
    outcome.result = j["result"].get<std::string>();
    if (j.contains("blocking_tokens")) {
        outcome.blocking_tokens = j["blocking_tokens"].get<std::vector<std::string>>();
        outcome.blocking_webhooks = j["blocking_webhooks"].get<std::vector<std::string>>();
    }
    return outcome;
}

std::expected<std::vector<Step>, std::string> read_scenario(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) {
        return std::unexpected("cannot read " + file.string());
    }
    std::vector<Step> steps;
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        if (line.empty() || line.front() == '#') {
            continue;
        }
        auto step = step_from_json(line);
        if (!step) {
            return std::unexpected(file.string() + ":" + std::to_string(number) + ": " +
                                   step.error());
        }
        if (!steps.empty() && step->at < steps.back().at) {
            return std::unexpected(file.string() + ":" + std::to_string(number) +
                                   ": steps must not go back in time");
        }
        steps.push_back(std::move(*step));
    }
    return steps;
}

std::expected<void, std::string> write_scenario(const std::filesystem::path& file,
                                                const std::vector<Step>& steps,
                                                const std::string& comment) {
    std::ofstream out(file, std::ios::trunc);
    if (!out) {
        return std::unexpected("cannot write " + file.string());
    }
    std::istringstream lines(comment);
    for (std::string line; std::getline(lines, line);) {
        out << "# " << line << "\n";
    }
    for (const auto& step : steps) {
        out << step_to_json(step) << "\n";
    }
    out.flush();
    if (!out) {
        return std::unexpected("cannot write " + file.string());
    }
    return {};
}

}  // namespace keyledger::sim
