#include "audit/token_key.h"

#include <system_error>

#include "security/key_file.h"
#include "security/keyed_hash.h"
#include "security/token_key_check.h"

namespace keyledger::audit {
namespace {

nlohmann::json finding(bool checked, bool ok, std::string reason) {
    return {{"checked", checked}, {"ok", ok}, {"reason", std::move(reason)}};
}

}  // namespace

nlohmann::json check_token_key(const std::filesystem::path& data_dir,
                               const eventstore::EventStore& store) {
    const auto path = data_dir / "keys" / "token.key";
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        return finding(false, true, "no token key at " + path.string() + "; not checked");
    }
    auto key = security::load_or_create_key(path, security::SecretHasher::kKeyBytes, false);
    if (!key) {
        return finding(true, false, key.error());
    }
    auto hasher = security::SecretHasher::from_bytes(*key);
    if (!hasher) {
        return finding(true, false, "the token key " + path.string() + " has the wrong size");
    }
    auto check = store.get_meta(security::kTokenKeyCheckMeta);
    if (!check) {
        return finding(true, false,
                       "the store's token key check cannot be read: " + check.error().message);
    }
    if (!*check) {
        return finding(true, false,
                       "the store has no token key check: it was altered, or not made by "
                       "keyledger init");
    }
    if (**check != security::token_key_check(*hasher)) {
        return finding(true, false,
                       path.string() +
                           " is not the token key of this store (damaged, or restored from "
                           "another backup); no token could be checked with it");
    }
    return finding(true, true, "the token key is the store's own");
}

}  // namespace keyledger::audit
