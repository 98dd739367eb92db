#include "bench/support/raw_rocks.h"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include "eventstore/detail/rocksdb_options.h"
#include "eventstore/event_store.h"

#include <chrono>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <thread>

namespace keyledger::bench {
namespace {

void check(const rocksdb::Status& status, const char* what) {
    if (!status.ok()) {
        throw std::runtime_error(std::string(what) + ": " + status.ToString());
    }
}

std::string big_endian(std::uint64_t value) {
    std::string key(8, '\0');
    for (int i = 7; i >= 0; --i) {
        key[static_cast<std::size_t>(i)] = static_cast<char>(value & 0xff);
        value >>= 8;
    }
    return key;
}

}  // namespace

struct RawLog::Db {
    std::unique_ptr<rocksdb::DB> db;
};

RawLog::RawLog(const std::filesystem::path& dir, bool sync) : db_(new Db), sync_(sync) {
    rocksdb::Options options;
    options.create_if_missing = true;
    options.error_if_exists = true;
    rocksdb::DB* raw = nullptr;
    const auto status = rocksdb::DB::Open(options, dir.string(), &raw);
    if (!status.ok()) {
        delete db_;
        check(status, "raw RocksDB open");
    }
    db_->db.reset(raw);
}

RawLog::~RawLog() {
    delete db_;
}

void RawLog::append(const std::vector<std::string>& values) {
    rocksdb::WriteBatch batch;
    for (const auto& value : values) {
        batch.Put(big_endian(next_++), value);
    }
    rocksdb::WriteOptions options;
    options.sync = sync_;
    check(db_->db->Write(options, &batch), "raw RocksDB write");
}

namespace {

struct AllFamilies {
    std::unique_ptr<rocksdb::DB> db;
    std::vector<std::string> names;
    std::vector<rocksdb::ColumnFamilyHandle*> handles;

    AllFamilies(const std::filesystem::path& dir, bool read_only) {
        check(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir.string(), &names),
              "list column families");
        std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
        for (const auto& name : names) {
            descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
        }
        rocksdb::DB* raw = nullptr;
        check(read_only ? rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), dir.string(),
                                                       descriptors, &handles, &raw)
                        : rocksdb::DB::Open(rocksdb::DBOptions(), dir.string(), descriptors,
                                            &handles, &raw),
              "raw RocksDB open");
        db.reset(raw);
    }
    ~AllFamilies() {
        for (auto* handle : handles) {
            (void)db->DestroyColumnFamilyHandle(handle);
        }
    }
    rocksdb::ColumnFamilyHandle* find(const std::string& family) const {
        for (std::size_t i = 0; i < names.size(); ++i) {
            if (names[i] == family) {
                return handles[i];
            }
        }
        return nullptr;
    }
};

}  // namespace

void flush_all(const std::filesystem::path& dir) {
    using namespace eventstore;
    auto descriptors =
        detail::make_family_descriptors(kDefaultBlockCacheBytes, kDefaultWriteBufferBytes);
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    check(rocksdb::DB::Open(detail::make_db_options(false, nullptr, kDefaultWriteBufferBytes),
                            dir.string(), descriptors, &handles, &raw),
          "RocksDB open with the store's options");
    std::unique_ptr<rocksdb::DB> db(raw);
    check(db->Flush(rocksdb::FlushOptions(), handles), "flush");

    auto busy = [&] {
        std::uint64_t running = 0;
        if (db->GetIntProperty("rocksdb.num-running-compactions", &running) && running > 0) {
            return true;
        }
        for (auto* handle : handles) {
            std::uint64_t pending = 0;
            if (db->GetIntProperty(handle, "rocksdb.compaction-pending", &pending) && pending > 0) {
                return true;
            }
        }
        return false;
    };
    const auto started = std::chrono::steady_clock::now();
    auto last_report = started;
    while (busy()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        const auto now = std::chrono::steady_clock::now();
        if (now - last_report >= std::chrono::seconds(30)) {
            last_report = now;
            std::fprintf(stderr, "store: waiting for RocksDB's compactions, %.0f s\n",
                         std::chrono::duration<double>(now - started).count());
        }
    }
    for (auto* handle : handles) {
        (void)db->DestroyColumnFamilyHandle(handle);
    }
}

std::vector<std::pair<std::string, std::uint64_t>> family_bytes(const std::filesystem::path& dir) {
    AllFamilies all(dir, true);
    std::vector<std::pair<std::string, std::uint64_t>> sizes;
    for (std::size_t i = 0; i < all.names.size(); ++i) {
        std::uint64_t tables = 0;
        std::uint64_t blobs = 0;
        if (!all.db->GetIntProperty(all.handles[i], "rocksdb.total-sst-files-size", &tables) ||
            !all.db->GetIntProperty(all.handles[i], "rocksdb.total-blob-file-size", &blobs)) {
            throw std::runtime_error("no table size for column family " + all.names[i]);
        }
        sizes.emplace_back(all.names[i], tables + blobs);
    }
    return sizes;
}

ScanTotals raw_scan(const std::filesystem::path& dir, const std::string& family) {
    AllFamilies all(dir, true);
    rocksdb::ColumnFamilyHandle* wanted = all.find(family);
    if (wanted == nullptr) {
        throw std::runtime_error("no column family " + family + " in " + dir.string());
    }
    ScanTotals totals;
    std::unique_ptr<rocksdb::Iterator> it(all.db->NewIterator(rocksdb::ReadOptions(), wanted));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
        totals.records++;
        totals.bytes += it->key().size() + it->value().size();
    }
    check(it->status(), "raw scan");
    return totals;
}

}  // namespace keyledger::bench
