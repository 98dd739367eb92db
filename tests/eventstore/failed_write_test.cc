// After a failed write the store refuses every further write, like LevelDB after a failed
// fsync. The failure is injected under RocksDB through the file system seam.

#include <gtest/gtest.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <atomic>
#include <memory>

#include "eventstore/detail/open_internal.h"
#include "tests/eventstore/test_support.h"

namespace keyledger::eventstore::testing {
namespace {

using Switch = std::shared_ptr<std::atomic<bool>>;

// A writable file whose writes fail while the switch is on.
class FailingFile : public rocksdb::FSWritableFileOwnerWrapper {
  public:
    FailingFile(std::unique_ptr<rocksdb::FSWritableFile> file, Switch failing)
        : FSWritableFileOwnerWrapper(std::move(file)), failing_(std::move(failing)) {}

    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override {
        return *failing_ ? injected() : FSWritableFileOwnerWrapper::Append(data, options, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             const rocksdb::DataVerificationInfo& info,
                             rocksdb::IODebugContext* dbg) override {
        return *failing_ ? injected()
                         : FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
        return *failing_ ? injected() : FSWritableFileOwnerWrapper::Sync(options, dbg);
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                            rocksdb::IODebugContext* dbg) override {
        return *failing_ ? injected() : FSWritableFileOwnerWrapper::Fsync(options, dbg);
    }

  private:
    static rocksdb::IOStatus injected() { return rocksdb::IOStatus::IOError("injected failure"); }

    Switch failing_;
};

// The default file system, except that write-ahead log files fail on demand.
class FailingFileSystem : public rocksdb::FileSystemWrapper {
  public:
    FailingFileSystem() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}

    static const char* kClassName() { return "KeyledgerFailingFileSystem"; }
    const char* Name() const override { return kClassName(); }

    rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                      std::unique_ptr<rocksdb::FSWritableFile>* file,
                                      rocksdb::IODebugContext* dbg) override {
        rocksdb::IOStatus status = target()->NewWritableFile(name, options, file, dbg);
        if (status.ok() && name.ends_with(".log")) {
            *file = std::make_unique<FailingFile>(std::move(*file), failing_);
        }
        return status;
    }

    void fail_writes(bool on) { *failing_ = on; }

  private:
    Switch failing_ = std::make_shared<std::atomic<bool>>(false);
};

TEST(EventStoreFailedWrite, RefusesEveryWriteAfterAFailedOne) {
    TempDir dir;
    auto file_system = std::make_shared<FailingFileSystem>();
    std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(file_system);
    {
        auto opened = detail::open_rocksdb_store(dir.path(), {.create = true}, env.get());
        ASSERT_TRUE(opened) << opened.error().message;
        EventStore& store = **opened;
        ASSERT_TRUE(store.append(events_batch({make_event("a", 0)})));
        const Hash head = store.head_hash();

        file_system->fail_writes(true);
        auto failed = store.append(events_batch({make_event("a", 1)}));
        ASSERT_FALSE(failed);
        EXPECT_EQ(failed.error().code, ErrorCode::io_error) << failed.error().message;
        EXPECT_EQ(store.head_position(), 1u);
        EXPECT_EQ(store.head_hash(), head);

        // The disk is fine again, but the store no longer trusts its state.
        file_system->fail_writes(false);
        auto refused = store.append(events_batch({make_event("a", 1)}));
        ASSERT_FALSE(refused);
        EXPECT_EQ(refused.error().code, ErrorCode::io_error);
        EXPECT_NE(refused.error().message.find("earlier write failed"), std::string::npos)
            << refused.error().message;
        auto meta = store.put_meta("marker", "x");
        ASSERT_FALSE(meta);
        EXPECT_NE(meta.error().message.find("earlier write failed"), std::string::npos);
        auto prune = store.prune_deliveries(0);
        ASSERT_FALSE(prune);
        EXPECT_EQ(prune.error().code, ErrorCode::io_error);

        // Reads go on.
        auto events = store.read_all(0, 10);
        ASSERT_TRUE(events) << events.error().message;
        EXPECT_EQ(events->size(), 1u);
    }

    // Reopening is the way back.
    auto reopened = open_rocksdb_store(dir.path(), {});
    ASSERT_TRUE(reopened) << reopened.error().message;
    EXPECT_EQ((*reopened)->head_position(), 1u);
    auto report = (*reopened)->verify();
    ASSERT_TRUE(report);
    EXPECT_TRUE(report->ok) << report->reason;
    auto next = (*reopened)->append(events_batch({make_event("a", 1)}));
    EXPECT_TRUE(next) << next.error().message;
}

}  // namespace
}  // namespace keyledger::eventstore::testing
