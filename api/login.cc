// POST /v1/login: the password is checked on a worker thread against the hash the decider
// holds, then the decider decides with the version of the hash that was checked.

#include <boost/asio/post.hpp>

#include "api/log.h"
#include "api/responses.h"
#include "api/service_internal.h"
#include "api/views.h"

namespace keyledger::api {

void Service::login(const std::shared_ptr<Exchange>& ex) {
    if (ex->request.method != "POST") {
        http::Response response = error(405, "method_not_allowed", "login takes POST");
        response.headers.emplace_back("Allow", "POST");
        ex->respond(std::move(response));
        return;
    }
    // Before the password is checked: answering a limited address by the check's result would
    // keep the guessing going, and the memory-hard hash is the very work to spare.
    if (auto limited = address_limited(*ex)) {
        ex->respond(std::move(*limited));
        return;
    }
    Body body = parse_body(ex->request, false);
    auto username = take_string(body, "username", true);
    auto password = take_string(body, "password", true);
    if (body.error) {
        ex->respond(error(status_of(body.error->reason), to_string(body.error->reason),
                          body.error->message));
        return;
    }

    struct Stored {
        bool known = false;
        std::string hash;
        std::uint32_t version = 0;
    };
    auto decide_login = [this, ex, username = *username](bool password_ok, std::uint32_t version) {
        submit(ex, [this, ex, username, password_ok, version](engine::Transaction& tx) {
            domain::Login login{username, password_ok, version};
            domain::Decision decision = domain::decide_login(tx.state(), login, tx.now());
            tx.record_all(decision.events, domain::kAnonymousActor, ex->correlation_id);
            if (decision.accepted()) {
                metrics_.logins_succeeded++;
                const domain::Account* account = tx.state().account_by_name(username);
                respond_after(tx, ex,
                              json_response(200, user_json(tx.state(), *account, tx.now())));
                return;
            }
            (decision.events.empty() ? metrics_.logins_unknown_user : metrics_.logins_failed)++;
            note_auth_failure(*ex);
            log_line(spdlog::level::info, "login_failed",
                     {{"username", username},
                      {"reason", to_string(decision.refusal->reason)},
                      {"remote", ex->request.remote}});
            http::Response response =
                error(401, to_string(decision.refusal->reason), decision.refusal->message);
            response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"keyledger\"");
            respond_after(tx, ex, std::move(response));
        });
    };

    // Step 1, on the decider thread: the stored hash and its version.
    submit(ex, [this, ex, username = *username, password = *password,
                decide_login](engine::Transaction& tx) {
        Stored stored;
        if (const domain::Account* account = tx.state().account_by_name(username)) {
            stored = Stored{true, account->password_hash, account->password_version};
        }
        // Step 2, on a worker: the memory-hard check, against a dummy hash for unknown names.
        boost::asio::post(workers_, [this, stored, password, decide_login] {
            const bool ok = stored.known && !stored.hash.empty() &&
                            security::verify_password(stored.hash, password);
            if (!stored.known || stored.hash.empty()) {
                (void)security::verify_password(dummy_password_hash_, password);
            }
            decide_login(ok, stored.version);
        });
    });
}

}  // namespace keyledger::api
