// `keyledger audit replay|explain|calls|verify|export`: the auditor's history tools. Each opens
// the data directory's store as a RocksDB secondary, so it runs beside a live server.
//
// Exit codes: 0 answered; 1 not found, verify failed, or the store could not be read; 2 flags
// that do not go together or an instant that does not parse.

#include <fmt/format.h>

#include <iostream>
#include <optional>
#include <tuple>

#include "app/commands.h"
#include "audit/calls.h"
#include "audit/csv.h"
#include "audit/explain.h"
#include "audit/export.h"
#include "audit/history.h"
#include "audit/printable.h"
#include "audit/progress.h"
#include "audit/replay.h"
#include "audit/token_key.h"
#include "audit/transparency/checkpoint_check.h"
#include "audit/verify.h"
#include "domain/instant.h"

namespace keyledger::app {
namespace {

using audit::Failure;
using audit::Problem;
using nlohmann::json;

constexpr int kOk = 0;
constexpr int kFailed = 1;
constexpr int kUsage = 2;

struct Common {
    std::filesystem::path data_dir = "data";
    std::string format = "human";
};

void add_common(CLI::App* command, Common& common, std::vector<std::string> formats) {
    command
        ->add_option("--data-dir", common.data_dir,
                     "the data directory (a server may be "
                     "running on it)")
        ->capture_default_str();
    common.format = formats.front();
    command->add_option("--format", common.format, "output format")
        ->check(CLI::IsMember(formats))
        ->capture_default_str();
}

int fail(const std::string& command, const Problem& problem) {
    std::cerr << "keyledger audit " << command << ": " << problem.message << "\n";
    return problem.failure == Failure::bad_request || problem.failure == Failure::bad_instant
               ? kUsage
               : kFailed;
}

// An instant flag: nullopt when not given; a usage error when it does not parse.
std::expected<std::optional<domain::Instant>, Problem> instant_flag(const std::string& name,
                                                                    const std::string& text) {
    if (text.empty()) {
        return std::optional<domain::Instant>{};
    }
    auto t = domain::parse_instant(text);
    if (!t) {
        return std::unexpected(Problem{Failure::bad_instant,
                                       name + " must be an instant like 2026-03-02T00:00:00.000Z"});
    }
    return std::optional(*t);
}

// A progress callback drawing `bar`.
audit::ReadProgress draw(audit::ProgressBar& bar) {
    return [&bar](std::uint64_t done, std::uint64_t) { bar.update(done); };
}

void warn(const std::string& message) {
    std::cerr << "keyledger audit: warning: " << message << "\n";
}

// A member as it is stored, for CSV (whose quoting keeps any byte in its field).
std::string raw_text(const json& value, const char* name) {
    auto it = value.find(name);
    if (it == value.end()) {
        return "";
    }
    return it->is_string() ? it->get<std::string>() : it->dump();
}

// A member for the human output, which goes to a terminal.
std::string text(const json& value, const char* name) {
    return audit::printable(raw_text(value, name));
}

// The store and its read model, or the exit code of the failure (already reported).
struct Opened {
    std::unique_ptr<eventstore::EventStore> store;
    projections::ReadModel model;
};
std::expected<Opened, int> open_with_model(const std::string& command, const Common& common) {
    auto store = audit::open_for_audit(common.data_dir);
    if (!store) {
        return std::unexpected(fail(command, store.error()));
    }
    audit::ProgressBar bar("reading the history", (*store)->head_position());
    auto model = audit::load_model(**store, warn, draw(bar));
    if (!model) {
        return std::unexpected(fail(command, model.error()));
    }
    return Opened{std::move(*store), std::move(*model)};
}

// ---- replay

struct ReplayFlags {
    Common common;
    std::string as_of, account, username, token, webhook;
};

void print_replay_human(const json& out) {
    std::cout << "as of " << text(out, "as_of") << " (position " << out["position"] << ")\n";
    std::cout << "accounts: " << out["accounts"].size() << "\n";
    for (const auto& a : out["accounts"]) {
        std::cout << fmt::format("  {}  {}  {}  {}  last activity {}\n", text(a, "id"),
                                 text(a, "username"), text(a, "kind"), text(a, "status"),
                                 text(a, "last_activity_at"));
    }
    std::cout << "tokens: " << out["tokens"].size() << "\n";
    for (const auto& k : out["tokens"]) {
        std::cout << fmt::format(
            "  {}  {}  owner {}{}  {}\n", text(k, "id"), text(k, "kind"), text(k, "owner_id"),
            k.contains("webhook_id") ? "  webhook " + text(k, "webhook_id") : "",
            text(k, "status"));
    }
    std::cout << "webhooks: " << out["webhooks"].size() << "\n";
    for (const auto& w : out["webhooks"]) {
        std::cout << fmt::format("  {}  '{}'  {}  tokens {}\n", text(w, "id"), text(w, "name"),
                                 text(w, "status"), w["token_ids"].dump());
    }
}

void print_replay_csv(const json& out) {
    std::cout << audit::csv_row(
        {"entity", "id", "name", "kind", "status", "owner_id", "webhook_id", "created_at"});
    for (const auto& a : out["accounts"]) {
        std::cout << audit::csv_row({"account", raw_text(a, "id"), raw_text(a, "username"),
                                     raw_text(a, "kind"), raw_text(a, "status"), "", "",
                                     raw_text(a, "created_at")});
    }
    for (const auto& k : out["tokens"]) {
        std::cout << audit::csv_row({"token", raw_text(k, "id"), raw_text(k, "name"),
                                     raw_text(k, "kind"), raw_text(k, "status"),
                                     raw_text(k, "owner_id"), raw_text(k, "webhook_id"),
                                     raw_text(k, "created_at")});
    }
    for (const auto& w : out["webhooks"]) {
        std::cout << audit::csv_row({"webhook", raw_text(w, "id"), raw_text(w, "name"),
                                     raw_text(w, "auth"), raw_text(w, "status"),
                                     raw_text(w, "created_by"), "", raw_text(w, "created_at")});
    }
}

int run_replay(const ReplayFlags& flags) {
    const std::string command = "replay";
    auto as_of = instant_flag("--as-of", flags.as_of);
    if (!as_of) {
        return fail(command, as_of.error());
    }
    const int filters = !flags.account.empty() + !flags.username.empty() + !flags.token.empty() +
                        !flags.webhook.empty();
    if (filters > 1) {
        return fail(command, {Failure::bad_request,
                              "give at most one of --account, --username, --token, --webhook"});
    }
    auto opened = open_with_model(command, flags.common);
    if (!opened) {
        return opened.error();
    }
    audit::ReplayQuestion question;
    question.as_of = **as_of;
    auto optional = [](const std::string& s) {
        return s.empty() ? std::nullopt : std::optional(s);
    };
    question.account_id = optional(flags.account);
    question.username = optional(flags.username);
    question.token_id = optional(flags.token);
    question.webhook_id = optional(flags.webhook);
    audit::ProgressBar bar("replaying", 0);
    auto out = audit::replay(*opened->store, opened->model, question, draw(bar));
    if (!out) {
        return fail(command, out.error());
    }
    if (flags.common.format == "json") {
        std::cout << out->dump() << "\n";
    } else if (flags.common.format == "csv") {
        print_replay_csv(*out);
    } else {
        print_replay_human(*out);
    }
    return kOk;
}

// ---- explain

struct ExplainFlags {
    Common common;
    std::string token, webhook, at, call;
    std::optional<std::uint64_t> at_position;
};

void print_explain_human(const json& out) {
    if (out.contains("call")) {
        const json& call = out["call"];
        std::cout << fmt::format(
            "call {} at {} (position {}): recorded {}; the rules give {} "
            "({})\n",
            text(call, "call_id"), text(call, "at"), call["position"].dump(), text(call, "outcome"),
            text(out, "recomputed"), out["agrees"].get<bool>() ? "agrees" : "DISAGREES");
    }
    std::cout << fmt::format("token {}{} at {} (position {}): {}\n", text(out, "token_id"),
                             out.contains("webhook_id") ? " on " + text(out, "webhook_id") : "",
                             text(out, "at"), out["position"].dump(), text(out, "status"));
    std::cout << "because " << text(out, "because") << "\n";
    std::cout << "facts:\n";
    for (const auto& fact : out["facts"]) {
        std::string roles;
        for (const auto& role : fact["roles"]) {
            roles += (roles.empty() ? "" : ", ") + role.get<std::string>();
        }
        std::cout << fmt::format("  position {:<8} {}  {:<18} [{}] {}\n", fact["position"].dump(),
                                 text(fact, "at"), text(fact, "type"), roles, text(fact, "says"));
    }
}

int run_explain(const ExplainFlags& flags) {
    const std::string command = "explain";
    const int points = !flags.at.empty() + flags.at_position.has_value() + !flags.call.empty();
    if (points != 1) {
        return fail(command, {Failure::bad_request, "give one of --at, --at-position, --call"});
    }
    if (flags.call.empty() && flags.token.empty()) {
        return fail(command, {Failure::bad_request, "--token is required (except with --call)"});
    }
    if (!flags.call.empty() && (!flags.token.empty() || !flags.webhook.empty())) {
        return fail(command, {Failure::bad_request,
                              "--call names its own token and webhook: leave out --token and "
                              "--webhook"});
    }
    auto at = instant_flag("--at", flags.at);
    if (!at) {
        return fail(command, at.error());
    }
    auto opened = open_with_model(command, flags.common);
    if (!opened) {
        return opened.error();
    }
    const auto& model = opened->model;
    const domain::Instant window = model.state().window_ms;
    const std::optional<std::string> webhook =
        flags.webhook.empty() ? std::nullopt : std::optional(flags.webhook);

    audit::Answer<json> out = audit::problem(Failure::bad_request, "no question");
    if (!flags.call.empty()) {
        out = audit::explain_call(*opened->store, model, window, flags.call);
    } else if (*at) {
        out = audit::explain(*opened->store,
                             audit::plan_at(model, window, flags.token, webhook, **at));
    } else {
        auto plan =
            audit::plan_at_position(model, window, flags.token, webhook, *flags.at_position);
        out = plan ? audit::explain(*opened->store, *plan)
                   : audit::Answer<json>(std::unexpected(plan.error()));
    }
    if (!out) {
        return fail(command, out.error());
    }
    if (flags.common.format == "json") {
        std::cout << out->dump() << "\n";
    } else {
        print_explain_human(*out);
    }
    return kOk;
}

// ---- calls

struct CallsFlags {
    Common common;
    std::string webhook, from, to;
};

int run_calls(const CallsFlags& flags) {
    const std::string command = "calls";
    auto from = instant_flag("--from", flags.from);
    auto to = instant_flag("--to", flags.to);
    if (!from || !to) {
        return fail(command, !from ? from.error() : to.error());
    }
    auto store = audit::open_for_audit(flags.common.data_dir);
    if (!store) {
        return fail(command, store.error());
    }
    audit::ProgressBar bar("reading calls", 0);
    auto out = audit::calls(**store, {flags.webhook, *from, *to}, draw(bar));
    if (!out) {
        return fail(command, out.error());
    }
    const json& calls = (*out)["calls"];
    if (flags.common.format == "json") {
        std::cout << out->dump() << "\n";
    } else if (flags.common.format == "csv") {
        const std::vector<std::string> columns{"position",        "at",          "call_id",
                                               "token_id",        "owner_id",    "outcome",
                                               "previous_secret", "body_length", "body_sha256"};
        std::cout << audit::csv_row(columns);
        for (const auto& call : calls) {
            std::vector<std::string> row;
            for (const auto& column : columns) {
                row.push_back(raw_text(call, column.c_str()));
            }
            std::cout << audit::csv_row(row);
        }
    } else {
        std::cout << fmt::format(
            "webhook {}: {} calls ({} accepted, {} refused), positions {} "
            "to {}\n",
            flags.webhook, calls.size(), (*out)["accepted"].dump(), (*out)["refused"].dump(),
            (*out)["first_position"].dump(), (*out)["last_position"].dump());
        for (const auto& call : calls) {
            std::cout << fmt::format(
                "  position {:<8} {}  {}  token {}  owner {}  {}{}\n", call["position"].dump(),
                text(call, "at"), text(call, "call_id"), text(call, "token_id"),
                text(call, "owner_id"), text(call, "outcome"),
                call["previous_secret"].get<bool>() ? " (previous secret)" : "");
        }
    }
    return kOk;
}

// ---- verify

struct VerifyFlags {
    Common common;
    std::vector<std::filesystem::path> checkpoints;
    std::filesystem::path public_key;
    bool without_token_key = false;
};

// The store's newest checkpoint, then those the auditor handed in.
std::vector<audit::CheckpointFile> checkpoints_to_check(const VerifyFlags& flags) {
    const auto& dir = flags.common.data_dir;
    const std::filesystem::path key =
        flags.public_key.empty() ? transparency::checkpoint_public_key_path(dir) : flags.public_key;
    std::vector<audit::CheckpointFile> files;
    if (auto latest = transparency::latest_checkpoint(dir)) {
        files.push_back({*latest, key, "latest"});
    }
    for (const auto& given : flags.checkpoints) {
        files.push_back({given, key, "given"});
    }
    return files;
}

void print_checkpoints_human(const json& checkpoints) {
    if (checkpoints.empty()) {
        std::cout << "  checkpoints: none kept and none given; without one a truncated log "
                     "cannot be told from a shorter one\n";
    }
    for (const auto& checkpoint : checkpoints) {
        std::cout << fmt::format(
            "  checkpoint ({}) {}: {}\n", text(checkpoint, "source"), text(checkpoint, "file"),
            checkpoint["ok"].get<bool>()
                ? fmt::format("ok, covers {} of {} events", checkpoint["checkpoint_size"].dump(),
                              checkpoint["log_size"].dump())
                : "FAILED: " + text(checkpoint, "reason"));
    }
}

int run_verify(const VerifyFlags& flags) {
    const std::string command = "verify";
    const Common& common = flags.common;
    // As stored: verify compares the related index's entries, marked complete or not.
    auto store = audit::open_for_audit(common.data_dir, audit::RelatedIndex::as_stored);
    if (!store) {
        return fail(command, store.error());
    }
    audit::ProgressBar bar("rebuilding the projections", (*store)->head_position());
    auto out = audit::verify(**store, checkpoints_to_check(flags), draw(bar));
    if (!out) {
        return fail(command, out.error());
    }
    (*out)["token_key"] =
        audit::check_token_key_as_serve(common.data_dir, **store, flags.without_token_key);
    if (!(*out)["token_key"]["ok"].get<bool>() && (*out)["ok"].get<bool>()) {
        (*out)["ok"] = false;
        (*out)["reason"] = (*out)["token_key"]["reason"];
    }
    if (!(*out)["token_key"]["checked"].get<bool>()) {
        (*out)["unchecked"].push_back("token_key");
    }
    const bool ok = (*out)["ok"].get<bool>();
    if (common.format == "json") {
        std::cout << out->dump() << "\n";
    } else {
        const json& chain = (*out)["chain"];
        const json& projections = (*out)["projections"];
        if (ok) {
            std::cout << fmt::format("ok: {} events, head {}\n", (*out)["events"].dump(),
                                     text(*out, "head"));
        } else {
            std::cout << fmt::format("FAILED{}: {}\n",
                                     out->contains("first_bad_position")
                                         ? " at position " + (*out)["first_bad_position"].dump()
                                         : std::string(),
                                     text(*out, "reason"));
        }
        std::cout << fmt::format("  hash chain: {}{}\n", chain["ok"].get<bool>() ? "ok" : "broken",
                                 chain["ok"].get<bool>() ? "" : ": " + text(chain, "reason"));
        if (!(*out)["unchecked"].empty()) {
            std::string parts;
            for (const auto& part : (*out)["unchecked"]) {
                parts += (parts.empty() ? "" : ", ") + part.get<std::string>();
            }
            std::cout << fmt::format("  not checked: {} (ok means no finding in what was)\n",
                                     parts);
        }
        if (!projections.value("checked", true)) {
            std::cout << fmt::format("  projections: {}\n", text(projections, "reason"));
        } else {
            std::cout << fmt::format("  projections: {}, rebuilt to position {}{}\n",
                                     projections["ok"].get<bool>() ? "ok" : "MISMATCH",
                                     projections["rebuilt_to"].dump(),
                                     projections.contains("snapshot_position")
                                         ? fmt::format(", snapshot at position {} compared",
                                                       projections["snapshot_position"].dump())
                                         : std::string(", no snapshot to compare"));
        }
        for (const auto& [name, field, count] :
             {std::tuple{"related index", "related_index", "ids_checked"},
              std::tuple{"deliveries", "deliveries", "deliveries_checked"}}) {
            const json& part = (*out)[field];
            if (!part.value("checked", false)) {
                std::cout << fmt::format("  {}: {}\n", name, text(part, "reason"));
            } else if (part.value("ok", false)) {
                std::cout << fmt::format("  {}: ok, {} checked\n", name, part.value(count, 0));
            } else {
                std::cout << fmt::format("  {}: WRONG: {}\n", name, text(part, "reason"));
            }
            if (part.contains("note")) {
                std::cout << fmt::format("    note: {}\n", text(part, "note"));
            }
        }
        const json& key = (*out)["token_key"];
        std::cout << fmt::format("  token key: {}: {}\n",
                                 !key["checked"].get<bool>() ? "not checked"
                                 : key["ok"].get<bool>()     ? "ok"
                                                             : "WRONG",
                                 text(key, "reason"));
        print_checkpoints_human((*out)["checkpoints"]);
    }
    return ok ? kOk : kFailed;
}

// ---- export

struct ExportFlags {
    std::filesystem::path data_dir = "data";
    std::string format = "ndjson";
    std::string from, to;
};

int run_export(const ExportFlags& flags) {
    const std::string command = "export";
    auto from = instant_flag("--from", flags.from);
    auto to = instant_flag("--to", flags.to);
    if (!from || !to) {
        return fail(command, !from ? from.error() : to.error());
    }
    auto store = audit::open_for_audit(flags.data_dir);
    if (!store) {
        return fail(command, store.error());
    }
    audit::ProgressBar bar("exporting", 0);
    auto written = audit::export_events(
        **store, *from, *to,
        flags.format == "csv" ? audit::ExportFormat::csv : audit::ExportFormat::ndjson, std::cout,
        draw(bar));
    std::cout.flush();
    if (!written) {
        return fail(command, written.error());
    }
    return kOk;
}

}  // namespace

std::vector<Command> add_audit_history_commands(CLI::App& audit) {
    std::vector<Command> commands;

    auto replay_flags = std::make_shared<ReplayFlags>();
    auto* replay =
        audit.add_subcommand("replay", "every account, token and webhook as it was at an instant");
    add_common(replay, replay_flags->common, {"human", "json", "csv"});
    replay->add_option("--as-of", replay_flags->as_of, "the instant, e.g. 2026-03-02T00:00:00Z")
        ->required();
    replay->add_option("--account", replay_flags->account, "only this account (id) and its tokens");
    replay->add_option("--username", replay_flags->username,
                       "only the account with this username and its tokens");
    replay->add_option("--token", replay_flags->token, "only this token");
    replay->add_option("--webhook", replay_flags->webhook, "only this webhook and its app tokens");
    commands.push_back({replay, [replay_flags] { return run_replay(*replay_flags); }});

    auto explain_flags = std::make_shared<ExplainFlags>();
    auto* explain = audit.add_subcommand(
        "explain", "why a token was valid or refused, with the recorded facts behind it");
    add_common(explain, explain_flags->common, {"human", "json"});
    explain->add_option("--token", explain_flags->token, "the token id");
    explain->add_option("--webhook", explain_flags->webhook,
                        "the webhook it is presented at (default: no webhook check)");
    explain->add_option("--at", explain_flags->at,
                        "evaluate at this instant, on every event decided at or before it");
    explain->add_option("--at-position", explain_flags->at_position,
                        "evaluate on the events up to this position, at its decision instant");
    explain->add_option("--call", explain_flags->call,
                        "explain this recorded call decision (its call_id)");
    commands.push_back({explain, [explain_flags] { return run_explain(*explain_flags); }});

    auto calls_flags = std::make_shared<CallsFlags>();
    auto* calls = audit.add_subcommand("calls", "every recorded call decision on a webhook");
    add_common(calls, calls_flags->common, {"human", "json", "csv"});
    calls->add_option("--webhook", calls_flags->webhook, "the webhook id")->required();
    calls->add_option("--from", calls_flags->from, "from this instant (inclusive)");
    calls->add_option("--to", calls_flags->to, "to this instant (exclusive)");
    commands.push_back({calls, [calls_flags] { return run_calls(*calls_flags); }});

    auto verify_flags = std::make_shared<VerifyFlags>();
    auto* verify = audit.add_subcommand(
        "verify",
        "walk the hash chain, rebuild every projection and compare it with the snapshot, and "
        "compare the log with the latest signed checkpoint and any given one");
    add_common(verify, verify_flags->common, {"human", "json"});
    verify->add_option("--checkpoint", verify_flags->checkpoints,
                       "a checkpoint file kept elsewhere to compare the log with (repeatable)");
    verify->add_option("--public-key", verify_flags->public_key,
                       "the checkpoints' public key (default: DATA_DIR/keys/checkpoint.pub)");
    verify->add_flag("--without-token-key", verify_flags->without_token_key,
                     "this copy has no keys/token.key on purpose: its absence is not checked "
                     "rather than a finding (serve refuses to start without it; a key that is "
                     "there is still checked)");
    commands.push_back({verify, [verify_flags] { return run_verify(*verify_flags); }});

    auto export_flags = std::make_shared<ExportFlags>();
    auto* exported =
        audit.add_subcommand("export", "the events, without any secret or password hash");
    exported->add_option("--data-dir", export_flags->data_dir, "the data directory")
        ->capture_default_str();
    exported->add_option("--format", export_flags->format, "ndjson or csv")
        ->check(CLI::IsMember({"ndjson", "csv"}))
        ->capture_default_str();
    exported->add_option("--from", export_flags->from, "from this instant (inclusive)");
    exported->add_option("--to", export_flags->to, "to this instant (exclusive)");
    commands.push_back({exported, [export_flags] { return run_export(*export_flags); }});

    return commands;
}

}  // namespace keyledger::app
