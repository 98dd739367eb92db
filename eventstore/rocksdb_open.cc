// Opening and creating the RocksDB store: everything that is decided before the first append.

#include <fmt/format.h>

#include <stdlib.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <system_error>

#include "eventstore/detail/codec.h"
#include "eventstore/detail/database.h"
#include "eventstore/detail/errors.h"
#include "eventstore/detail/open_internal.h"
#include "eventstore/detail/rocksdb_event_store.h"
#include "eventstore/detail/rocksdb_options.h"
#include "eventstore/detail/table_check.h"
#include "eventstore/event_store.h"
#include "security/sha256.h"

namespace keyledger::eventstore {
namespace detail {
namespace {

namespace fs = std::filesystem;

// What is in `dir`, before RocksDB touches it. Creates the directory when asked to create.
Result<void> check_directory(const fs::path& dir, bool create) {
    std::error_code error;
    const fs::file_status status = fs::status(dir, error);
    if (error && error != std::errc::no_such_file_or_directory) {
        return fail(ErrorCode::io_error,
                    fmt::format("cannot look at {}: {}", dir.string(), error.message()));
    }
    if (!fs::exists(status)) {
        if (!create) {
            return fail(
                ErrorCode::not_a_store,
                fmt::format("there is no store at {}: the directory does not exist", dir.string()));
        }
        if (fs::create_directories(dir, error); error) {
            return fail(ErrorCode::io_error,
                        fmt::format("cannot create {}: {}", dir.string(), error.message()));
        }
        return {};
    }
    if (!fs::is_directory(status)) {
        return fail(ErrorCode::not_a_store, fmt::format("{} is not a directory", dir.string()));
    }

    // RocksDB's CURRENT file names the live manifest: every RocksDB database has one.
    const bool has_database = fs::exists(dir / "CURRENT", error);
    if (create && has_database) {
        return fail(ErrorCode::already_exists,
                    fmt::format("{} already holds a database; open it without create, or "
                                "create the store in another directory",
                                dir.string()));
    }
    if (create && !fs::is_empty(dir, error)) {
        return fail(ErrorCode::not_a_store,
                    fmt::format("{} is not empty and holds no store; refusing to create a store "
                                "among other files",
                                dir.string()));
    }
    if (!create && !has_database) {
        return fail(
            ErrorCode::not_a_store,
            fmt::format("{} is not a keyledger store: it holds no RocksDB database", dir.string()));
    }
    return {};
}

// A RocksDB database that lacks one of our column families is somebody else's.
Result<void> check_families(const fs::path& dir, rocksdb::Env* env) {
    std::vector<std::string> names;
    rocksdb::Status status = rocksdb::DB::ListColumnFamilies(
        make_db_options(false, env, kDefaultWriteBufferBytes), dir.string(), &names);
    if (!status.ok()) {
        return fail(status, fmt::format("reading the database in {}", dir.string()));
    }
    for (std::size_t i = 0; i < kFamilyNames.size(); ++i) {
        const std::string_view family = kFamilyNames[i];
        if (!added_later(static_cast<Family>(i)) &&
            std::find(names.begin(), names.end(), family) == names.end()) {
            return fail(ErrorCode::not_a_store,
                        fmt::format("{} holds a RocksDB database that is not a keyledger store "
                                    "(it has no '{}' column family)",
                                    dir.string(), family));
        }
    }
    return {};
}

Result<void> check_format(const Database& database, const fs::path& dir) {
    std::string format;
    rocksdb::Status status = database.db().Get(
        rocksdb::ReadOptions(), database.family(Family::meta), std::string(kFormatKey), &format);
    if (status.IsNotFound()) {
        // A damaged table can hide the marker (a flipped filter or index block answers "not
        // there"): read the whole family, checking every block, before saying it never was.
        rocksdb::ReadOptions whole;
        whole.verify_checksums = true;
        std::unique_ptr<rocksdb::Iterator> it(
            database.db().NewIterator(whole, database.family(Family::meta)));
        std::size_t entries = 0;
        for (it->SeekToFirst(); it->Valid(); it->Next()) {
            ++entries;
        }
        if (!it->status().ok()) {
            return fail(it->status(),
                        fmt::format("reading the format of {} (its 'meta' family is damaged)",
                                    dir.string()));
        }
        // A table RocksDB could not load is left out of the read above without an error.
        if (auto damaged = detail::damaged_tables(database.db(), {"meta"}); !damaged.empty()) {
            return fail(ErrorCode::corruption, fmt::format("{} is a damaged keyledger store: {}",
                                                           dir.string(), damaged.front()));
        }
        if (entries > 0) {
            return fail(ErrorCode::corruption,
                        fmt::format("{} is a damaged keyledger store: its 'meta' family holds {} "
                                    "entries but no format marker",
                                    dir.string(), entries));
        }
        return fail(ErrorCode::not_a_store,
                    fmt::format("{} is not a keyledger store: it has no format marker (or its "
                                "creation was interrupted)",
                                dir.string()));
    }
    if (!status.ok()) {
        return fail(status, fmt::format("reading the format of {}", dir.string()));
    }
    if (format != kFormatValue) {
        return fail(ErrorCode::not_a_store,
                    fmt::format("{} holds a store of format '{}'; this build reads '{}'",
                                dir.string(), format, kFormatValue));
    }
    return {};
}

Result<void> write_format(const Database& database, const fs::path& dir) {
    rocksdb::WriteOptions write;
    write.sync = true;
    rocksdb::Status status =
        database.db().Put(write, database.family(Family::meta), kFormatKey, kFormatValue);
    if (!status.ok()) {
        return fail(status, fmt::format("writing the format marker of {}", dir.string()));
    }
    return {};
}

// The last event as RocksDB has it: position and hash, or an empty head.
Result<Head> read_last_event(const Database& database) {
    std::unique_ptr<rocksdb::Iterator> it(
        database.db().NewIterator(rocksdb::ReadOptions(), database.family(Family::events)));
    it->SeekToLast();
    if (!it->Valid()) {
        if (!it->status().ok()) {
            return fail(it->status(), "reading the last event");
        }
        return Head{};
    }
    std::optional<std::uint64_t> position = decode_u64(it->key().ToStringView());
    if (!position) {
        return fail(ErrorCode::corruption, "the last key of the events family is not a position");
    }
    return Head{*position, security::sha256(it->value().ToStringView())};
}

// The stored head, so that opening costs O(1). A writable open also checks it against the
// last event: appending after a head that is wrong would extend a broken chain.
Result<Head> load_head(const Database& database, bool check) {
    std::string bytes;
    rocksdb::Status status = database.db().Get(
        rocksdb::ReadOptions(), database.family(Family::meta), std::string(kHeadKey), &bytes);
    if (!status.ok() && !status.IsNotFound()) {
        return fail(status, "reading the stored head");
    }
    std::optional<Head> head = status.ok() ? decode_head(bytes) : Head{};
    if (!check) {
        return head.value_or(Head{});
    }
    if (!head) {
        return fail(ErrorCode::corruption,
                    "the stored head is unreadable; open the store "
                    "read-only and run verify to learn more");
    }

    auto last = read_last_event(database);
    if (!last) {
        return std::unexpected(last.error());
    }
    if (last->position != head->position) {
        const std::string says =
            status.ok()
                ? fmt::format("the stored head says the log ends at event {}", head->position)
                : std::string("the store has no head record");
        return fail(ErrorCode::corruption,
                    fmt::format("{}, but the last stored event is {}; open the store read-only "
                                "and run verify",
                                says, last->position),
                    std::min(head->position, last->position) + 1);
    }
    if (last->hash != head->hash) {
        return fail(ErrorCode::corruption,
                    fmt::format("event {}: its hash does not match the stored head; open the "
                                "store read-only and run verify",
                                head->position),
                    head->position);
    }
    return *head;
}

// A fresh, private directory for a secondary instance's own files.
// TODO(audit): a process killed by a signal leaves it behind (RocksDB's small info log); nothing
// reads it again, but nothing sweeps old ones either.
Result<fs::path> make_secondary_dir() {
    std::error_code error;
    const fs::path base = fs::temp_directory_path(error);
    if (error) {
        return fail(
            ErrorCode::io_error,
            fmt::format("no temporary directory for a secondary open: {}", error.message()));
    }
    std::string pattern = (base / "keyledger-secondary-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        return fail(ErrorCode::io_error,
                    fmt::format("cannot create a temporary directory in {}: {}", base.string(),
                                std::generic_category().message(errno)));
    }
    return fs::path(pattern);
}

}  // namespace

Result<std::unique_ptr<EventStore>> open_rocksdb_store(const std::filesystem::path& dir,
                                                       const OpenOptions& options,
                                                       rocksdb::Env* env) {
    if (options.create && (options.read_only || options.secondary)) {
        return fail(ErrorCode::invalid_argument, "a store cannot be created read-only");
    }
    if (auto checked = check_directory(dir, options.create); !checked) {
        return std::unexpected(checked.error());
    }
    if (!options.create) {
        if (auto checked = check_families(dir, env); !checked) {
            return std::unexpected(checked.error());
        }
    }

    // Open, taking RocksDB's lock unless read-only or secondary.
    std::unique_ptr<Database> database;
    DatabaseOptions database_options{options.create,
                                     options.read_only,
                                     env,
                                     {},
                                     options.block_cache_bytes,
                                     options.write_buffer_bytes,
                                     options.max_open_table_files};
    if (options.secondary) {
        auto secondary_dir = make_secondary_dir();
        if (!secondary_dir) {
            return std::unexpected(secondary_dir.error());
        }
        database_options.secondary_dir = *secondary_dir;
    }
    if (rocksdb::Status status = Database::open(dir, database_options, &database); !status.ok()) {
        if (options.secondary) {
            std::error_code ignored;
            fs::remove_all(database_options.secondary_dir, ignored);
        }
        if (is_lock_error(status)) {
            return fail(ErrorCode::locked,
                        fmt::format("the store in {} is in use: another process, probably a "
                                    "running keyledger server, holds it (or it is already open "
                                    "in this process). RocksDB says: {}",
                                    dir.string(), status.ToString()));
        }
        return fail(status, fmt::format("opening the store in {}", dir.string()));
    }

    // A new store gets its marker; an existing one must have it.
    auto format = options.create ? write_format(*database, dir) : check_format(*database, dir);
    if (!format) {
        return std::unexpected(format.error());
    }

    OpenOptions store_options = options;
    store_options.read_only = options.read_only || options.secondary;
    auto head = load_head(*database, /*check=*/!store_options.read_only);
    if (!head) {
        return std::unexpected(head.error());
    }
    auto store = std::make_unique<RocksDbEventStore>(std::move(database), store_options, *head);
    if (!store_options.read_only) {
        if (auto indexed = store->complete_delivery_time_index(); !indexed) {
            return std::unexpected(indexed.error());
        }
    }
    return store;
}

}  // namespace detail

Result<std::unique_ptr<EventStore>> open_rocksdb_store(const std::filesystem::path& dir,
                                                       const OpenOptions& options) {
    return detail::open_rocksdb_store(dir, options, nullptr);
}

}  // namespace keyledger::eventstore
