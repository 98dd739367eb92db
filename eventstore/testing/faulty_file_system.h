#pragma once
// A RocksDB FileSystem that fails on demand, for tests of what the store (and everything above
// it) does when the disk misbehaves. Linked only by tests.
//
//   fail_syncs   every Sync/Fsync/RangeSync of a file opened for writing fails with an I/O
//                error, as a disk that lost the pages it was asked to make durable
//   disk_full    every append to a file opened for writing fails with RocksDB's NoSpace; with
//                torn_writes, the failing append first writes half of its bytes, as a disk that
//                filled up in the middle of a write
//
// Switches may be flipped from any thread while RocksDB runs on the file system.

#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

namespace keyledger::eventstore::testing {

// What the file system is told to do; shared with every file it opened.
struct FaultSwitches {
    std::atomic<bool> fail_syncs{false};
    std::atomic<bool> disk_full{false};
    std::atomic<bool> torn_writes{false};
    std::atomic<std::uint64_t> injected{0};  // failures handed out so far
};

class FaultyFileSystem : public rocksdb::FileSystemWrapper {
  public:
    // Over the default (POSIX) file system.
    FaultyFileSystem();

    static const char* kClassName() { return "KeyledgerFaultyFileSystem"; }
    const char* Name() const override { return kClassName(); }

    void fail_syncs(bool on) { switches_->fail_syncs = on; }
    void disk_full(bool on) { switches_->disk_full = on; }
    void torn_writes(bool on) { switches_->torn_writes = on; }
    // How many operations failed because of a switch.
    std::uint64_t injected() const { return switches_->injected; }

    rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                      std::unique_ptr<rocksdb::FSWritableFile>* file,
                                      rocksdb::IODebugContext* dbg) override;
    rocksdb::IOStatus ReopenWritableFile(const std::string& name,
                                         const rocksdb::FileOptions& options,
                                         std::unique_ptr<rocksdb::FSWritableFile>* file,
                                         rocksdb::IODebugContext* dbg) override;
    rocksdb::IOStatus ReuseWritableFile(const std::string& name, const std::string& old_name,
                                        const rocksdb::FileOptions& options,
                                        std::unique_ptr<rocksdb::FSWritableFile>* file,
                                        rocksdb::IODebugContext* dbg) override;

  private:
    std::shared_ptr<FaultSwitches> switches_ = std::make_shared<FaultSwitches>();
};

// An Env whose file system is `file_system` (threads and clock are the default's), for
// open_rocksdb_store_with_env(). The Env must outlive every store opened with it.
[[nodiscard]] std::unique_ptr<rocksdb::Env> make_env(
    const std::shared_ptr<rocksdb::FileSystem>& file_system);

}  // namespace keyledger::eventstore::testing
