// decide_per_s: AuthenticateCall decisions in process, the decider alone, on a warm state of
// 100,000 accounts and 1,000,000 tokens: the product's keyed hash of the presented secret, then
// domain::decide_call. decide_floor_per_s: the same keyed hash plus one lookup in a hash map of
// 1,000,000 digests, the least any decision can cost.

#include <benchmark/benchmark.h>

#include <random>
#include <unordered_map>
#include <vector>

#include "bench/support/bench_main.h"
#include "bench/support/population.h"
#include "bench/support/population_store.h"
#include "domain/decide.h"
#include "domain/evolve.h"

namespace keyledger::bench {
namespace {

constexpr std::size_t kSample = 1 << 16;  // presented secrets, drawn from every token

struct Warm {
    PopulationShape shape{flag_u64("accounts", 100'000), flag_u64("tokens", 1'000'000)};
    security::SecretHasher hasher = bench_hasher();
    domain::State state;
    std::unordered_map<domain::Digest, std::uint64_t, domain::DigestHash> floor;
    std::vector<std::string> secrets;   // kSample presented secrets
    std::vector<std::string> webhooks;  // the webhook each sampled secret serves

    Warm() {
        for_each_population_event(
            shape, hasher, [this](const domain::Event& event, const std::string& actor) {
                domain::evolve(state, domain::Fact{kBenchEpochMs, actor, "req_bench", event});
            });
        floor.reserve(shape.tokens);
        for (std::uint64_t t = 0; t < shape.tokens; ++t) {
            floor.emplace(hasher.hash(token_secret(t)), t);
        }
        std::mt19937_64 random(7);
        for (std::size_t i = 0; i < kSample; ++i) {
            const std::uint64_t t = random() % shape.tokens;
            secrets.push_back(token_secret(t));
            webhooks.push_back(webhook_id(owner_of_token(shape, t)));
        }
    }
};

Warm& warm() {
    static Warm instance;
    return instance;
}

constexpr domain::Instant kNow = kBenchEpochMs + 3'600'000;

void BM_decide(benchmark::State& bm) {
    Warm& w = warm();
    domain::AuthenticateCall call;
    call.call_id = call_id(1);
    call.body_length = 512;
    std::size_t i = 0;
    std::uint64_t accepted = 0;
    for (auto _ : bm) {
        const std::size_t k = i++ & (kSample - 1);
        call.secret.secret_hash = w.hasher.hash(w.secrets[k]);
        call.webhook_id = w.webhooks[k];
        domain::CallDecision decision = domain::decide_call(w.state, call, kNow);
        accepted += decision.outcome == domain::CallDecision::Outcome::accepted ? 1 : 0;
        benchmark::DoNotOptimize(decision);
    }
    if (accepted != static_cast<std::uint64_t>(bm.iterations())) {
        bm.SkipWithError("a sampled secret was not accepted: the warm state is wrong");
    }
    bm.counters["decide_per_s"] =
        benchmark::Counter(static_cast<double>(bm.iterations()), benchmark::Counter::kIsRate);
}

void BM_decide_floor(benchmark::State& bm) {
    Warm& w = warm();
    std::size_t i = 0;
    std::uint64_t found = 0;
    for (auto _ : bm) {
        const std::size_t k = i++ & (kSample - 1);
        auto it = w.floor.find(w.hasher.hash(w.secrets[k]));
        found += it != w.floor.end() ? 1 : 0;
        benchmark::DoNotOptimize(it);
    }
    if (found != static_cast<std::uint64_t>(bm.iterations())) {
        bm.SkipWithError("a sampled secret was not found");
    }
    bm.counters["decide_floor_per_s"] =
        benchmark::Counter(static_cast<double>(bm.iterations()), benchmark::Counter::kIsRate);
}

// The decision plus what the decider does with it: applying the CallDecided to the state.
void BM_decide_and_evolve(benchmark::State& bm) {
    Warm& w = warm();
    domain::AuthenticateCall call;
    call.call_id = call_id(1);
    call.body_length = 512;
    std::size_t i = 0;
    for (auto _ : bm) {
        const std::size_t k = i++ & (kSample - 1);
        call.secret.secret_hash = w.hasher.hash(w.secrets[k]);
        call.webhook_id = w.webhooks[k];
        domain::CallDecision decision = domain::decide_call(w.state, call, kNow);
        for (const auto& event : decision.events) {
            domain::evolve(
                w.state, domain::Fact{kNow, std::string(decision.owner_id()), "req_bench", event});
        }
    }
    bm.counters["decide_evolve_per_s"] =
        benchmark::Counter(static_cast<double>(bm.iterations()), benchmark::Counter::kIsRate);
}

// Only the keyed hash, to split the decision's cost.
void BM_keyed_hash(benchmark::State& bm) {
    Warm& w = warm();
    std::size_t i = 0;
    for (auto _ : bm) {
        benchmark::DoNotOptimize(w.hasher.hash(w.secrets[i++ & (kSample - 1)]));
    }
    bm.counters["keyed_hash_per_s"] =
        benchmark::Counter(static_cast<double>(bm.iterations()), benchmark::Counter::kIsRate);
}

BENCHMARK(BM_decide);
BENCHMARK(BM_decide_floor);
BENCHMARK(BM_decide_and_evolve);
BENCHMARK(BM_keyed_hash);

}  // namespace
}  // namespace keyledger::bench

// The warm state is built before any benchmark runs, so no measurement (nor profile) sees it.
KEYLEDGER_BENCH_MAIN([] { (void)keyledger::bench::warm(); })
