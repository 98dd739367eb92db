#include "tests/engine/random_story.h"

#include "domain/decide.h"

namespace keyledger::testing {

using namespace domain;

namespace {
constexpr Roles kAll = 7;
}

std::string RandomStory::pick(const std::vector<std::string>& from) {
    // Now and then a name nobody has, so refusals for unknown ids are exercised too.
    if (from.empty() || rng_() % 12 == 0) {
        return "missing-" + std::to_string(rng_() % 3);
    }
    return from[rng_() % from.size()];
}

Digest RandomStory::secret_of(const std::string& name) {
    Digest d{};
    const std::size_t h = std::hash<std::string>{}(name);
    for (std::size_t i = 0; i < d.size(); ++i) {
        d[i] = static_cast<std::uint8_t>(h >> ((i % 8) * 8)) ^ static_cast<std::uint8_t>(i);
    }
    return d;
}

void RandomStory::bootstrap(engine::Engine& engine, Instant window_ms) {
    (void)engine.run_now([&](engine::Transaction& tx) {
        tx.record(StoreCreated{window_ms, "story"}, "operator", "c0");
        users_.push_back("admin");
        tx.record(UserCreated{"admin", "admin", AccountKind::service, kAll, ""}, "operator", "c0");
        tokens_.push_back("t-admin");
        secrets_.push_back("s-admin");
        tx.record(TokenIssued{"t-admin", TokenKind::api, "admin", "", "", std::nullopt,
                              secret_of("s-admin")},
                  "operator", "c0");
    });
}

void RandomStory::step(engine::Engine& engine) {
    switch (rng_() % 4) {
        case 0:
            clock_.advance(static_cast<Instant>(rng_() % (20 * kDayMs)));
            break;
        case 1:
            clock_.advance(static_cast<Instant>(rng_() % (2 * kHourMs)));
            break;
        default:
            break;
    }
    (void)engine.run_now([&](engine::Transaction& tx) {
        if (rng_() % 2 == 0) {
            call(tx);
        } else {
            command(tx);
        }
    });
}

void RandomStory::call(engine::Transaction& tx) {
    AuthenticateCall call;
    call.call_id = "call-" + std::to_string(next_++);
    call.secret.secret_hash = secret_of(pick(secrets_));
    if (rng_() % 2 == 0) {
        call.webhook_id = pick(webhooks_);
    } else {
        call.request = "GET /v1/users";
        call.is_read = rng_() % 2 == 0;
    }
    call.body_length = rng_() % 100;
    CallDecision d = decide_call(tx.state(), call, tx.now());
    tx.record_all(d.events, d.owner_id(), "corr");
}

void RandomStory::command(engine::Transaction& tx) {
    // The caller: mostly accounts with a token, so role checks pass and fail.
    const std::string caller_id = rng_() % 3 == 0 ? "admin" : pick(users_);
    const Caller caller{caller_id, "t"};
    const std::string id = std::to_string(next_++);
    Command command;
    switch (rng_() % 12) {
        case 0:
            users_.push_back("u" + id);
            command = CreateUser{"u" + id, "name" + std::to_string(rng_() % 40),
                                 rng_() % 2 ? AccountKind::person : AccountKind::service,
                                 static_cast<Roles>(rng_() % 8), "h"};
            break;
        case 1:
            command = ChangePassword{pick(users_), "h" + id, rng_() % 2 == 0, rng_() % 2 == 0,
                                     static_cast<std::uint32_t>(rng_() % 2)};
            break;
        case 2:
            command = ReactivateUser{pick(users_)};
            break;
        case 3:
            command = DeleteUser{pick(users_)};
            break;
        case 4: {
            webhooks_.push_back("w" + id);
            tokens_.push_back("a" + id);
            secrets_.push_back("sa" + id);
            std::optional<std::string> owner;
            if (rng_() % 2) {
                owner = pick(users_);
            }
            command = InstallWebhook{"w" + id, "hook",   WebhookAuth::bearer,
                                     owner,    "a" + id, secret_of("sa" + id)};
            break;
        }
        case 5:
            command = UninstallWebhook{pick(webhooks_)};
            break;
        case 6:
            tokens_.push_back("p" + id);
            secrets_.push_back("sp" + id);
            command = IssueAppToken{pick(webhooks_), std::nullopt, "p" + id, secret_of("sp" + id)};
            break;
        case 7: {
            tokens_.push_back("k" + id);
            secrets_.push_back("sk" + id);
            std::optional<Instant> expires;
            if (rng_() % 2) {
                expires = tx.now() + static_cast<Instant>(rng_() % (90 * kDayMs)) + 1;
            }
            command = IssueApiToken{pick(users_), "k" + id, "", expires, secret_of("sk" + id)};
            break;
        }
        case 8:
            command = RevokeToken{pick(tokens_)};
            break;
        case 9:
            secrets_.push_back("r" + id);
            command = RotateToken{pick(tokens_), secret_of("r" + id),
                                  static_cast<Instant>(rng_() % (2 * kDayMs))};
            break;
        case 10:
            command = TransferToken{pick(tokens_), pick(users_)};
            break;
        default: {
            // The operator at the console, as `keyledger admin` does.
            Decision d = decide(tx.state(), Caller::operator_console(),
                                ReactivateUser{pick(users_)}, std::nullopt, tx.now());
            tx.record_all(d.events, "operator", "corr");
            return;
        }
    }
    Decision d = decide(tx.state(), caller, command, std::nullopt, tx.now());
    tx.record_all(d.events, caller.account_id, "corr");
}

}  // namespace keyledger::testing
