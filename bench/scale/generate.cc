// The scale store of issue 5: 1M accounts, 5M tokens and 100M events by default, written through
// the product's own EventStore (hash chain, stream index) with the deliveries of every call kept
// under a retention, as a server would. Resumable: run it again on the same --dir to go on.
// Prints progress (events, rate, disk size) to stderr and a JSON summary line to stdout, with
// the table bytes of each column family. Run with --events at or below what the store holds, it
// only prints the summary of the store as it is.
//
// Usage: bench_scale_generate --dir DIR [--accounts N] [--tokens N] [--events N] [--batch N]
//          [--call-spacing-ms N] [--retention-days N] [--prune-every-calls N]
//          [--max-disk-gb N] [--max-minutes N] [--cache-mb N] [--write-buffer-mb N]
//          [--no-deliveries]
//
// The store is opened with a block cache of --cache-mb (1024 by default) instead of the server's
// 4 MiB: every append checks its stream's version, and past a few million events that lookup
// would otherwise load a table's whole index block again each time (most of the CPU, and a rate
// falling from 17,000 to 1,000 events a second within the first 1.3M events). The cache changes
// how fast the store is built, not what it holds. For the same reason the store remembers the
// version of every stream it writes (about 7M, ~800 MB) rather than the server's 262,144: calls
// land on random tokens among millions, and each forgotten one would be read from the index.
// Its memtables, --write-buffer-mb together (1024 by default, the server's 8), make tables of
// hundreds of megabytes instead of a few: the keys of the stream index, the related index and
// the deliveries arrive in random order, and small tables are merged into the next level many
// more times over.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench/support/population_store.h"
#include "bench/support/raw_rocks.h"
#include "bench/support/scratch_dir.h"

namespace {

using namespace keyledger;

int usage() {
    std::fprintf(stderr,
                 "usage: bench_scale_generate --dir DIR [--accounts N] [--tokens N] [--events N]\n"
                 "         [--batch N] [--call-spacing-ms N] [--retention-days N]\n"
                 "         [--prune-every-calls N] [--max-disk-gb N] [--max-minutes N]\n"
                 "         [--cache-mb N] [--write-buffer-mb N] [--no-deliveries]\n");
    return 2;
}

struct Stop {};

constexpr std::size_t kRememberedStreams = 8'000'000;

}  // namespace

int main(int argc, char** argv) {
    bench::StoreRecipe recipe;
    recipe.shape = {1'000'000, 5'000'000};
    recipe.total_events = 100'000'000;
    recipe.batch_events = 4096;
    // ~10 calls a second on average: 100M calls span ~116 days, so the 7-day retention keeps
    // about 6M deliveries, as a server at that rate would.
    recipe.call_spacing_ms = 100;
    recipe.deliveries = true;
    recipe.prune_every_calls = 1'000'000;
    std::string dir;
    double max_disk_gb = 40;
    double max_minutes = 1e9;
    std::size_t cache_mb = 1024;
    std::size_t write_buffer_mb = 1024;
    try {
        for (int i = 1; i < argc; ++i) {
            const std::string arg = argv[i];
            if (arg == "--no-deliveries") {
                recipe.deliveries = false;
                continue;
            }
            if (i + 1 >= argc) {
                return usage();
            }
            const std::string value = argv[++i];
            if (arg == "--dir") {
                dir = value;
            } else if (arg == "--accounts") {
                recipe.shape.accounts = std::stoull(value);
            } else if (arg == "--tokens") {
                recipe.shape.tokens = std::stoull(value);
            } else if (arg == "--events") {
                recipe.total_events = std::stoull(value);
            } else if (arg == "--batch") {
                recipe.batch_events = std::stoull(value);
            } else if (arg == "--call-spacing-ms") {
                recipe.call_spacing_ms = std::stoll(value);
            } else if (arg == "--retention-days") {
                recipe.delivery_retention_ms = std::stoll(value) * 86'400'000;
            } else if (arg == "--prune-every-calls") {
                recipe.prune_every_calls = std::stoull(value);
            } else if (arg == "--max-disk-gb") {
                max_disk_gb = std::stod(value);
            } else if (arg == "--max-minutes") {
                max_minutes = std::stod(value);
            } else if (arg == "--cache-mb") {
                cache_mb = std::stoull(value);
            } else if (arg == "--write-buffer-mb") {
                write_buffer_mb = std::stoull(value);
            } else {
                return usage();
            }
        }
    } catch (const std::exception&) {
        return usage();
    }
    if (dir.empty() || recipe.shape.accounts == 0 || recipe.shape.tokens == 0 ||
        recipe.batch_events == 0 || write_buffer_mb == 0) {
        return usage();
    }

    const bool fresh = !std::filesystem::exists(dir);
    auto store = eventstore::open_rocksdb_store(dir, {.create = fresh,
                                                      .sync = false,
                                                      .block_cache_bytes = cache_mb << 20,
                                                      .remembered_streams = kRememberedStreams,
                                                      .write_buffer_bytes = write_buffer_mb << 20});
    if (!store) {
        std::fprintf(stderr, "cannot open %s: %s\n", dir.c_str(), store.error().message.c_str());
        return 1;
    }
    const auto started = std::chrono::steady_clock::now();
    const std::uint64_t start_events = (*store)->head_position();
    auto last_report = started;
    bool stopped_early = false;
    bench::BuildProgress last{};
    try {
        auto built = bench::build_store(**store, recipe, [&](const bench::BuildProgress& p) {
            last = p;
            const auto now = std::chrono::steady_clock::now();
            if (now - last_report < std::chrono::seconds(30)) {
                return;
            }
            last_report = now;
            const double seconds = std::chrono::duration<double>(now - started).count();
            const double gb = static_cast<double>(bench::disk_bytes(dir)) / 1e9;
            std::fprintf(stderr,
                         "scale: %llu events, %.0f events/s, %.2f GB on disk, %llu prunes in "
                         "%.1f s\n",
                         static_cast<unsigned long long>(p.events),
                         static_cast<double>(p.events - start_events) / seconds, gb,
                         static_cast<unsigned long long>(p.prunes), p.prune_seconds);
            if (gb > max_disk_gb || seconds / 60 > max_minutes) {
                throw Stop{};
            }
        });
        if (!built) {
            std::fprintf(stderr, "scale: %s\n", built.error().message.c_str());
            return 1;
        }
    } catch (const Stop&) {
        stopped_early = true;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const std::uint64_t events = (*store)->head_position();
    store->reset();
    // Leave no write-ahead log to replay: the store is measured as a long-running one.
    bench::flush_all(dir);
    const auto bytes = bench::disk_bytes(dir);
    std::string families;
    for (const auto& [name, family_bytes] : bench::family_bytes(dir)) {
        families +=
            (families.empty() ? "" : ",") + ("\"" + name + "\":") + std::to_string(family_bytes);
    }
    std::printf(
        "{\"events\":%llu,\"target_events\":%llu,\"stopped_early\":%s,\"seconds\":%.1f,"
        "\"disk_bytes\":%llu,\"disk_bytes_per_event\":%.1f,\"family_bytes\":{%s},"
        "\"prunes\":%llu,\"prune_seconds\":%.1f}\n",
        static_cast<unsigned long long>(events),
        static_cast<unsigned long long>(recipe.total_events), stopped_early ? "true" : "false",
        seconds, static_cast<unsigned long long>(bytes),
        events == 0 ? 0.0 : static_cast<double>(bytes) / static_cast<double>(events),
        families.c_str(), static_cast<unsigned long long>(last.prunes), last.prune_seconds);
    return 0;
}
