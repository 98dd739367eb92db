#pragma once
// Synthetic but valid keyledger data for benchmarks and the scale generator: accounts, webhooks
// and tokens as the domain records them, with ids of the product's length and secrets of the
// product's format, hashed with the product's own keyed hash.

#include <cstdint>
#include <string>
#include <vector>

#include "domain/events.h"
#include "security/keyed_hash.h"

namespace keyledger::bench {

// The shape of a population: every account is a service account with one webhook; its tokens
// are app tokens on that webhook.
struct PopulationShape {
    std::uint64_t accounts = 100'000;
    std::uint64_t tokens = 1'000'000;
};

// Deterministic ids ("usr_", "whk_", "tok_", "call_" + 26 base-32 characters, like
// security::new_id), spread by a mixing function so hash tables see realistic keys.
std::string account_id(std::uint64_t index);
std::string webhook_id(std::uint64_t index);
std::string token_id(std::uint64_t index);
std::string call_id(std::uint64_t index);

// Account owning token `token`, and the webhook it serves (the owner's webhook).
std::uint64_t owner_of_token(const PopulationShape& shape, std::uint64_t token);

// A fixed server key for benchmarks: never a production key.
security::SecretHasher bench_hasher();

// A token secret of the product's format, deterministic per index (valid checksum).
std::string token_secret(std::uint64_t index);

// The events that create the population, in an order the rules accept: the store, then per
// account its UserCreated and WebhookInstalled, then the tokens. `each` is called with every
// event; the secret of token i is token_secret(i).
template <class Each>
void for_each_population_event(const PopulationShape& shape, const security::SecretHasher& hasher,
                               Each&& each);

domain::Event store_created();
domain::Event user_created(std::uint64_t account);
domain::Event webhook_installed(std::uint64_t account);
domain::Event token_issued(const PopulationShape& shape, const security::SecretHasher& hasher,
                           std::uint64_t token);
// An accepted webhook call with a 512-byte body, as the decider records it.
domain::Event call_decided(const PopulationShape& shape, std::uint64_t token, std::uint64_t call);

template <class Each>
void for_each_population_event(const PopulationShape& shape, const security::SecretHasher& hasher,
                               Each&& each) {
    each(store_created(), std::string(domain::kOperatorActor));
    for (std::uint64_t a = 0; a < shape.accounts; ++a) {
        each(user_created(a), std::string(domain::kOperatorActor));
        each(webhook_installed(a), std::string(domain::kOperatorActor));
    }
    for (std::uint64_t t = 0; t < shape.tokens; ++t) {
        each(token_issued(shape, hasher, t), std::string(domain::kOperatorActor));
    }
}

}  // namespace keyledger::bench
