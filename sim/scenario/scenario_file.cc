#include "sim/scenario/scenario_file.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <sstream>
#include <unordered_map>

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

// The fields of each operation: the ones it needs, then the ones it may have. "at", "op" and
// "expect" go with every operation.
struct Fields {
    Op op;
    std::vector<std::string_view> required;
    std::vector<std::string_view> optional;
};
const std::vector<Fields>& field_table() {
    static const std::vector<Fields> table{
        {Op::init, {"user", "username", "token", "secret"}, {"window_days"}},
        {Op::create_user, {"by", "user", "username", "kind"}, {"roles", "password"}},
        {Op::change_password, {"by", "user", "password"}, {"old_password"}},
        {Op::login, {"username", "password"}, {}},
        {Op::reactivate, {"by", "user"}, {}},
        {Op::delete_user, {"by", "user"}, {}},
        {Op::install_webhook, {"by", "webhook", "name", "auth", "token", "secret"}, {"owner"}},
        {Op::uninstall_webhook, {"by", "webhook"}, {}},
        {Op::issue_app_token, {"by", "webhook", "token", "secret"}, {"owner"}},
        {Op::issue_api_token, {"by", "user", "token", "secret"}, {"name", "expires_at"}},
        {Op::revoke_token, {"by", "token"}, {}},
        {Op::rotate_token, {"by", "token", "secret"}, {"grace_ms"}},
        {Op::transfer_token, {"by", "token", "owner"}, {}},
        {Op::call, {"webhook", "secret"}, {"key", "body", "call_id"}},
        {Op::read, {"by"}, {}},
        {Op::probe_account, {"user"}, {}},
        {Op::probe_token, {"token"}, {}},
    };
    return table;
}

bool printable_ascii(std::string_view text) {
    return std::ranges::all_of(text, [](char c) { return c >= 0x20 && c <= 0x7e; });
}

// What is wrong with the fields of a parsed line, or empty: a field the operation does not take,
// one it needs and lacks (or has empty), a value outside its set.
std::string check_fields(const json& j, const Step& s) {
    const Fields* fields = nullptr;
    for (const auto& row : field_table()) {
        if (row.op == s.op) {
            fields = &row;
        }
    }
    const std::string op(op_name(s.op));
    for (const auto& [key, value] : j.items()) {
        const bool known = key == "at" || key == "op" || key == "expect" ||
                           std::ranges::find(fields->required, key) != fields->required.end() ||
                           std::ranges::find(fields->optional, key) != fields->optional.end();
        if (!known) {
            return "\"" + key + "\" is not a field of " + op;
        }
    }
    for (std::string_view key : fields->required) {
        auto it = j.find(std::string(key));
        if (it == j.end() || (it->is_string() && it->get<std::string>().empty())) {
            return op + " needs \"" + std::string(key) + "\"";
        }
    }
    if (s.op == Op::create_user && s.kind != "person" && s.kind != "service") {
        return "kind must be person or service, not \"" + s.kind + "\"";
    }
    if (s.op == Op::install_webhook && s.auth != "bearer" && s.auth != "basic") {
        return "auth must be bearer or basic, not \"" + s.auth + "\"";
    }
    for (const auto& role : s.roles) {
        if (role != "user_admin" && role != "webhook_admin" && role != "auditor") {
            return "roles are user_admin, webhook_admin and auditor, not \"" + role + "\"";
        }
    }
    if (s.key && (s.key->empty() || s.key->size() > 255 || !printable_ascii(*s.key))) {
        return "key must be 1 to 255 printable ASCII characters";
    }
    const bool plain_id =
        s.call_id.size() <= 64 && std::ranges::all_of(s.call_id, [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
        });
    if (!plain_id) {
        return "call_id is 1 to 64 letters, digits, _ and -";
    }
    return "";
}

// The ids a step brings into being (accounts, webhooks, tokens, calls) and the secrets it hands
// out: the engine takes them as fresh, so a scenario may not give any of them twice.
std::vector<std::pair<std::string_view, const std::string*>> introduced(const Step& s) {
    switch (s.op) {
        case Op::init:
            return {{"user", &s.user}, {"token", &s.token}, {"secret", &s.secret}};
        case Op::create_user:
            return {{"user", &s.user}};
        case Op::install_webhook:
            return {{"webhook", &s.webhook}, {"token", &s.token}, {"secret", &s.secret}};
        case Op::issue_app_token:
        case Op::issue_api_token:
            return {{"token", &s.token}, {"secret", &s.secret}};
        case Op::rotate_token:
            return {{"secret", &s.secret}};
        case Op::call:
            if (!s.call_id.empty()) {
                return {{"call_id", &s.call_id}};
            }
            return {};
        default:
            return {};
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
    if (s.key) {
        rest["key"] = *s.key;
    }
    put(rest, "body", s.body);
    put(rest, "call_id", s.call_id);
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
    optional_text("key", s.key);
    text("body", s.body);
    text("call_id", s.call_id);
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
    if (auto wrong = check_fields(j, s); !wrong.empty()) {
        return std::unexpected(wrong);
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
    if (!outcome.call_id.empty()) {
        j["call_id"] = outcome.call_id;
    }
    if (outcome.replayed) {
        j["replayed"] = true;
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
    if (j.contains("call_id") && j["call_id"].is_string()) {
        outcome.call_id = j["call_id"].get<std::string>();
    }
    outcome.replayed = j.value("replayed", false);
    return outcome;
}

std::expected<std::vector<Step>, ScenarioError> read_scenario(const std::filesystem::path& file) {
    std::error_code ec;
    if (std::filesystem::is_directory(file, ec)) {
        return std::unexpected(
            ScenarioError{"cannot read " + file.string() + ": a directory", true});
    }
    std::ifstream in(file);
    if (!in) {
        return std::unexpected(ScenarioError{"cannot read " + file.string(), true});
    }
    std::vector<Step> steps;
    // Every id and secret given out so far: what it was, and on which line.
    std::unordered_map<std::string, std::pair<std::string_view, int>> given;
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        if (line.empty() || line.front() == '#') {
            continue;
        }
        const std::string where = file.string() + ":" + std::to_string(number) + ": ";
        auto step = step_from_json(line);
        if (!step) {
            return std::unexpected(ScenarioError{where + step.error()});
        }
        if (!steps.empty() && step->at < steps.back().at) {
            return std::unexpected(ScenarioError{where + "steps must not go back in time"});
        }
        if ((step->op == Op::init) != steps.empty()) {
            return std::unexpected(ScenarioError{
                where + (steps.empty() ? "the first step must be init" : "init comes only once")});
        }
        for (const auto& [what, id] : introduced(*step)) {
            auto [earlier, fresh] = given.try_emplace(*id, what, number);
            if (!fresh) {
                return std::unexpected(ScenarioError{
                    where + std::string(what) + " \"" + *id + "\" was already given as a " +
                    std::string(earlier->second.first) + " on line " +
                    std::to_string(earlier->second.second)});
            }
        }
        steps.push_back(std::move(*step));
    }
    if (steps.empty()) {
        return std::unexpected(
            ScenarioError{file.string() + ": no steps; a scenario starts with an init step"});
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
