#include "eventstore/testing/faulty_file_system.h"

#include <utility>

namespace keyledger::eventstore::testing {
namespace {

// A file opened for writing, failing as the switches say.
class FaultyFile : public rocksdb::FSWritableFileOwnerWrapper {
  public:
    FaultyFile(std::unique_ptr<rocksdb::FSWritableFile> file,
               std::shared_ptr<FaultSwitches> switches)
        : FSWritableFileOwnerWrapper(std::move(file)), switches_(std::move(switches)) {}

    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override {
        if (switches_->disk_full) {
            return fill_up(data, options, dbg);
        }
        return FSWritableFileOwnerWrapper::Append(data, options, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             const rocksdb::DataVerificationInfo& info,
                             rocksdb::IODebugContext* dbg) override {
        if (switches_->disk_full) {
            return fill_up(data, options, dbg);
        }
        return FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
    }
    rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, std::uint64_t offset,
                                       const rocksdb::IOOptions& options,
                                       rocksdb::IODebugContext* dbg) override {
        if (switches_->disk_full) {
            return no_space();
        }
        return FSWritableFileOwnerWrapper::PositionedAppend(data, offset, options, dbg);
    }
    rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, std::uint64_t offset,
                                       const rocksdb::IOOptions& options,
                                       const rocksdb::DataVerificationInfo& info,
                                       rocksdb::IODebugContext* dbg) override {
        if (switches_->disk_full) {
            return no_space();
        }
        return FSWritableFileOwnerWrapper::PositionedAppend(data, offset, options, info, dbg);
    }

    rocksdb::IOStatus Sync(const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
        return switches_->fail_syncs ? sync_failure()
                                     : FSWritableFileOwnerWrapper::Sync(options, dbg);
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                            rocksdb::IODebugContext* dbg) override {
        return switches_->fail_syncs ? sync_failure()
                                     : FSWritableFileOwnerWrapper::Fsync(options, dbg);
    }
    rocksdb::IOStatus RangeSync(std::uint64_t offset, std::uint64_t nbytes,
                                const rocksdb::IOOptions& options,
                                rocksdb::IODebugContext* dbg) override {
        return switches_->fail_syncs
                   ? sync_failure()
                   : FSWritableFileOwnerWrapper::RangeSync(offset, nbytes, options, dbg);
    }

  private:
    // The disk is full. A torn write leaves the first half of `data` in the file, as a write
    // that ran out of space in the middle would.
    rocksdb::IOStatus fill_up(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                              rocksdb::IODebugContext* dbg) {
        if (switches_->torn_writes && data.size() > 1) {
            const rocksdb::Slice half(data.data(), data.size() / 2);
            if (rocksdb::IOStatus written = FSWritableFileOwnerWrapper::Append(half, options, dbg);
                !written.ok()) {
                return written;
            }
        }
        return no_space();
    }
    rocksdb::IOStatus no_space() {
        ++switches_->injected;
        return rocksdb::IOStatus::NoSpace("injected: no space left on device");
    }
    rocksdb::IOStatus sync_failure() {
        ++switches_->injected;
        return rocksdb::IOStatus::IOError("injected: fsync failed");
    }

    std::shared_ptr<FaultSwitches> switches_;
};

}  // namespace

FaultyFileSystem::FaultyFileSystem() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}

rocksdb::IOStatus FaultyFileSystem::NewWritableFile(const std::string& name,
                                                    const rocksdb::FileOptions& options,
                                                    std::unique_ptr<rocksdb::FSWritableFile>* file,
                                                    rocksdb::IODebugContext* dbg) {
    rocksdb::IOStatus status = target()->NewWritableFile(name, options, file, dbg);
    if (status.ok()) {
        *file = std::make_unique<FaultyFile>(std::move(*file), switches_);
    }
    return status;
}

rocksdb::IOStatus FaultyFileSystem::ReopenWritableFile(
    const std::string& name, const rocksdb::FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* file, rocksdb::IODebugContext* dbg) {
    rocksdb::IOStatus status = target()->ReopenWritableFile(name, options, file, dbg);
    if (status.ok()) {
        *file = std::make_unique<FaultyFile>(std::move(*file), switches_);
    }
    return status;
}

rocksdb::IOStatus FaultyFileSystem::ReuseWritableFile(
    const std::string& name, const std::string& old_name, const rocksdb::FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* file, rocksdb::IODebugContext* dbg) {
    rocksdb::IOStatus status = target()->ReuseWritableFile(name, old_name, options, file, dbg);
    if (status.ok()) {
        *file = std::make_unique<FaultyFile>(std::move(*file), switches_);
    }
    return status;
}

std::unique_ptr<rocksdb::Env> make_env(const std::shared_ptr<rocksdb::FileSystem>& file_system) {
    return rocksdb::NewCompositeEnv(file_system);
}

}  // namespace keyledger::eventstore::testing
