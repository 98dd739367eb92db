#pragma once
// Builds a keyledger store of a given size: the population (population.h), then accepted webhook
// calls on random tokens, each optionally with its delivery (the 512-byte body), decided one
// `call_spacing_ms` apart on the decision clock.

#include <cstdint>
#include <filesystem>
#include <functional>

#include "bench/support/population.h"
#include "eventstore/event_store.h"

namespace keyledger::bench {

inline constexpr std::int64_t kBenchEpochMs = 1'767'225'600'000;  // 2026-01-01T00:00:00Z

struct StoreRecipe {
    PopulationShape shape;
    std::uint64_t total_events = 1'000'000;  // population included
    std::size_t batch_events = 1024;
    std::int64_t call_spacing_ms = 10;
    bool deliveries = false;
    // With deliveries: prune those older than this every `prune_every_calls` calls (0: never).
    std::int64_t delivery_retention_ms = 7LL * 86'400'000;
    std::uint64_t prune_every_calls = 1'000'000;
};

struct BuildProgress {
    std::uint64_t events = 0;
    std::uint64_t calls = 0;
    std::int64_t last_at_ms = 0;
    // Pruning passes so far, and the wall time they took (the compaction they may run included).
    std::uint64_t prunes = 0;
    double prune_seconds = 0;
};

// Appends to `store` until it holds recipe.total_events events (continues a store that already
// holds the population and some calls, if its head is past it). `progress` is called after each
// batch. Returns the last decision instant.
[[nodiscard]] eventstore::Result<BuildProgress> build_store(
    eventstore::EventStore& store, const StoreRecipe& recipe,
    const std::function<void(const BuildProgress&)>& progress = {});

// The same store in a fresh directory, sync off (building is not what is measured). Throws
// std::runtime_error on failure.
void build_store_in(const std::filesystem::path& dir, const StoreRecipe& recipe);

// Instant of the call at index `call` (0-based) of a recipe.
std::int64_t call_instant(const StoreRecipe& recipe, std::uint64_t call);

}  // namespace keyledger::bench
