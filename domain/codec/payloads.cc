#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/codec/payloads_internal.h"

namespace keyledger::domain::codec::detail {
namespace {

// ---- Enumerants, mapped by name so that neither side's numbering leaks into the other.

template <class Domain, class Schema, std::size_t N>
using EnumTable = std::array<std::pair<Domain, Schema>, N>;

constexpr EnumTable<AccountKind, schema::AccountKind, 2> kAccountKinds{{
    {AccountKind::person, schema::AccountKind::PERSON},
    {AccountKind::service, schema::AccountKind::SERVICE},
}};

constexpr EnumTable<TokenKind, schema::TokenKind, 2> kTokenKinds{{
    {TokenKind::app, schema::TokenKind::APP},
    {TokenKind::api, schema::TokenKind::API},
}};

constexpr EnumTable<WebhookAuth, schema::WebhookAuth, 2> kWebhookAuths{{
    {WebhookAuth::bearer, schema::WebhookAuth::BEARER},
    {WebhookAuth::basic, schema::WebhookAuth::BASIC},
}};

constexpr EnumTable<Reason, schema::Reason, 24> kReasons{{
    {Reason::malformed, schema::Reason::MALFORMED},
    {Reason::unknown_token, schema::Reason::UNKNOWN_TOKEN},
    {Reason::secret_rotated, schema::Reason::SECRET_ROTATED},
    {Reason::token_revoked, schema::Reason::TOKEN_REVOKED},
    {Reason::token_expired, schema::Reason::TOKEN_EXPIRED},
    {Reason::wrong_webhook, schema::Reason::WRONG_WEBHOOK},
    {Reason::owner_deleted, schema::Reason::OWNER_DELETED},
    {Reason::owner_inactive, schema::Reason::OWNER_INACTIVE},
    {Reason::invalid_credentials, schema::Reason::INVALID_CREDENTIALS},
    {Reason::account_inactive, schema::Reason::ACCOUNT_INACTIVE},
    {Reason::missing_role, schema::Reason::MISSING_ROLE},
    {Reason::not_found, schema::Reason::NOT_FOUND},
    {Reason::webhook_uninstalled, schema::Reason::WEBHOOK_UNINSTALLED},
    {Reason::username_taken, schema::Reason::USERNAME_TAKEN},
    {Reason::user_deleted, schema::Reason::USER_DELETED},
    {Reason::cannot_delete_self, schema::Reason::CANNOT_DELETE_SELF},
    {Reason::user_has_active_tokens, schema::Reason::USER_HAS_ACTIVE_TOKENS},
    {Reason::token_not_live, schema::Reason::TOKEN_NOT_LIVE},
    {Reason::owner_not_active, schema::Reason::OWNER_NOT_ACTIVE},
    {Reason::roles_not_subset, schema::Reason::ROLES_NOT_SUBSET},
    {Reason::bad_request, schema::Reason::BAD_REQUEST},
    {Reason::bad_instant, schema::Reason::BAD_INSTANT},
    {Reason::unsupported_media_type, schema::Reason::UNSUPPORTED_MEDIA_TYPE},
    {Reason::idempotency_key_reused, schema::Reason::IDEMPOTENCY_KEY_REUSED},
}};
// True when every value 0 .. count-1 of the domain enum has exactly one row.
template <class Domain, class Schema, std::size_t N>
constexpr bool covers(const EnumTable<Domain, Schema, N>& table, std::size_t count) {
    for (std::size_t value = 0; value < count; ++value) {
        std::size_t rows = 0;
        for (const auto& row : table) {
            rows += static_cast<std::size_t>(row.first) == value ? 1 : 0;
        }
        if (rows != 1) {
            return false;
        }
    }
    return N == count;
}
// A Reason added to the domain needs a new enumerant at the end of events.capnp and a row
// above. Reason::idempotency_key_reused is taken to be the domain's last enumerant.
static_assert(covers(kReasons, static_cast<std::size_t>(Reason::idempotency_key_reused) + 1));
static_assert(covers(kAccountKinds, 2) && covers(kTokenKinds, 2) && covers(kWebhookAuths, 2));

// Writing a value the table lacks would put a wrong fact into an immutable log: better to stop.
template <class Domain, class Schema, std::size_t N>
Schema to_schema(const EnumTable<Domain, Schema, N>& table, Domain value) {
    for (const auto& [domain, stored] : table) {
        if (domain == value) {
            return stored;
        }
    }
    std::fprintf(stderr, "keyledger codec: enumerant %d has no stored form\n",
                 static_cast<int>(value));
    std::abort();
}

// ---- Plain values.

capnp::Text::Reader text(const std::string& s) {
    return {s.data(), s.size()};  // std::string keeps the NUL that Text::Reader expects
}
capnp::Data::Reader bytes(const std::string& s) {
    return {reinterpret_cast<const kj::byte*>(s.data()), s.size()};
}
capnp::Data::Reader bytes(const Digest& digest) {
    return {digest.data(), digest.size()};
}
std::string string_of(capnp::Text::Reader t) {
    return {t.cStr(), t.size()};
}
std::string string_of(capnp::Data::Reader d) {
    return {reinterpret_cast<const char*>(d.begin()), d.size()};
}

// Collects the first field that cannot be read, so that each read() stays a flat list of fields
// and reports one clear error at the end.
class Fields {
  public:
    Digest digest(capnp::Data::Reader data, std::string_view field) {
        Digest out{};
        if (data.size() != out.size()) {
            fail(std::string(field) + " holds " + std::to_string(data.size()) +
                 " bytes, a digest has " + std::to_string(out.size()));
            return out;
        }
        std::copy(data.begin(), data.end(), out.begin());
        return out;
    }

    template <class Domain, class Schema, std::size_t N>
    Domain enumerant(const EnumTable<Domain, Schema, N>& table, Schema value,
                     std::string_view field) {
        for (const auto& [domain, stored] : table) {
            if (stored == value) {
                return domain;
            }
        }
        fail(std::string(field) + " holds unknown enumerant " +
             std::to_string(static_cast<unsigned>(value)));
        return table.front().first;
    }

    void fail(std::string error) {
        if (error_.empty()) {
            error_ = std::move(error);
        }
    }

    template <class E>
    Read<E> finish(E event) {
        if (!error_.empty()) {
            return std::unexpected(std::move(error_));
        }
        return event;
    }

  private:
    std::string error_;  // the first error; empty while every field read well
};

std::vector<std::string> strings_of(capnp::List<capnp::Text>::Reader list) {
    std::vector<std::string> out;
    out.reserve(list.size());
    for (capnp::Text::Reader t : list) {
        out.push_back(string_of(t));
    }
    return out;
}

template <class ListBuilder>
void fill(ListBuilder list, const std::vector<std::string>& values) {
    for (unsigned i = 0; i < values.size(); ++i) {
        list.set(i, text(values[i]));
    }
}

}  // namespace

// ---- Accounts and the store.

void write(SchemaBuilder<StoreCreated> b, const StoreCreated& e) {
    b.setWindowMs(e.window_ms);
    b.setStoreId(text(e.store_id));
}
Read<StoreCreated> read(SchemaReader<StoreCreated> r) {
    return StoreCreated{.window_ms = r.getWindowMs(), .store_id = string_of(r.getStoreId())};
}

void write(SchemaBuilder<UserCreated> b, const UserCreated& e) {
    b.setUserId(text(e.user_id));
    b.setUsername(text(e.username));
    b.setKind(to_schema(kAccountKinds, e.kind));
    b.setRoles(e.roles);
    b.setPasswordHash(bytes(e.password_hash));
}
Read<UserCreated> read(SchemaReader<UserCreated> r) {
    Fields f;
    UserCreated e;
    e.user_id = string_of(r.getUserId());
    e.username = string_of(r.getUsername());
    e.kind = f.enumerant(kAccountKinds, r.getKind(), "kind");
    e.roles = r.getRoles();
    e.password_hash = string_of(r.getPasswordHash());
    return f.finish(std::move(e));
}

void write(SchemaBuilder<PasswordChanged> b, const PasswordChanged& e) {
    b.setUserId(text(e.user_id));
    b.setPasswordHash(bytes(e.password_hash));
}
Read<PasswordChanged> read(SchemaReader<PasswordChanged> r) {
    return PasswordChanged{.user_id = string_of(r.getUserId()),
                           .password_hash = string_of(r.getPasswordHash())};
}

void write(SchemaBuilder<LoginSucceeded> b, const LoginSucceeded& e) {
    b.setUserId(text(e.user_id));
}
Read<LoginSucceeded> read(SchemaReader<LoginSucceeded> r) {
    return LoginSucceeded{.user_id = string_of(r.getUserId())};
}

void write(SchemaBuilder<LoginFailed> b, const LoginFailed& e) {
    b.setUserId(text(e.user_id));
    b.setReason(to_schema(kReasons, e.reason));
}
Read<LoginFailed> read(SchemaReader<LoginFailed> r) {
    Fields f;
    LoginFailed e;
    e.user_id = string_of(r.getUserId());
    e.reason = f.enumerant(kReasons, r.getReason(), "reason");
    return f.finish(std::move(e));
}

void write(SchemaBuilder<UserReactivated> b, const UserReactivated& e) {
    b.setUserId(text(e.user_id));
}
Read<UserReactivated> read(SchemaReader<UserReactivated> r) {
    return UserReactivated{.user_id = string_of(r.getUserId())};
}

void write(SchemaBuilder<UserDeleted> b, const UserDeleted& e) {
    b.setUserId(text(e.user_id));
}
Read<UserDeleted> read(SchemaReader<UserDeleted> r) {
    return UserDeleted{.user_id = string_of(r.getUserId())};
}

// ---- Webhooks.

void write(SchemaBuilder<WebhookInstalled> b, const WebhookInstalled& e) {
    b.setWebhookId(text(e.webhook_id));
    b.setName(text(e.name));
    b.setAuth(to_schema(kWebhookAuths, e.auth));
    b.setCreatedBy(text(e.created_by));
}
Read<WebhookInstalled> read(SchemaReader<WebhookInstalled> r) {
    Fields f;
    WebhookInstalled e;
    e.webhook_id = string_of(r.getWebhookId());
    e.name = string_of(r.getName());
    e.auth = f.enumerant(kWebhookAuths, r.getAuth(), "auth");
    e.created_by = string_of(r.getCreatedBy());
    return f.finish(std::move(e));
}

void write(SchemaBuilder<WebhookUninstalled> b, const WebhookUninstalled& e) {
    b.setWebhookId(text(e.webhook_id));
}
Read<WebhookUninstalled> read(SchemaReader<WebhookUninstalled> r) {
    return WebhookUninstalled{.webhook_id = string_of(r.getWebhookId())};
}

// ---- Tokens.

void write(SchemaBuilder<TokenIssued> b, const TokenIssued& e) {
    b.setTokenId(text(e.token_id));
    b.setKind(to_schema(kTokenKinds, e.kind));
    b.setOwnerId(text(e.owner_id));
    b.setWebhookId(text(e.webhook_id));
    b.setName(text(e.name));
    if (e.expires_at) {
        b.getExpiry().setAt(*e.expires_at);
    } else {
        b.getExpiry().setNever();
    }
    b.setSecretHash(bytes(e.secret_hash));
}
Read<TokenIssued> read(SchemaReader<TokenIssued> r) {
    Fields f;
    TokenIssued e;
    e.token_id = string_of(r.getTokenId());
    e.kind = f.enumerant(kTokenKinds, r.getKind(), "kind");
    e.owner_id = string_of(r.getOwnerId());
    e.webhook_id = string_of(r.getWebhookId());
    e.name = string_of(r.getName());
    switch (r.getExpiry().which()) {
        case schema::TokenIssued::Expiry::NEVER:
            break;
        case schema::TokenIssued::Expiry::AT:
            e.expires_at = r.getExpiry().getAt();
            break;
        default:
            f.fail("expiry holds an unknown union member");
    }
    e.secret_hash = f.digest(r.getSecretHash(), "secretHash");
    return f.finish(std::move(e));
}

void write(SchemaBuilder<TokenRevoked> b, const TokenRevoked& e) {
    b.setTokenId(text(e.token_id));
}
Read<TokenRevoked> read(SchemaReader<TokenRevoked> r) {
    return TokenRevoked{.token_id = string_of(r.getTokenId())};
}

void write(SchemaBuilder<TokenRotated> b, const TokenRotated& e) {
    b.setTokenId(text(e.token_id));
    b.setSecretHash(bytes(e.secret_hash));
    b.setGraceMs(e.grace_ms);
}
Read<TokenRotated> read(SchemaReader<TokenRotated> r) {
    Fields f;
    TokenRotated e;
    e.token_id = string_of(r.getTokenId());
    e.secret_hash = f.digest(r.getSecretHash(), "secretHash");
    e.grace_ms = r.getGraceMs();
    return f.finish(std::move(e));
}

void write(SchemaBuilder<TokenTransferred> b, const TokenTransferred& e) {
    b.setTokenId(text(e.token_id));
    b.setFromOwnerId(text(e.from_owner_id));
    b.setToOwnerId(text(e.to_owner_id));
}
Read<TokenTransferred> read(SchemaReader<TokenTransferred> r) {
    return TokenTransferred{.token_id = string_of(r.getTokenId()),
                            .from_owner_id = string_of(r.getFromOwnerId()),
                            .to_owner_id = string_of(r.getToOwnerId())};
}

// ---- Decisions.

void write(SchemaBuilder<CallDecided> b, const CallDecided& e) {
    b.setCallId(text(e.call_id));
    b.setTokenId(text(e.token_id));
    b.setOwnerId(text(e.owner_id));
    b.setWebhookId(text(e.webhook_id));
    b.setRequest(text(e.request));
    b.setPreviousSecret(e.previous_secret);
    if (e.refusal) {
        b.getOutcome().setRefused(to_schema(kReasons, *e.refusal));
    } else {
        b.getOutcome().setAccepted();
    }
    b.setBodyLength(e.body_length);
    b.setBodySha256(bytes(e.body_sha256));
    if (e.content_type) {
        b.setContentType(text(*e.content_type));  // "" too: an empty text is not null
    }
}
Read<CallDecided> read(SchemaReader<CallDecided> r) {
    Fields f;
    CallDecided e;
    e.call_id = string_of(r.getCallId());
    e.token_id = string_of(r.getTokenId());
    e.owner_id = string_of(r.getOwnerId());
    e.webhook_id = string_of(r.getWebhookId());
    e.request = string_of(r.getRequest());
    e.previous_secret = r.getPreviousSecret();
    switch (r.getOutcome().which()) {
        case schema::CallDecided::Outcome::ACCEPTED:
            break;
        case schema::CallDecided::Outcome::REFUSED:
            e.refusal = f.enumerant(kReasons, r.getOutcome().getRefused(), "outcome.refused");
            break;
        default:
            f.fail("outcome holds an unknown union member");
    }
    e.body_length = r.getBodyLength();
    e.body_sha256 = f.digest(r.getBodySha256(), "bodySha256");
    if (r.hasContentType()) {
        e.content_type = string_of(r.getContentType());
    }
    return f.finish(std::move(e));
}

void write(SchemaBuilder<CommandRefused> b, const CommandRefused& e) {
    b.setCommand(text(e.command));
    b.setReason(to_schema(kReasons, e.reason));
    b.setSubjectId(text(e.subject_id));
    fill(b.initTokenIds(e.token_ids.size()), e.token_ids);
    fill(b.initWebhookIds(e.webhook_ids.size()), e.webhook_ids);
}
Read<CommandRefused> read(SchemaReader<CommandRefused> r) {
    Fields f;
    CommandRefused e;
    e.command = string_of(r.getCommand());
    e.reason = f.enumerant(kReasons, r.getReason(), "reason");
    e.subject_id = string_of(r.getSubjectId());
    e.token_ids = strings_of(r.getTokenIds());
    e.webhook_ids = strings_of(r.getWebhookIds());
    return f.finish(std::move(e));
}

void write(SchemaBuilder<IdempotencyRecorded> b, const IdempotencyRecorded& e) {
    b.setTokenId(text(e.token_id));
    b.setMethod(text(e.method));
    b.setPath(text(e.path));
    b.setKey(text(e.key));
    b.setBodySha256(bytes(e.body_sha256));
    b.setStatus(e.status);
    b.setResponseBody(text(e.response_body));
}
Read<IdempotencyRecorded> read(SchemaReader<IdempotencyRecorded> r) {
    Fields f;
    IdempotencyRecorded e;
    e.token_id = string_of(r.getTokenId());
    e.method = string_of(r.getMethod());
    e.path = string_of(r.getPath());
    e.key = string_of(r.getKey());
    e.body_sha256 = f.digest(r.getBodySha256(), "bodySha256");
    e.status = r.getStatus();
    e.response_body = string_of(r.getResponseBody());
    return f.finish(std::move(e));
}

}  // namespace keyledger::domain::codec::detail
