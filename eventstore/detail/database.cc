#include "eventstore/detail/database.h"

#include <cassert>
#include <vector>

#include "eventstore/detail/rocksdb_options.h"

namespace keyledger::eventstore::detail {

rocksdb::Status Database::open(const std::filesystem::path& dir, const DatabaseOptions& options,
                               std::unique_ptr<Database>* out) {
    out->reset();
    const rocksdb::DBOptions db_options = make_db_options(options.create, options.env);
    const std::vector<rocksdb::ColumnFamilyDescriptor> families = make_family_descriptors();

    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    rocksdb::Status status =
        options.read_only
            ? rocksdb::DB::OpenForReadOnly(db_options, dir.string(), families, &handles, &db)
            : rocksdb::DB::Open(db_options, dir.string(), families, &handles, &db);
    if (!status.ok()) {
        return status;
    }

    std::unique_ptr<Database> database(new Database());
    database->db_.reset(db);
    assert(handles.size() == database->handles_.size());
    for (std::size_t i = 0; i < handles.size(); ++i) {
        database->handles_[i] = handles[i];
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
}

}  // namespace keyledger::eventstore::detail
