// The management routes of API.md. Each parses its body (and does any slow work) before the
// decider, then hands the decider a route that decides, records and renders.

#include <boost/asio/post.hpp>

#include <algorithm>

#include "api/audit_routes.h"
#include "api/log.h"
#include "api/render/event_json.h"
#include "api/responses.h"
#include "api/service_internal.h"
#include "api/views.h"
#include "domain/rules.h"
#include "projections/at_risk.h"
#include "projections/history_index.h"
#include "security/base64.h"
#include "security/digest.h"
#include "security/random.h"
#include "security/sha256.h"
#include "security/token_secret.h"

namespace keyledger::api {

using namespace domain;

namespace {

constexpr std::uint64_t kDefaultEventsLimit = 100;
constexpr std::uint64_t kMaxEventsLimit = 10'000;
// A page of deliveries ends once its lines pass this many bytes (it always holds at least one):
// 10,000 bodies of up to the body limit each would otherwise be held in memory several times
// over (decision 124). Deliveries are read kDeliveriesPerRead at a time while the page fills.
constexpr std::size_t kMaxDeliveryPageBytes = 8 * 1024 * 1024;
constexpr std::uint64_t kDeliveriesPerRead = 32;
constexpr std::uint64_t kMaxUsersLimit = 1'000;
constexpr std::int64_t kMaxWithinDays = 3650;
constexpr std::size_t kMaxNameLength = 200;

struct Fresh {
    std::string token_id = security::new_id("tok");
    std::string secret;
    Digest secret_hash{};
};

Fresh fresh_token(const security::SecretHasher& hasher, TokenKind kind) {
    Fresh fresh;
    fresh.secret = security::make_token_secret(kind == TokenKind::app ? security::TokenKind::app
                                                                      : security::TokenKind::api);
    fresh.secret_hash = hasher.hash(fresh.secret);
    return fresh;
}

void require(Body& body, bool condition, std::string message) {
    if (!condition && !body.error) {
        body.error = BodyError{Reason::bad_request, std::move(message)};
    }
}

// An absent "roles" means none (DECISIONS.md 92): API.md lists the member without marking it
// optional, but refusing a body that leaves it out would break clients for no safety gain.
std::optional<Roles> parse_roles(Body& body) {
    if (!body.json.contains("roles")) {
        return Roles{0};
    }
    auto items = take_array(body, "roles", false);
    if (!items) {
        return std::nullopt;
    }
    Roles roles = 0;
    for (const auto& item : *items) {
        auto role = item.is_string() ? parse_role(item.get<std::string>()) : std::nullopt;
        if (!role) {
            require(body, false,
                    "the member \"roles\" holds user_admin, webhook_admin and auditor only");
            return std::nullopt;
        }
        roles |= static_cast<Roles>(*role);
    }
    return roles;
}

// Decides a command, records what it produced, and renders the refusal or `on_success`.
Outcome run_command(engine::Transaction& tx, const Caller& caller, const Command& command,
                    const std::optional<BodyError>& body_error, const std::string& correlation_id,
                    const std::function<http::Response(const State&, Instant)>& on_success) {
    const Instant now = tx.now();
    Decision decision = decide(tx.state(), caller, command, body_error, now);
    tx.record_all(decision.events, caller.account_id, correlation_id);
    if (!decision.accepted()) {
        return Outcome{refusal_response(*decision.refusal, tx.state(), now), {}};
    }
    return Outcome{on_success(tx.state(), now), {}};
}

// A store error as the client sees it: the details (file names, offsets) go to the log only.
http::Response store_failure(const eventstore::Error& failure) {
    log_line(spdlog::level::err, "store_read_failed",
             {{"code", eventstore::to_string(failure.code)},
              {"position", failure.position},
              {"message", failure.message}});
    return error(503, "store_unavailable",
                 failure.code == eventstore::ErrorCode::corruption
                     ? "the store reported damaged data; the server log has the details"
                     : "the store could not be read; retry later");
}

http::Response with_secret(unsigned status, nlohmann::json token, const std::string& secret) {
    token["secret"] = secret;
    return json_response(status, token);
}

// as_of / at_position on a read: which position to fold to and at which instant to evaluate.
// A past point asked for, checked on the decider thread and found in the log off it: an exact
// position, or an instant among the positions the model had folded (head).
struct PointInTime {
    bool exact = false;
    std::uint64_t position = 0;
    Instant at = 0;
    std::uint64_t head = 0;
};
std::expected<std::optional<PointInTime>, http::Response> point_in_time(
    const RequestTarget& target, const engine::Transaction& tx) {
    auto as_of = target.query.find("as_of");
    auto at_position = target.query.find("at_position");
    const bool has_as_of = as_of != target.query.end();
    const bool has_position = at_position != target.query.end();
    if (has_as_of && has_position) {
        return std::unexpected(error(400, "bad_request", "give as_of or at_position, not both"));
    }
    const std::uint64_t head = tx.model().position();
    if (has_as_of) {
        auto t = parse_instant(as_of->second);
        if (!t) {
            return std::unexpected(error(400, "bad_instant",
                                         "as_of must be an instant like 2026-03-02T00:00:00.000Z"));
        }
        if (*t > tx.now()) {
            return std::unexpected(error(400, "as_of_in_future",
                                         "as_of lies after now; the at-risk report forecasts"));
        }
        return PointInTime{false, 0, *t, head};
    }
    if (has_position) {
        auto p = parse_count(at_position->second);
        if (!p || *p > head) {
            return std::unexpected(
                error(400, "bad_request",
                      "at_position must be a position from 0 to " + std::to_string(head)));
        }
        return PointInTime{true, *p, 0, head};
    }
    return std::optional<PointInTime>{};
}

}  // namespace

struct Routes {
    using Ex = std::shared_ptr<Service::Exchange>;

    static void create_user(Service& s, const Ex& ex) {
        Body body = parse_body(ex->request, false);
        CreateUser command;
        command.user_id = security::new_id("usr");
        command.username = take_string(body, "username", true).value_or("");
        auto kind = take_string(body, "kind", true);
        auto roles = parse_roles(body);
        auto password = take_string(body, "password", false);
        require(body, !kind || parse_account_kind(*kind).has_value(), "kind is person or service");
        require(body, username_valid(command.username), "a username is 1 to 64 of a-z 0-9 . _ @ -");
        require(body, !password || password_length_valid(*password),
                "a password is 8 to 1024 bytes");
        command.kind =
            kind ? parse_account_kind(*kind).value_or(AccountKind::person) : AccountKind::person;
        command.roles = roles.value_or(0);
        // The memory-hard hash runs on a worker, never on the decider or an I/O thread.
        boost::asio::post(s.workers_, [&s, ex, command, password, error = body.error]() mutable {
            if (password && !error) {
                command.password_hash =
                    security::hash_password(*password, s.options_.password_cost);
            }
            s.authenticated(
                ex, "", false, [ex, command, error](engine::Transaction& tx, const Caller& caller) {
                    return run_command(
                        tx, caller, command, error, ex->correlation_id,
                        [&](const State& state, Instant now) {
                            return json_response(
                                201, user_json(state, *state.account(command.user_id), now));
                        });
                });
        });
    }

    static void change_password(Service& s, const Ex& ex, const std::string& user_id) {
        Body body = parse_body(ex->request, false);
        auto password = take_string(body, "password", true);
        auto old_password = take_string(body, "old_password", false);
        require(body, !password || password_length_valid(*password),
                "a password is 8 to 1024 bytes");
        // Step 1: the target's current hash, to check old_password against off the decider.
        s.submit(ex, [&s, ex, user_id, password, old_password,
                      error = body.error](engine::Transaction& tx) {
            std::string stored;
            std::uint32_t version = 0;
            if (const Account* account = tx.state().account(user_id)) {
                stored = account->password_hash;
                version = account->password_version;
            }
            boost::asio::post(
                s.workers_, [&s, ex, user_id, password, old_password, error, stored, version] {
                    ChangePassword command;
                    command.user_id = user_id;
                    command.old_password_given = old_password.has_value();
                    command.old_password_ok = old_password && !stored.empty() &&
                                              security::verify_password(stored, *old_password);
                    command.checked_password_version = version;
                    if (password && !error) {
                        command.password_hash =
                            security::hash_password(*password, s.options_.password_cost);
                    }
                    s.authenticated(
                        ex, "", false,
                        [ex, command, error](engine::Transaction& tx, const Caller& caller) {
                            return run_command(tx, caller, command, error, ex->correlation_id,
                                               [](const State&, Instant) { return no_content(); });
                        });
                });
        });
    }

    static void simple_user_command(Service& s, const Ex& ex, Command command, bool returns_user,
                                    const std::string& user_id) {
        s.authenticated(
            ex, "", false,
            [ex, command, returns_user, user_id](engine::Transaction& tx, const Caller& caller) {
                return run_command(
                    tx, caller, command, std::nullopt, ex->correlation_id,
                    [&](const State& state, Instant now) {
                        return returns_user
                                   ? json_response(200,
                                                   user_json(state, *state.account(user_id), now))
                                   : no_content();
                    });
            });
    }

    static void issue_api_token(Service& s, const Ex& ex, const std::string& user_id) {
        Body body = parse_body(ex->request, true);
        Fresh fresh = fresh_token(s.hasher_, TokenKind::api);
        IssueApiToken command{user_id, fresh.token_id,
                              take_string(body, "name", false).value_or(""),
                              take_instant(body, "expires_at", false), fresh.secret_hash};
        require(body, command.name.size() <= kMaxNameLength, "name is at most 200 bytes");
        issue_token(s, ex, Command{command}, fresh, body.error);
    }

    // Decides a command that issues the token `fresh`, answering 201 with its one secret.
    static void issue_token(Service& s, const Ex& ex, Command command, const Fresh& fresh,
                            const std::optional<BodyError>& error) {
        s.authenticated(
            ex, "", false,
            [ex, command, fresh, error](engine::Transaction& tx, const Caller& caller) {
                return run_command(
                    tx, caller, command, error, ex->correlation_id,
                    [&](const State& state, Instant now) {
                        return with_secret(
                            201, token_json(state, *state.token(fresh.token_id), std::nullopt, now),
                            fresh.secret);
                    });
            });
    }

    static void install_webhook(Service& s, const Ex& ex) {
        Body body = parse_body(ex->request, false);
        Fresh fresh = fresh_token(s.hasher_, TokenKind::app);
        InstallWebhook command;
        command.webhook_id = security::new_id("whk");
        command.name = take_string(body, "name", true).value_or("");
        auto auth = take_string(body, "auth", true);
        command.owner_id = take_string(body, "owner_id", false);
        require(body, !command.name.empty() && command.name.size() <= kMaxNameLength,
                "name is 1 to 200 bytes");
        require(body, !auth || parse_webhook_auth(*auth).has_value(), "auth is bearer or basic");
        command.auth =
            auth ? parse_webhook_auth(*auth).value_or(WebhookAuth::bearer) : WebhookAuth::bearer;
        command.token_id = fresh.token_id;
        command.secret_hash = fresh.secret_hash;
        s.authenticated(ex, "", false,
                        [ex, command, fresh, error = body.error](engine::Transaction& tx,
                                                                 const Caller& caller) {
                            return run_command(
                                tx, caller, command, error, ex->correlation_id,
                                [&](const State& state, Instant now) {
                                    nlohmann::json out =
                                        webhook_json(state, *state.webhook(command.webhook_id));
                                    out["app_token"] = token_json(
                                        state, *state.token(fresh.token_id), std::nullopt, now);
                                    out["app_token"]["secret"] = fresh.secret;
                                    return json_response(201, out);
                                });
                        });
    }

    static void issue_app_token(Service& s, const Ex& ex, const std::string& webhook_id) {
        Body body = parse_body(ex->request, true);
        Fresh fresh = fresh_token(s.hasher_, TokenKind::app);
        IssueAppToken command{webhook_id, take_string(body, "owner_id", false), fresh.token_id,
                              fresh.secret_hash};
        issue_token(s, ex, Command{command}, fresh, body.error);
    }

    static void rotate_token(Service& s, const Ex& ex, const std::string& token_id) {
        Body body = parse_body(ex->request, true);
        auto grace = take_integer(body, "grace_ms", false);
        require(body, !grace || (*grace >= 0 && *grace <= kMaxGraceMs),
                "grace_ms is 0 to 2592000000 (30 days)");
        Fresh fresh;
        RotateToken command{token_id, {}, grace.value_or(kDefaultGraceMs)};
        s.authenticated(
            ex, "", false,
            [&s, ex, command, error = body.error](engine::Transaction& tx,
                                                  const Caller& caller) mutable {
                // The new secret keeps the token's kind, which only the state knows.
                const Token* token = tx.state().token(command.token_id);
                Fresh fresh = fresh_token(s.hasher_, token ? token->kind : TokenKind::api);
                command.secret_hash = fresh.secret_hash;
                return run_command(
                    tx, caller, command, error, ex->correlation_id,
                    [&](const State& state, Instant now) {
                        return with_secret(
                            201,
                            token_json(state, *state.token(command.token_id), std::nullopt, now),
                            fresh.secret);
                    });
            });
        (void)fresh;
    }

    static void transfer_token(Service& s, const Ex& ex, const std::string& token_id) {
        Body body = parse_body(ex->request, false);
        TransferToken command{token_id, take_string(body, "owner_id", true).value_or("")};
        s.authenticated(
            ex, "", false,
            [ex, command, error = body.error](engine::Transaction& tx, const Caller& caller) {
                return run_command(tx, caller, command, error, ex->correlation_id,
                                   [&](const State& state, Instant now) {
                                       return json_response(
                                           200, token_json(state, *state.token(command.token_id),
                                                           std::nullopt, now));
                                   });
            });
    }

    static void move_clock(Service& s, const Ex& ex) {
        Body body = parse_body(ex->request, false);
        auto advance = take_integer(body, "advance_ms", false);
        auto to = take_instant(body, "to", false);
        require(body, advance.has_value() != to.has_value() || body.error.has_value(),
                "give advance_ms or to");
        require(body, !advance || *advance >= 0, "advance_ms must not be negative");
        engine::ManualClock* clock = s.options_.manual_clock;
        // Instants end with year 9999: beyond it nothing could be written or asked about.
        require(body, !advance || *advance <= kMaxTextInstant - clock->now(),
                "advance_ms would move the clock past 9999-12-31T23:59:59.999Z");
        s.authenticated(
            ex, "", false,
            [ex, clock, advance, to, error = body.error](engine::Transaction& tx,
                                                         const Caller& caller) {
                // Decided, and counted as activity, at the instant before the clock moves.
                Outcome outcome =
                    run_command(tx, caller, MoveClock{}, error, ex->correlation_id,
                                [](const State&, Instant) { return http::Response{}; });
                if (outcome.response.status != 200) {
                    return outcome;
                }
                if (advance) {
                    clock->advance(*advance);
                } else {
                    clock->set(*to);
                }
                return Outcome{json_response(200, {{"now", format_instant(tx.clock_now())}}), {}};
            });
    }

    // GET routes: authorize, then render from the live state or fold the past.
    static void read(Service& s, const Ex& ex, Read what,
                     std::function<Outcome(engine::Transaction&, const Caller&)> render) {
        s.authenticated(
            ex, "", true, [ex, what, render](engine::Transaction& tx, const Caller& caller) {
                if (auto refused = authorize_read(tx.state(), caller, what, tx.now())) {
                    return Outcome{refusal_response(*refused, tx.state(), tx.now()), {}};
                }
                // An ambiguous query is a 400, after 401, 403 and 404 as API.md orders them.
                // Only reads take query parameters; writes ignore theirs.
                if (ex->target.duplicate_parameter) {
                    return Outcome{error(400, "bad_request", "a query parameter appears twice"),
                                   {}};
                }
                return render(tx, caller);
            });
    }

    static void get_user(Service& s, const Ex& ex, const std::string& id) {
        read(s, ex, ReadUser{id}, [&s, ex, id](engine::Transaction& tx, const Caller&) {
            auto when = point_in_time(ex->target, tx);
            if (!when) {
                return Outcome{when.error(), {}};
            }
            if (!*when) {
                return Outcome{
                    json_response(200, user_json(tx.state(), *tx.state().account(id), tx.now())),
                    {}};
            }
            auto sources = tx.model().history().sources_for_account(tx.state(), id);
            return Outcome{
                {}, past_view(s, std::move(sources), **when, [id](const State& past, Instant t) {
                    const Account* account = past.account(id);
                    return account ? std::optional(user_json(past, *account, t)) : std::nullopt;
                })};
        });
    }

    static void get_token(Service& s, const Ex& ex, const std::string& id) {
        read(s, ex, ReadToken{id}, [&s, ex, id](engine::Transaction& tx, const Caller&) {
            std::optional<std::string> webhook;
            if (auto it = ex->target.query.find("webhook_id"); it != ex->target.query.end()) {
                webhook = it->second;
            }
            auto when = point_in_time(ex->target, tx);
            if (!when) {
                return Outcome{when.error(), {}};
            }
            // A webhook unknown today never existed: 404 like an id in a body (API.md's order),
            // as on the audit routes, rather than a 200 saying wrong_webhook.
            if (webhook && tx.state().webhook(*webhook) == nullptr) {
                return Outcome{error(404, "not_found", "no webhook " + *webhook), {}};
            }
            if (!*when) {
                return Outcome{json_response(200, token_json(tx.state(), *tx.state().token(id),
                                                             webhook, tx.now())),
                               {}};
            }
            auto sources = tx.model().history().sources_for_token(tx.state(), id);
            if (webhook) {
                sources.add_webhook_stream(*webhook);
            }
            return Outcome{
                {},
                past_view(s, std::move(sources), **when,
                          [id, webhook](const State& past, Instant t) {
                              const Token* token = past.token(id);
                              return token ? std::optional(token_json(past, *token, webhook, t))
                                           : std::nullopt;
                          })};
        });
    }

    // Finds the point and the entity's positions in the store's indexes and folds them, off the
    // decider thread, then renders the entity, or 404 when it did not exist yet at that point.
    static std::function<http::Response()> past_view(
        Service& s, projections::HistorySources sources, PointInTime when,
        std::function<std::optional<nlohmann::json>(const State&, Instant)> render) {
        const Instant window = s.engine_.window_ms();
        const eventstore::EventStore* store = &s.engine_.store();
        const engine::Engine* engine = &s.engine_;
        return [store, engine, window, sources = std::move(sources), when, render] {
            // A history the server knows to be altered is not served as fact (decision 105).
            if (const std::string damage = engine->history_damage(); !damage.empty()) {
                return history_damaged(damage);
            }
            // The store could not give the history (damaged or unreadable): 503, as any store
            // failure (DECISIONS.md 35), never 500, which is kept for bugs.
            auto history_failed = [](const std::string& message) {
                log_line(spdlog::level::err, "history_fold_failed", {{"message", message}});
                return error(503, "store_unavailable",
                             "the history could not be read from the store; the server log has "
                             "the details");
            };
            auto point = when.exact ? projections::point_at_position(*store, when.position)
                                    : projections::point_as_of(*store, when.at, when.head);
            if (!point) {
                return history_failed(point.error().message);
            }
            auto positions = projections::read_positions(*store, sources, point->position);
            if (!positions) {
                return history_failed(positions.error().message);
            }
            auto past = engine::fold_positions(*store, window, *positions);
            if (!past) {
                return history_failed(past.error());
            }
            auto body = render(*past, point->at);
            if (!body) {
                return error(404, "not_found", "it did not exist yet at that point");
            }
            return json_response(200, *body);
        };
    }

    static void list_users(Service& s, const Ex& ex) {
        read(s, ex, ListUsers{}, [ex](engine::Transaction& tx, const Caller&) {
            const auto& query = ex->target.query;
            const State& state = tx.state();
            nlohmann::json users = nlohmann::json::array();
            if (auto it = query.find("username"); it != query.end()) {
                if (const Account* account = state.account_by_name(it->second)) {
                    users.push_back(user_json(state, *account, tx.now()));
                }
                return Outcome{json_response(200, {{"users", users}}), {}};
            }
            std::uint64_t limit = 100;
            if (auto it = query.find("limit"); it != query.end()) {
                auto n = parse_count(it->second);
                if (!n || *n == 0 || *n > kMaxUsersLimit) {
                    return Outcome{error(400, "bad_request", "limit is 1 to 1000"), {}};
                }
                limit = *n;
            }
            const std::string after = query.contains("after") ? query.at("after") : "";
            std::vector<const Account*> page;
            for (const Account& account : state.accounts) {
                if (account.id > after) {
                    page.push_back(&account);
                }
            }
            std::sort(page.begin(), page.end(),
                      [](const Account* a, const Account* b) { return a->id < b->id; });
            nlohmann::json out = nlohmann::json::object();
            if (page.size() > limit) {
                page.resize(limit);
                out["next_after"] = page.back()->id;
            }
            for (const Account* account : page) {
                users.push_back(user_json(state, *account, tx.now()));
            }
            out["users"] = std::move(users);
            return Outcome{json_response(200, out), {}};
        });
    }

    static void get_webhook(Service& s, const Ex& ex, const std::string& id) {
        read(s, ex, ReadWebhook{id}, [id](engine::Transaction& tx, const Caller&) {
            return Outcome{json_response(200, webhook_json(tx.state(), *tx.state().webhook(id))),
                           {}};
        });
    }

    static std::expected<std::pair<std::uint64_t, std::uint64_t>, http::Response> paging(
        const RequestTarget& target, std::uint64_t default_limit, std::uint64_t max_limit) {
        std::uint64_t after = 0;
        std::uint64_t limit = default_limit;
        if (auto it = target.query.find("after"); it != target.query.end()) {
            auto n = parse_count(it->second);
            if (!n) {
                return std::unexpected(
                    error(400, "bad_request",
                          "after must be a whole number from 0 to 18446744073709551615"));
            }
            after = *n;
        }
        if (auto it = target.query.find("limit"); it != target.query.end()) {
            auto n = parse_count(it->second);
            if (!n || *n == 0 || *n > max_limit) {
                return std::unexpected(
                    error(400, "bad_request", "limit is 1 to " + std::to_string(max_limit)));
            }
            limit = *n;
        }
        return std::pair{after, limit};
    }

    static void deliveries(Service& s, const Ex& ex, const std::string& id) {
        read(s, ex, ReadDeliveries{id}, [&s, ex, id](engine::Transaction&, const Caller&) {
            auto page = paging(ex->target, kDefaultEventsLimit, kMaxEventsLimit);
            if (!page) {
                return Outcome{page.error(), {}};
            }
            const eventstore::EventStore* store = &s.engine_.store();
            return Outcome{{}, [store, id, page = *page] {
                               auto [after, left] = page;
                               std::string body;
                               while (left > 0 && body.size() < kMaxDeliveryPageBytes) {
                                   const std::uint64_t wanted = std::min(left, kDeliveriesPerRead);
                                   auto rows = store->read_deliveries(id, after, wanted);
                                   if (!rows) {
                                       return store_failure(rows.error());
                                   }
                                   for (const auto& d : *rows) {
                                       if (body.size() >= kMaxDeliveryPageBytes) {
                                           break;
                                       }
                                       nlohmann::json line{
                                           {"seq", d.seq},
                                           {"call_id", d.call_id},
                                           {"received_at", format_instant(d.received_at_ms)},
                                           {"content_type", d.content_type},
                                           {"body_base64", security::base64_encode(d.body)}};
                                       body += json_text(line) + "\n";
                                       after = d.seq;
                                       --left;
                                   }
                                   if (rows->size() < wanted) {
                                       break;
                                   }
                               }
                               return ndjson_response(std::move(body));
                           }};
        });
    }

    static void events(Service& s, const Ex& ex) {
        read(s, ex, ReadEvents{}, [&s, ex](engine::Transaction&, const Caller&) {
            auto page = paging(ex->target, kDefaultEventsLimit, kMaxEventsLimit);
            if (!page) {
                return Outcome{page.error(), {}};
            }
            const eventstore::EventStore* store = &s.engine_.store();
            return Outcome{{}, [store, page = *page] {
                               auto rows = store->read_all(page.first, page.second);
                               if (!rows) {
                                   return store_failure(rows.error());
                               }
                               std::string body;
                               for (const auto& stored : *rows) {
                                   auto event = engine::decode_fact(stored);
                                   if (!event) {
                                       return error(500, "internal", event.error());
                                   }
                                   body +=
                                       json_text(render::event_json(stored.position, stored.stream,
                                                                    stored.version, *event)) +
                                       "\n";
                               }
                               return ndjson_response(std::move(body));
                           }};
        });
    }

    static void at_risk(Service& s, const Ex& ex) {
        read(s, ex, ReadReport{}, [ex](engine::Transaction& tx, const Caller&) {
            std::int64_t days = 30;
            if (auto it = ex->target.query.find("within_days"); it != ex->target.query.end()) {
                auto n = parse_count(it->second);
                if (!n || *n > static_cast<std::uint64_t>(kMaxWithinDays)) {
                    return Outcome{error(400, "bad_request", "within_days is 0 to 3650"), {}};
                }
                days = static_cast<std::int64_t>(*n);
            }
            auto report = projections::at_risk(tx.state(), tx.now(), days);
            nlohmann::json out = at_risk_json(report);
            out["now"] = format_instant(tx.now());
            out["within_days"] = days;
            return Outcome{json_response(200, out), {}};
        });
    }

    static void verify(Service& s, const Ex& ex) {
        read(s, ex, VerifyLog{}, [&s](engine::Transaction&, const Caller&) {
            const eventstore::EventStore* store = &s.engine_.store();
            return Outcome{
                {}, [store] {
                    auto report = store->verify();
                    if (!report) {
                        return store_failure(report.error());
                    }
                    if (report->ok) {
                        return json_response(200, {{"ok", true},
                                                   {"events", report->events},
                                                   {"head", security::to_hex(report->head)}});
                    }
                    return json_response(200, {{"ok", false},
                                               {"first_bad_position", report->first_bad_position},
                                               {"reason", report->reason},
                                               {"events", report->events}});
                }};
        });
    }
};

void Service::management(const std::shared_ptr<Exchange>& ex) {
    const auto& seg = ex->target.segments;  // seg[0] == "v1"
    const std::string& method = ex->request.method;
    const std::size_t n = seg.size();
    auto is = [&](std::initializer_list<const char*> shape) {
        if (shape.size() != n - 1) {
            return false;
        }
        std::size_t i = 1;
        // "*" is an id: never empty ("/v1/users//tokens" names no route).
        for (const char* part : shape) {
            if (std::string_view(part) == "*" ? seg[i].empty() : seg[i] != part) {
                return false;
            }
            ++i;
        }
        return true;
    };

    // Which methods the path takes; an empty list is an unknown path.
    std::string allow;
    std::function<void()> run;
    auto on = [&](const char* m, std::function<void()> action) {
        allow += allow.empty() ? m : std::string(", ") + m;
        if (method == m) {
            run = std::move(action);
        }
    };
    Service& s = *this;
    if (is({"users"})) {
        on("GET", [&] { Routes::list_users(s, ex); });
        on("POST", [&] { Routes::create_user(s, ex); });
    } else if (is({"users", "*"})) {
        on("GET", [&] { Routes::get_user(s, ex, seg[2]); });
        on("DELETE",
           [&] { Routes::simple_user_command(s, ex, DeleteUser{seg[2]}, false, seg[2]); });
    } else if (is({"users", "*", "password"})) {
        on("PUT", [&] { Routes::change_password(s, ex, seg[2]); });
    } else if (is({"users", "*", "reactivate"})) {
        on("POST",
           [&] { Routes::simple_user_command(s, ex, ReactivateUser{seg[2]}, true, seg[2]); });
    } else if (is({"users", "*", "tokens"})) {
        on("POST", [&] { Routes::issue_api_token(s, ex, seg[2]); });
    } else if (is({"webhooks"})) {
        on("POST", [&] { Routes::install_webhook(s, ex); });
    } else if (is({"webhooks", "*"})) {
        on("GET", [&] { Routes::get_webhook(s, ex, seg[2]); });
        on("DELETE", [&] {
            const std::string id = seg[2];
            authenticated(ex, "", false, [ex, id](engine::Transaction& tx, const Caller& caller) {
                return run_command(tx, caller, UninstallWebhook{id}, std::nullopt,
                                   ex->correlation_id,
                                   [](const State&, Instant) { return no_content(); });
            });
        });
    } else if (is({"webhooks", "*", "tokens"})) {
        on("POST", [&] { Routes::issue_app_token(s, ex, seg[2]); });
    } else if (is({"webhooks", "*", "deliveries"})) {
        on("GET", [&] { Routes::deliveries(s, ex, seg[2]); });
    } else if (is({"tokens", "*"})) {
        on("GET", [&] { Routes::get_token(s, ex, seg[2]); });
        on("DELETE", [&] {
            const std::string id = seg[2];
            authenticated(ex, "", false, [ex, id](engine::Transaction& tx, const Caller& caller) {
                return run_command(tx, caller, RevokeToken{id}, std::nullopt, ex->correlation_id,
                                   [](const State&, Instant) { return no_content(); });
            });
        });
    } else if (is({"tokens", "*", "rotate"})) {
        on("POST", [&] { Routes::rotate_token(s, ex, seg[2]); });
    } else if (is({"tokens", "*", "transfer"})) {
        on("POST", [&] { Routes::transfer_token(s, ex, seg[2]); });
    } else if (is({"reports", "at-risk"})) {
        on("GET", [&] { Routes::at_risk(s, ex); });
    } else if (is({"events"})) {
        on("GET", [&] { Routes::events(s, ex); });
    } else if (is({"audit", "verify"})) {
        on("GET", [&] { Routes::verify(s, ex); });
    } else if (is({"audit", "explain"})) {
        on("GET", [&] { Routes::read(s, ex, VerifyLog{}, audit_explain_route(engine_, ex)); });
    } else if (is({"audit", "calls"})) {
        on("GET", [&] { Routes::read(s, ex, VerifyLog{}, audit_calls_route(engine_, ex)); });
    } else if (is({"clock"}) && options_.manual_clock != nullptr) {
        on("POST", [&] { Routes::move_clock(s, ex); });
    }

    if (allow.empty()) {
        ex->respond(error(404, "not_found", "no such route: " + ex->target.path));
        return;
    }
    if (!run) {
        http::Response response = error(405, "method_not_allowed", "this path takes " + allow);
        response.headers.emplace_back("Allow", allow);
        ex->respond(std::move(response));
        return;
    }
    prepare_credential(*ex, hasher_);
    // A management body may carry a password (POST /v1/users, PUT .../password), and its digest
    // is recorded (call event, idempotency record) and shown in the event feed: a bare SHA-256
    // of it would let anyone with the feed test password guesses offline. The fingerprint is
    // therefore the SHA-256 of a keyed hash of the body: as stable as the store's key, so a
    // repeat is recognised across restarts, but worthless without the data directory.
    ex->body_sha256 = security::sha256(
        security::to_hex(hasher_.hash("keyledger management body\n" + ex->request.body)));
    // API.md: the clock takes no Idempotency-Key (a replay would not move it).
    if (!is({"clock"})) {
        ex->take_idempotency_key();
    }
    run();
}

}  // namespace keyledger::api
