#include "app/data_dir.h"

#include <system_error>

#include <nlohmann/json.hpp>

#include "audit/transparency/keys.h"
#include "domain/decide.h"
#include "security/digest.h"
#include "security/key_file.h"
#include "security/random.h"
#include "security/token_key_check.h"
#include "security/token_secret.h"

namespace keyledger::app {
namespace {

namespace fs = std::filesystem;

fs::path store_path(const fs::path& dir) {
    return dir / "store";
}
fs::path key_path(const fs::path& dir) {
    return dir / "keys" / "token.key";
}

std::string describe(const eventstore::Error& error, const fs::path& dir) {
    switch (error.code) {
        case eventstore::ErrorCode::locked:
            return "the store in " + dir.string() +
                   " is held by another process (a running keyledger server?): " + error.message;
        case eventstore::ErrorCode::not_a_store:
            return dir.string() +
                   " is not a keyledger data directory (run keyledger init): " + error.message;
        default:
            return "cannot open the store in " + dir.string() + ": " + error.message;
    }
}

using security::kTokenKeyCheckMeta;
using security::token_key_check;

std::expected<security::SecretHasher, std::string> load_hasher(const fs::path& dir, bool create) {
    auto key =
        security::load_or_create_key(key_path(dir), security::SecretHasher::kKeyBytes, create);
    if (!key) {
        return std::unexpected(key.error());
    }
    auto hasher = security::SecretHasher::from_bytes(*key);
    if (!hasher) {
        return std::unexpected("the token key " + key_path(dir).string() + " has the wrong size");
    }
    return *hasher;
}

}  // namespace

std::expected<std::string, std::string> initialise(const fs::path& dir, domain::Instant window_ms,
                                                   const engine::Clock& clock) {
    std::error_code ec;
    if (dir.empty()) {
        return std::unexpected("--data-dir must name a directory");
    }
    if (fs::exists(store_path(dir), ec)) {
        return std::unexpected(dir.string() +
                               " is already initialised (it holds store/); "
                               "refusing to touch it");
    }
    fs::create_directories(dir / "keys", ec);
    if (ec) {
        return std::unexpected("cannot create " + (dir / "keys").string() + ": " + ec.message());
    }
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
    fs::permissions(dir / "keys", fs::perms::owner_all, fs::perm_options::replace, ec);
    if (fs::exists(key_path(dir), ec)) {
        return std::unexpected(key_path(dir).string() +
                               " already exists; refusing to initialise over an old key");
    }
    auto hasher = load_hasher(dir, true);
    if (!hasher) {
        return std::unexpected(hasher.error());
    }
    // The key that signs the log's checkpoints, named after the store (docs/PROOFS.md).
    const std::string store_id = security::new_id("kls");
    if (auto key = transparency::create_checkpoint_key(dir, transparency::store_origin(store_id));
        !key) {
        return std::unexpected(key.error());
    }
    auto store = eventstore::open_rocksdb_store(store_path(dir), {.create = true});
    if (!store) {
        return std::unexpected(describe(store.error(), dir));
    }
    if (auto put = (*store)->put_meta(kTokenKeyCheckMeta, token_key_check(*hasher)); !put) {
        return std::unexpected("cannot record the token key check: " + put.error().message);
    }
    auto engine = engine::Engine::open(std::move(*store), clock, {});
    if (!engine) {
        return std::unexpected(engine.error());
    }

    const std::string admin_id = security::new_id("usr");
    const std::string token_id = security::new_id("tok");
    const std::string secret = security::make_token_secret(security::TokenKind::api);
    const std::string correlation = security::new_id("req");
    const domain::Roles all_roles = static_cast<domain::Roles>(domain::Role::user_admin) |
                                    static_cast<domain::Roles>(domain::Role::webhook_admin) |
                                    static_cast<domain::Roles>(domain::Role::auditor);
    std::string refusal;
    const bool durable = (*engine)->run_now([&](engine::Transaction& tx) {
        const std::string_view actor = domain::kOperatorActor;
        tx.record(domain::StoreCreated{window_ms, store_id}, actor, correlation);
        const domain::Caller op = domain::Caller::operator_console();
        for (const domain::Command& command :
             {domain::Command{domain::CreateUser{admin_id, "admin", domain::AccountKind::service,
                                                 all_roles, ""}},
              domain::Command{domain::IssueApiToken{admin_id, token_id, "first admin token",
                                                    std::nullopt, hasher->hash(secret)}}}) {
            auto decision = domain::decide(tx.state(), op, command, std::nullopt, tx.now());
            if (!decision.accepted()) {
                refusal = decision.refusal->message;
                return;
            }
            tx.record_all(decision.events, actor, correlation);
        }
    });
    if (!refusal.empty() || !durable) {
        return std::unexpected(
            "initialisation failed: " +
            (refusal.empty() ? std::string("the store refused the write") : refusal));
    }
    return nlohmann::json{{"user_id", admin_id}, {"token_id", token_id}, {"secret", secret}}.dump();
}

std::expected<OpenedStore, std::string> open_data_dir(const fs::path& dir,
                                                      const engine::Clock& clock,
                                                      engine::EngineOptions options, bool sync) {
    std::error_code ec;
    if (dir.empty() || !fs::is_directory(dir, ec)) {
        return std::unexpected(dir.string() + " does not exist or is not a directory");
    }
    if (!fs::exists(store_path(dir), ec)) {
        return std::unexpected(
            dir.string() + " is not a keyledger data directory (no store/; run keyledger init)");
    }
    auto store = eventstore::open_rocksdb_store(store_path(dir), {.create = false, .sync = sync});
    if (!store) {
        return std::unexpected(describe(store.error(), dir));
    }
    auto hasher = load_hasher(dir, false);
    if (!hasher) {
        return std::unexpected(hasher.error());
    }
    auto check = (*store)->get_meta(kTokenKeyCheckMeta);
    if (!check) {
        return std::unexpected(describe(check.error(), dir));
    }
    if (*check && **check != token_key_check(*hasher)) {
        return std::unexpected(key_path(dir).string() +
                               " is not the token key of this store (damaged, or restored from "
                               "another backup); no token could be checked with it");
    }
    // Every store since the first release records the check at init: one without it was
    // tampered with, and serving it would skip the one check that catches a foreign key.
    if (!*check) {
        return std::unexpected("the store has no token key check (meta '" +
                               std::string(kTokenKeyCheckMeta) +
                               "'): it was altered, or not made by keyledger init; run keyledger "
                               "audit verify before trusting it");
    }
    auto engine = engine::Engine::open(std::move(*store), clock, options);
    if (!engine) {
        return std::unexpected("the store in " + dir.string() +
                               " cannot be replayed: " + engine.error());
    }
    if (!(*engine)->store().head_position() || !(*engine)->window_ms()) {
        return std::unexpected(dir.string() + " holds an empty store; run keyledger init");
    }
    return OpenedStore{std::move(*engine), std::move(*hasher)};
}

}  // namespace keyledger::app
