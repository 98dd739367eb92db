#include "eventstore/detail/database.h"

#include <algorithm>
#include <cassert>
#include <string>
#include <vector>

#include "eventstore/detail/rocksdb_options.h"

namespace keyledger::eventstore::detail {
namespace {

// A read-only open cannot create families: one the store was written without (added_later)
// is left out, and its handle stays null.
void drop_missing_families(const std::filesystem::path& dir, const rocksdb::DBOptions& options,
                           std::vector<rocksdb::ColumnFamilyDescriptor>& families) {
    std::vector<std::string> present;
    if (!rocksdb::DB::ListColumnFamilies(options, dir.string(), &present).ok()) {
        return;  // the open reports what is wrong
    }
    std::erase_if(families, [&](const rocksdb::ColumnFamilyDescriptor& family) {
        return std::find(present.begin(), present.end(), family.name) == present.end();
    });
}

// The place of a family's handle in Database::handles_: the default first, then Family order.
std::size_t slot_of(const std::string& name) {
    for (std::size_t i = 0; i < kFamilyNames.size(); ++i) {
        if (kFamilyNames[i] == name) {
            return i + 1;
        }
    }
    return 0;
}

}  // namespace

rocksdb::Status Database::open(const std::filesystem::path& dir, const DatabaseOptions& options,
                               std::unique_ptr<Database>* out) {
    out->reset();
    rocksdb::DBOptions db_options =
        make_db_options(options.create, options.env, options.write_buffer_bytes);
    std::vector<rocksdb::ColumnFamilyDescriptor> families =
        make_family_descriptors(options.block_cache_bytes, options.write_buffer_bytes);
    const bool secondary = !options.secondary_dir.empty();
    if (secondary || options.read_only) {
        drop_missing_families(dir, db_options, families);
    }
    if (secondary) {
        // RocksDB's requirement for secondaries: keep every table file of the primary open, so
        // that a compaction deleting one cannot pull it from under a read.
        // TODO(ops): on a big server-built store (thousands of table files) this can pass a
        // soft RLIMIT_NOFILE of 1,024: `audit verify` then fails with "Too many open files".
        // Nothing raises the limit outside `serve` (app/serve.cc) yet.
        db_options.max_open_files = -1;
    } else {
        db_options.max_open_files = options.max_open_table_files;
    }

    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    rocksdb::Status status;
    if (secondary) {
        status = rocksdb::DB::OpenAsSecondary(
            db_options, dir.string(), options.secondary_dir.string(), families, &handles, &db);
    } else if (options.read_only) {
        status = rocksdb::DB::OpenForReadOnly(db_options, dir.string(), families, &handles, &db);
    } else {
        status = rocksdb::DB::Open(db_options, dir.string(), families, &handles, &db);
    }
    if (!status.ok()) {
        return status;
    }

    std::unique_ptr<Database> database(new Database());
    database->db_.reset(db);
    database->secondary_dir_ = options.secondary_dir;
    assert(handles.size() == families.size());
    for (std::size_t i = 0; i < handles.size(); ++i) {
        database->handles_[slot_of(families[i].name)] = handles[i];
    }
    if (secondary) {
        // Replays the primary's newest manifest and write-ahead log, so the reads that follow
        // see every batch the server had committed by now.
        status = database->db_->TryCatchUpWithPrimary();
        if (!status.ok()) {
            return status;  // `database` closes and removes its directory
        }
    }
    *out = std::move(database);
    return status;
}

Database::~Database() {
    if (!db_) {
        return;
    }
    for (rocksdb::ColumnFamilyHandle* handle : handles_) {
        if (handle != nullptr) {
            // Only fails for a null handle; nothing to do about it in a destructor anyway.
            db_->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
        }
    }
    // Close() reports errors that deleting the DB would swallow silently; a destructor cannot
    // report them either, but closing explicitly releases the lock before we return.
    db_->Close().PermitUncheckedError();
    db_.reset();
    if (!secondary_dir_.empty()) {
        std::error_code ignored;  // a leftover temporary directory harms nothing
        std::filesystem::remove_all(secondary_dir_, ignored);
    }
}

}  // namespace keyledger::eventstore::detail
