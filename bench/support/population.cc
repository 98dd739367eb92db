#include "bench/support/population.h"

#include <array>
#include <string_view>

#include "security/crc32.h"

namespace keyledger::bench {
namespace {

// SplitMix64's finaliser: a bijection, so distinct indices give distinct ids.
std::uint64_t mix(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

constexpr std::string_view kBase32 = "abcdefghijklmnopqrstuvwxyz234567";
constexpr std::string_view kBase62 =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

// 26 base-32 characters (130 bits) from two mixed words: the length of security::new_id's.
std::string id_of(std::string_view prefix, std::uint64_t index) {
    const std::uint64_t salt = std::hash<std::string_view>{}(prefix);
    std::uint64_t words[2] = {mix(index ^ salt), mix(~index + salt)};
    std::string id(prefix);
    id.push_back('_');
    for (int i = 0; i < 26; ++i) {
        std::uint64_t& word = words[i / 13];
        id.push_back(kBase32[word & 31]);
        word >>= 5;
    }
    return id;
}

constexpr std::size_t kCallBodyBytes = 512;

}  // namespace

std::string account_id(std::uint64_t index) {
    return id_of("usr", index);
}
std::string webhook_id(std::uint64_t index) {
    return id_of("whk", index);
}
std::string token_id(std::uint64_t index) {
    return id_of("tok", index);
}
std::string call_id(std::uint64_t index) {
    return id_of("call", index);
}

std::uint64_t owner_of_token(const PopulationShape& shape, std::uint64_t token) {
    return token % shape.accounts;
}

security::SecretHasher bench_hasher() {
    security::SecretHasher::Key key{};
    for (std::size_t i = 0; i < key.size(); ++i) {
        key[i] = static_cast<std::uint8_t>(0xA5 ^ i);
    }
    return security::SecretHasher(key);
}

std::string token_secret(std::uint64_t index) {
    std::string secret = "klg_app_";
    std::uint64_t words[4] = {mix(index), mix(index + 1'000'003), mix(~index), mix(index * 7)};
    for (int i = 0; i < 32; ++i) {
        std::uint64_t& word = words[i / 8];
        secret.push_back(kBase62[word % 62]);
        word /= 62;
    }
    std::uint32_t check = security::crc32(secret);
    std::array<char, 6> digits{};
    for (std::size_t i = digits.size(); i-- > 0;) {
        digits[i] = kBase62[check % 62];
        check /= 62;
    }
    secret.append(digits.begin(), digits.end());
    return secret;
}

domain::Event store_created() {
    return domain::StoreCreated{domain::kDefaultWindowMs, "store_bench"};
}

domain::Event user_created(std::uint64_t account) {
    return domain::UserCreated{account_id(account), "svc" + std::to_string(account),
                               domain::AccountKind::service, 0, ""};
}

domain::Event webhook_installed(std::uint64_t account) {
    return domain::WebhookInstalled{webhook_id(account), "hook " + std::to_string(account),
                                    domain::WebhookAuth::bearer, account_id(account)};
}

domain::Event token_issued(const PopulationShape& shape, const security::SecretHasher& hasher,
                           std::uint64_t token) {
    const std::uint64_t owner = owner_of_token(shape, token);
    return domain::TokenIssued{
        token_id(token), domain::TokenKind::app,          account_id(owner), webhook_id(owner), "",
        std::nullopt,    hasher.hash(token_secret(token))};
}

domain::Event call_decided(const PopulationShape& shape, std::uint64_t token, std::uint64_t call) {
    const std::uint64_t owner = owner_of_token(shape, token);
    domain::Digest body_sha256{};
    const std::uint64_t seed = mix(call);
    for (std::size_t i = 0; i < body_sha256.size(); ++i) {
        body_sha256[i] =
            static_cast<std::uint8_t>(seed >> ((i % 8) * 8)) ^ static_cast<std::uint8_t>(i);
    }
    return domain::CallDecided{
        call_id(call), token_id(token), account_id(owner), webhook_id(owner), "",
        false,         std::nullopt,    kCallBodyBytes,    body_sha256};
}

}  // namespace keyledger::bench
