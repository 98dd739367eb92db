#include "sim/engine/engine_driver.h"

#include <condition_variable>
#include <csignal>
#include <map>
#include <mutex>

#include <nlohmann/json.hpp>

#include "domain/codec/codec.h"
#include "domain/decide.h"
#include "domain/instant.h"
#include "domain/rules.h"
#include "engine/rebuild.h"
#include "security/password.h"
#include "security/sha256.h"
#include "sim/engine/sim_password.h"

namespace keyledger::sim {
namespace {

using namespace domain;

std::string hex(const eventstore::Hash& hash) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (auto byte : hash) {
        out += kDigits[byte >> 4];
        out += kDigits[byte & 15];
    }
    return out;
}

std::string correlation_of(std::uint64_t index) {
    return "sim-" + std::to_string(index);
}

Roles roles_of(const std::vector<std::string>& names, std::optional<BodyError>& error) {
    Roles roles = 0;
    for (const auto& name : names) {
        auto role = parse_role(name);
        if (!role) {
            error = BodyError{Reason::bad_request, "roles are user_admin, webhook_admin, auditor"};
            continue;
        }
        roles |= static_cast<Roles>(*role);
    }
    return roles;
}

// The request line the API would have seen; it goes into the recorded authentication.
std::string request_of(const Step& s) {
    switch (s.op) {
        case Op::create_user:
            return "POST /v1/users";
        case Op::change_password:
            return "PUT /v1/users/" + s.user + "/password";
        case Op::reactivate:
            return "POST /v1/users/" + s.user + "/reactivate";
        case Op::delete_user:
            return "DELETE /v1/users/" + s.user;
        case Op::install_webhook:
            return "POST /v1/webhooks";
        case Op::uninstall_webhook:
            return "DELETE /v1/webhooks/" + s.webhook;
        case Op::issue_app_token:
            return "POST /v1/webhooks/" + s.webhook + "/tokens";
        case Op::issue_api_token:
            return "POST /v1/users/" + s.user + "/tokens";
        case Op::revoke_token:
            return "DELETE /v1/tokens/" + s.token;
        case Op::rotate_token:
            return "POST /v1/tokens/" + s.token + "/rotate";
        case Op::transfer_token:
            return "POST /v1/tokens/" + s.token + "/transfer";
        case Op::read:
            return "GET /v1/users";
        default:
            return "";
    }
}

Outcome result(std::string_view text) {
    Outcome outcome;
    outcome.result = text;
    return outcome;
}

}  // namespace

security::SecretHasher sim_hasher(std::uint64_t key_seed) {
    security::SecretHasher::Key key{};
    std::uint64_t x = key_seed ^ 0x6b65796c65646765ULL;  // "keyledge"
    for (std::size_t i = 0; i < key.size(); ++i) {
        // splitmix64, one byte at a time: a fixed key per seed, not a secret one.
        x += 0x9e3779b97f4a7c15ULL;
        std::uint64_t z = x;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        key[i] = static_cast<std::uint8_t>(z ^ (z >> 31));
    }
    return security::SecretHasher(key);
}

EngineDriver::EngineDriver(std::unique_ptr<engine::Engine> engine,
                           std::unique_ptr<engine::ManualClock> clock,
                           security::SecretHasher hasher)
    : clock_(std::move(clock)), engine_(std::move(engine)), hasher_(std::move(hasher)) {}

EngineDriver::~EngineDriver() {
    if (engine_) {
        engine_->stop();
    }
}

std::expected<std::unique_ptr<EngineDriver>, std::string> EngineDriver::open(
    const std::filesystem::path& dir, const DriverOptions& options) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    auto store = eventstore::open_rocksdb_store(
        dir / "store", {.create = options.create, .sync = options.sync, .read_only = false});
    if (!store) {
        return std::unexpected("cannot open the simulation store in " + dir.string() + ": " +
                               store.error().message);
    }
    auto clock = std::make_unique<engine::ManualClock>(0);
    engine::EngineOptions engine_options;
    auto engine = engine::Engine::open(std::move(*store), *clock, engine_options);
    if (!engine) {
        return std::unexpected("cannot replay the simulation store: " + engine.error());
    }
    return std::unique_ptr<EngineDriver>(
        new EngineDriver(std::move(*engine), std::move(clock), sim_hasher(options.key_seed)));
}

std::expected<std::vector<Outcome>, std::string> EngineDriver::run(const std::vector<Step>& steps,
                                                                   std::uint64_t first_index,
                                                                   bool die_at_last) {
    return wait(start(steps, first_index, die_at_last));
}

std::shared_ptr<EngineDriver::InFlight> EngineDriver::start(std::vector<Step> steps,
                                                            std::uint64_t first_index,
                                                            bool die_at_last) {
    auto batch = std::make_shared<InFlight>();
    batch->steps = std::move(steps);
    batch->outcomes.resize(batch->steps.size());
    batch->remaining = batch->steps.size();
    if (batch->steps.empty()) {
        return batch;
    }
    if (!engine_->running()) {
        engine_->start();
    }
    // Each job moves the manual clock to the next step's instant before it ends, so the next job
    // (in this commit or the next) is decided at its own instant.
    clock_->set(batch->steps.front().at);
    const std::size_t count = batch->steps.size();
    for (std::size_t i = 0; i < count; ++i) {
        const bool last = i + 1 == count;
        auto decide = [this, batch, i, last, first_index, die_at_last](engine::Transaction& tx) {
            batch->outcomes[i] = execute(tx, batch->steps[i], first_index + i);
            if (last && die_at_last) {
                // A crash while deciding: what this commit holds was never written.
                std::raise(SIGKILL);
            }
            if (!last) {
                clock_->set(batch->steps[i + 1].at);
            }
            tx.then([batch](bool durable) { batch->finish(durable); });
        };
        if (!engine_->submit(engine::Engine::Job{decide, [batch] { batch->finish(false); }})) {
            for (std::size_t rest = i; rest < count; ++rest) {
                batch->finish(false);
            }
            break;
        }
    }
    return batch;
}

std::expected<std::vector<Outcome>, std::string> EngineDriver::wait(
    const std::shared_ptr<InFlight>& batch) {
    std::unique_lock lock(batch->mutex);
    batch->done.wait(lock, [&] { return batch->remaining == 0; });
    if (batch->failed) {
        return std::unexpected("the store refused a write; the engine stopped deciding");
    }
    return std::move(batch->outcomes);
}

Outcome EngineDriver::execute(engine::Transaction& tx, const Step& s, std::uint64_t index) const {
    const State& state = tx.state();
    const Instant now = tx.now();
    const std::string correlation = correlation_of(index);

    switch (s.op) {
        case Op::init: {
            const Roles all = static_cast<Roles>(Role::user_admin) |
                              static_cast<Roles>(Role::webhook_admin) |
                              static_cast<Roles>(Role::auditor);
            tx.record(StoreCreated{s.window_days * kDayMs, "kls_simulation"}, kOperatorActor,
                      correlation);
            for (const Command& command :
                 {Command{CreateUser{s.user, s.username, AccountKind::service, all, ""}},
                  Command{IssueApiToken{s.user, s.token, "first admin token", std::nullopt,
                                        hasher_.hash(s.secret)}}}) {
                Decision decision =
                    decide(tx.state(), Caller::operator_console(), command, std::nullopt, now);
                if (!decision.accepted()) {
                    return result(to_string(decision.refusal->reason));
                }
                tx.record_all(decision.events, kOperatorActor, correlation);
            }
            return result("accepted");
        }
        case Op::probe_account: {
            const Account* account = state.account(s.user);
            if (account == nullptr) {
                return result("not_found");
            }
            const AccountStatus status = account_status(*account, now, state.window_ms);
            if (status == AccountStatus::inactive) {
                return result("inactive since " +
                              format_instant(inactive_at(*account, state.window_ms)));
            }
            return result(to_string(status));
        }
        case Op::probe_token: {
            const Token* token = state.token(s.token);
            if (token == nullptr) {
                return result("not_found");
            }
            auto refusal = token_refusal(state, *token, Target::any(), now);
            return result(refusal ? to_string(*refusal) : "valid");
        }
        case Op::login: {
            // The memory-hard check runs outside the rules, against the version it was made on.
            std::uint32_t version = 0;
            bool password_ok = false;
            if (const Account* account = state.account_by_name(s.username)) {
                version = account->password_version;
                password_ok = s.password && !account->password_hash.empty() &&
                              security::verify_password(account->password_hash, *s.password);
            }
            Decision decision = decide_login(state, Login{s.username, password_ok, version}, now);
            tx.record_all(decision.events, kAnonymousActor, correlation);
            return decision.accepted() ? result("accepted")
                                       : result(to_string(decision.refusal->reason));
        }
        case Op::call:
            return call(tx, s, index);
        default:
            break;
    }

    // A management request: authenticate as the API does, then decide the command.
    AuthenticateCall call;
    call.call_id = "call_sim" + std::to_string(index);
    call.secret.secret_hash = hasher_.hash(s.by);
    call.request = request_of(s);
    call.is_read = s.op == Op::read;
    CallDecision auth = decide_call(state, call, now);
    if (auth.outcome == CallDecision::Outcome::unknown) {
        return result("unknown_token");
    }
    tx.record_all(auth.events, auth.owner_id(), correlation);
    if (auth.outcome == CallDecision::Outcome::refused) {
        return result(to_string(auth.reason));
    }
    const Caller caller{std::string(auth.owner_id()), std::string(auth.token_id())};
    if (s.op == Op::read) {
        auto refusal = authorize_read(tx.state(), caller, Read{ListUsers{}}, now);
        return refusal ? result(to_string(refusal->reason)) : result("accepted");
    }

    std::optional<BodyError> body_error;
    auto require = [&](bool condition, std::string message) {
        if (!condition && !body_error) {
            body_error = BodyError{Reason::bad_request, std::move(message)};
        }
    };
    auto hashed = [&](const std::string& password) {
        return sim_password_hash(password, correlation + ":" + s.user);
    };
    Command command;
    switch (s.op) {
        case Op::create_user: {
            CreateUser c{s.user, s.username, AccountKind::person, roles_of(s.roles, body_error),
                         ""};
            c.kind = s.kind == "service" ? AccountKind::service : AccountKind::person;
            require(username_valid(s.username), "a username is 1 to 64 of a-z 0-9 . _ @ -");
            require(!s.password || password_length_valid(*s.password),
                    "a password is 8 to 1024 bytes");
            if (s.password && !body_error) {
                c.password_hash = hashed(*s.password);
            }
            command = c;
            break;
        }
        case Op::change_password: {
            require(s.password && password_length_valid(*s.password),
                    "a password is 8 to 1024 bytes");
            ChangePassword c{s.user, body_error ? "" : hashed(s.password.value_or("")),
                             s.old_password.has_value(), false, 0};
            if (const Account* target = state.account(s.user)) {
                c.checked_password_version = target->password_version;
                c.old_password_ok =
                    s.old_password && !target->password_hash.empty() &&
                    security::verify_password(target->password_hash, *s.old_password);
            }
            command = c;
            break;
        }
        case Op::reactivate:
            command = ReactivateUser{s.user};
            break;
        case Op::delete_user:
            command = DeleteUser{s.user};
            break;
        case Op::install_webhook:
            command = InstallWebhook{
                s.webhook, s.name,  s.auth == "basic" ? WebhookAuth::basic : WebhookAuth::bearer,
                s.owner,   s.token, hasher_.hash(s.secret)};
            break;
        case Op::uninstall_webhook:
            command = UninstallWebhook{s.webhook};
            break;
        case Op::issue_app_token:
            command = IssueAppToken{s.webhook, s.owner, s.token, hasher_.hash(s.secret)};
            break;
        case Op::issue_api_token:
            command = IssueApiToken{s.user, s.token, s.name, s.expires_at, hasher_.hash(s.secret)};
            break;
        case Op::revoke_token:
            command = RevokeToken{s.token};
            break;
        case Op::rotate_token:
            require(s.grace_ms >= 0 && s.grace_ms <= kMaxGraceMs,
                    "grace_ms is 0 to 2592000000 (30 days)");
            command = RotateToken{s.token, hasher_.hash(s.secret), s.grace_ms};
            break;
        case Op::transfer_token:
            command = TransferToken{s.token, s.owner.value_or("")};
            break;
        default:
            return result("bad_request");
    }
    Decision decision = decide(tx.state(), caller, command, body_error, now);
    tx.record_all(decision.events, caller.account_id, correlation);
    if (decision.accepted()) {
        return result("accepted");
    }
    Outcome refused = result(to_string(decision.refusal->reason));
    if (decision.refusal->reason == Reason::user_has_active_tokens) {
        refused.blocking_tokens = decision.refusal->token_ids;
        refused.blocking_webhooks = decision.refusal->webhook_ids;
    }
    return refused;
}

Outcome EngineDriver::call(engine::Transaction& tx, const Step& s, std::uint64_t index) const {
    const State& state = tx.state();
    const Instant now = tx.now();
    const Webhook* webhook = state.webhook(s.webhook);
    if (webhook == nullptr) {
        return result("not_found");
    }
    if (webhook->uninstalled_at) {
        return result("webhook_uninstalled");
    }
    AuthenticateCall call;
    call.call_id = s.call_id.empty() ? "call_sim" + std::to_string(index) : s.call_id;
    call.secret.secret_hash = hasher_.hash(s.secret);
    call.webhook_id = s.webhook;
    call.body_length = s.body.size();
    call.body_sha256 = security::sha256(s.body);
    CallDecision decision = decide_call(state, call, now);
    if (decision.outcome == CallDecision::Outcome::unknown) {
        return result("unknown_token");
    }
    const std::string correlation = correlation_of(index);
    if (decision.outcome == CallDecision::Outcome::refused) {
        // A 401 consumes no delivery key.
        tx.record_all(decision.events, decision.owner_id(), correlation);
        return result(to_string(decision.reason));
    }

    // The delivery key, as api/service.cc honours an Idempotency-Key: scoped by token, method and
    // path, for 24 hours of the decision clock.
    if (s.key) {
        IdempotencyScope scope{std::string(decision.token_id()), "POST", "/v1/hooks/" + s.webhook,
                               *s.key};
        auto found = state.idempotency.find(scope);
        if (found != state.idempotency.end() &&
            now < found->second.recorded_at + kIdempotencyTtlMs) {
            if (found->second.body_sha256 == call.body_sha256) {
                // A faithful repeat: the first answer, nothing recorded, no activity.
                Outcome replay = result(found->second.status == 202 ? "accepted" : "bad_request");
                replay.replayed = true;
                if (!s.call_id.empty()) {
                    replay.call_id =
                        nlohmann::json::parse(found->second.response_body, nullptr, false)
                            .value("call_id", std::string());
                }
                return replay;
            }
            tx.record_all(decision.events, decision.owner_id(), correlation);
            tx.record(CommandRefused{"Idempotency", Reason::idempotency_key_reused, *s.key, {}, {}},
                      decision.owner_id(), correlation);
            return result("idempotency_key_reused");
        }
        tx.record_all(decision.events, decision.owner_id(), correlation);
        // The 202's body as api/service.cc renders it (call ids need no JSON escaping).
        tx.record(IdempotencyRecorded{std::move(scope.token_id), std::move(scope.method),
                                      std::move(scope.path), std::move(scope.key), call.body_sha256,
                                      202, "{\"call_id\":\"" + call.call_id + "\"}"},
                  decision.owner_id(), correlation);
    } else {
        tx.record_all(decision.events, decision.owner_id(), correlation);
    }
    Outcome accepted = result("accepted");
    if (!s.call_id.empty()) {
        accepted.call_id = call.call_id;
    }
    return accepted;
}

std::uint64_t EngineDriver::head_position() const {
    return engine_->store().head_position();
}

std::string EngineDriver::last_correlation_id() const {
    const std::uint64_t head = head_position();
    if (head == 0) {
        return "";
    }
    auto stored = engine_->store().read_at(head);
    return stored ? stored->correlation_id : std::string();
}

std::string EngineDriver::head_hash_hex() const {
    return hex(engine_->store().head_hash());
}

std::string EngineDriver::hash_at(std::uint64_t position) const {
    auto stored = engine_->store().read_at(position);
    return stored ? hex(stored->hash) : std::string();
}

std::expected<void, std::string> EngineDriver::check_rebuild() const {
    auto rebuilt = engine::rebuild(engine_->store());
    if (!rebuilt) {
        return std::unexpected("the log cannot be folded: " + rebuilt.error());
    }
    if (engine_->running()) {
        return std::unexpected("the rebuild is compared before the first run only");
    }
    const bool equal = *rebuilt == engine_->model();
    if (!equal) {
        return std::unexpected("the projections differ from a rebuild of the log");
    }
    return {};
}

std::expected<std::vector<std::pair<std::uint64_t, Outcome>>, std::string>
EngineDriver::outcomes_in_log(std::uint64_t after_position) const {
    // Events of one step share its correlation id and are contiguous; what the step answered
    // follows from them as the API's answer would.
    std::map<std::uint64_t, Outcome> by_step;
    std::uint64_t after = after_position;
    for (;;) {
        auto chunk = engine_->store().read_all(after, 10'000);
        if (!chunk) {
            return std::unexpected(chunk.error().message);
        }
        for (const auto& stored : *chunk) {
            after = stored.position;
            if (!stored.correlation_id.starts_with("sim-")) {
                continue;
            }
            const std::uint64_t index = std::stoull(stored.correlation_id.substr(4));
            auto event = domain::codec::decode(stored.type, stored.payload);
            if (!event) {
                return std::unexpected(event.error());
            }
            Outcome& outcome = by_step.try_emplace(index, result("accepted")).first->second;
            if (const auto* decided = std::get_if<CallDecided>(&*event)) {
                if (decided->refusal) {
                    outcome = result(to_string(*decided->refusal));
                } else if (!decided->call_id.starts_with("call_sim")) {
                    outcome.call_id = decided->call_id;  // the step named it
                }
            } else if (const auto* refused = std::get_if<CommandRefused>(&*event)) {
                outcome = result(to_string(refused->reason));
                if (refused->reason == Reason::user_has_active_tokens) {
                    outcome.blocking_tokens = refused->token_ids;
                    outcome.blocking_webhooks = refused->webhook_ids;
                }
            } else if (const auto* failed = std::get_if<LoginFailed>(&*event)) {
                outcome = result(to_string(failed->reason));
            }
        }
        if (chunk->size() < 10'000) {
            break;
        }
    }
    return std::vector<std::pair<std::uint64_t, Outcome>>(by_step.begin(), by_step.end());
}

}  // namespace keyledger::sim
