#pragma once
// What callers ask for. Everything random or slow (ids, secret hashes, password hashes, password
// checks) is made before a command reaches the decider and carried in it, so deciding is pure.

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "domain/types.h"

namespace keyledger::domain {

// Who asks: an authenticated account, or the operator at the local console.
struct Caller {
    std::string account_id;  // empty for the operator
    std::string token_id;
    static Caller operator_console() { return {}; }
    bool is_operator() const { return account_id.empty(); }
};

// A body that could not be parsed. The decider reports it only after the route's role and the
// ids in the path have been checked, which is the order API.md asks for.
struct BodyError {
    Reason reason = Reason::bad_request;  // bad_request, bad_instant or unsupported_media_type
    std::string message;
};

struct CreateUser {
    std::string user_id;  // fresh
    std::string username;
    AccountKind kind = AccountKind::person;
    Roles roles = 0;
    std::string password_hash;  // empty: none
};
struct ChangePassword {
    std::string user_id;
    std::string password_hash;
    bool old_password_given = false;
    // The old password matched the hash of this version (checked outside the decider).
    bool old_password_ok = false;
    std::uint32_t checked_password_version = 0;
};
struct ReactivateUser {
    std::string user_id;
};
struct DeleteUser {
    std::string user_id;
};
struct InstallWebhook {
    std::string webhook_id;  // fresh
    std::string name;
    WebhookAuth auth = WebhookAuth::bearer;
    std::optional<std::string> owner_id;
    std::string token_id;  // fresh, the first app token
    Digest secret_hash{};
};
struct UninstallWebhook {
    std::string webhook_id;
};
struct IssueAppToken {
    std::string webhook_id;
    std::optional<std::string> owner_id;
    std::string token_id;
    Digest secret_hash{};
};
struct IssueApiToken {
    std::string user_id;
    std::string token_id;
    std::string name;
    std::optional<Instant> expires_at;
    Digest secret_hash{};
};
struct RevokeToken {
    std::string token_id;
};
struct RotateToken {
    std::string token_id;
    Digest secret_hash{};
    Instant grace_ms = kDefaultGraceMs;
};
struct TransferToken {
    std::string token_id;
    std::string owner_id;
};
// Moving the manual clock changes nothing in the rules but must be allowed to the caller.
struct MoveClock {};

using Command = std::variant<CreateUser, ChangePassword, ReactivateUser, DeleteUser, InstallWebhook,
                             UninstallWebhook, IssueAppToken, IssueApiToken, RevokeToken,
                             RotateToken, TransferToken, MoveClock>;

std::string_view command_name(const Command&);

// Management reads: only who may read what is a rule.
struct ReadUser {
    std::string user_id;
};
struct ListUsers {};
struct ReadToken {
    std::string token_id;
};
struct ReadWebhook {
    std::string webhook_id;
};
struct ReadDeliveries {
    std::string webhook_id;
};
struct ReadReport {};
struct ReadEvents {};
struct VerifyLog {};
using Read = std::variant<ReadUser, ListUsers, ReadToken, ReadWebhook, ReadDeliveries, ReadReport,
                          ReadEvents, VerifyLog>;

// Interactive login; the password was checked outside the decider against a known version.
struct Login {
    std::string username;
    bool password_ok = false;
    std::uint32_t checked_password_version = 0;
};

// The credential as presented: the keyed hash of the secret, and for Basic the user-id part.
struct PresentedSecret {
    Digest secret_hash{};
    std::optional<std::string> basic_user_id;
};

struct AuthenticateCall {
    std::string call_id;  // fresh; returned in the 202
    PresentedSecret secret;
    std::string webhook_id;  // empty: a management request
    std::string request;     // "METHOD /path" of a management request
    bool is_read = false;    // management GET, whose activity is recorded at most hourly
    std::uint64_t body_length = 0;
    Digest body_sha256{};
};

}  // namespace keyledger::domain
