#include "bench/support/population_store.h"

#include <chrono>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/support/log_writer.h"
#include "bench/support/raw_rocks.h"

namespace keyledger::bench {
namespace {

constexpr std::size_t kCallBodyBytes = 512;

std::uint64_t population_events(const PopulationShape& shape) {
    return 1 + 2 * shape.accounts + shape.tokens;
}

}  // namespace

std::int64_t call_instant(const StoreRecipe& recipe, std::uint64_t call) {
    // The population is created during the first second; calls follow.
    return kBenchEpochMs + 1'000 + static_cast<std::int64_t>(call) * recipe.call_spacing_ms;
}

eventstore::Result<BuildProgress> build_store(
    eventstore::EventStore& store, const StoreRecipe& recipe,
    const std::function<void(const BuildProgress&)>& progress) {
    LogWriter writer(store, recipe.batch_events);
    BuildProgress done;
    const std::uint64_t head = store.head_position();
    const std::uint64_t population = population_events(recipe.shape);
    auto report = [&] {
        if (progress) {
            progress(done);
        }
    };
    // Once a batch's worth more has been appended. (Not "a multiple of the batch": flushes at a
    // prune or at the end of the population shift the count off the multiples for good.)
    std::uint64_t reported = 0;
    auto due = [&] {
        if (writer.appended() < reported + recipe.batch_events) {
            return false;
        }
        reported = writer.appended();
        return true;
    };

    if (head == 0) {
        const auto hasher = bench_hasher();
        eventstore::Result<void> failed;
        for_each_population_event(recipe.shape, hasher,
                                  [&](const domain::Event& event, const std::string& actor) {
                                      if (!failed) {
                                          return;
                                      }
                                      failed = writer.add(event, actor, kBenchEpochMs);
                                      if (due()) {
                                          done.events = writer.appended();
                                          report();
                                      }
                                  });
        if (!failed) {
            return std::unexpected(failed.error());
        }
        if (auto flushed = writer.flush(); !flushed) {
            return std::unexpected(flushed.error());
        }
    } else if (head < population) {
        return std::unexpected(eventstore::Error{eventstore::ErrorCode::invalid_argument,
                                                 "the store holds a partial population", 0});
    }

    const std::uint64_t start = std::max(head, population);
    std::uint64_t call = start - population;
    std::mt19937_64 random(call + 42);
    // Bodies as incompressible as real JSON payloads are at least: a repeated byte would let
    // RocksDB's compression hide the delivery store's size.
    std::vector<std::string> bodies(64);
    for (auto& body : bodies) {
        body.resize(kCallBodyBytes);
        for (auto& c : body) {
            c = static_cast<char>('!' + random() % 90);
        }
    }
    std::uint64_t next_prune =
        recipe.prune_every_calls == 0
            ? UINT64_MAX
            : (call / recipe.prune_every_calls + 1) * recipe.prune_every_calls;
    for (std::uint64_t position = start; position < recipe.total_events; ++position, ++call) {
        const std::uint64_t token = random() % recipe.shape.tokens;
        const std::int64_t at = call_instant(recipe, call);
        const domain::Event event = call_decided(recipe.shape, token, call);
        if (recipe.deliveries) {
            const auto& decided = std::get<domain::CallDecided>(event);
            writer.add_delivery(eventstore::NewDelivery{decided.webhook_id, decided.call_id, at,
                                                        "application/json",
                                                        bodies[call % bodies.size()]});
        }
        if (auto added = writer.add(event, account_id(owner_of_token(recipe.shape, token)), at);
            !added) {
            return std::unexpected(added.error());
        }
        done.calls = call + 1;
        done.last_at_ms = at;
        if (due()) {
            done.events = position + 1;
            report();
        }
        if (recipe.deliveries && call + 1 >= next_prune) {
            if (auto flushed = writer.flush(); !flushed) {
                return std::unexpected(flushed.error());
            }
            const auto prune_started = std::chrono::steady_clock::now();
            if (auto pruned = store.prune_deliveries(at - recipe.delivery_retention_ms); !pruned) {
                return std::unexpected(pruned.error());
            }
            ++done.prunes;
            done.prune_seconds +=
                std::chrono::duration<double>(std::chrono::steady_clock::now() - prune_started)
                    .count();
            next_prune += recipe.prune_every_calls;
        }
    }
    if (auto flushed = writer.flush(); !flushed) {
        return std::unexpected(flushed.error());
    }
    // Every event of a store begun here carries its related ids, so it needs no backfill.
    if (head == 0) {
        if (auto marked = store.mark_related_index_complete(); !marked) {
            return std::unexpected(marked.error());
        }
    }
    done.events = store.head_position();
    report();
    return done;
}

void build_store_in(const std::filesystem::path& dir, const StoreRecipe& recipe) {
    auto store = eventstore::open_rocksdb_store(dir, {.create = true, .sync = false});
    if (!store) {
        throw std::runtime_error("cannot create the bench store: " + store.error().message);
    }
    auto built = build_store(**store, recipe);
    if (!built) {
        throw std::runtime_error("cannot build the bench store: " + built.error().message);
    }
    store->reset();
    flush_all(dir);
}

}  // namespace keyledger::bench
