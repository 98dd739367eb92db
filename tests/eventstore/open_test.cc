// Opening and creating stores: what is refused, and with which code.

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "tests/eventstore/test_support.h"

extern char** environ;

namespace keyledger::eventstore::testing {
namespace {

Error open_error(const std::filesystem::path& dir, OpenOptions options = {}) {
    auto opened = open_rocksdb_store(dir, options);
    EXPECT_FALSE(opened) << "opening " << dir << " should have failed";
    return opened ? Error{} : opened.error();
}

void create_store(const std::filesystem::path& dir) {
    auto created = open_rocksdb_store(dir, {.create = true});
    ASSERT_TRUE(created) << created.error().message;
}

TEST(EventStoreOpen, CreatesTheDirectoryAndWritesTheFormatMarker) {
    TempDir dir;
    const auto path = dir.path() / "nested" / "store";
    auto created = open_rocksdb_store(path, {.create = true});
    ASSERT_TRUE(created) << created.error().message;

    auto format = (*created)->get_meta("format");
    ASSERT_TRUE(format);
    EXPECT_EQ(*format, std::optional<std::string>("keyledger-eventstore/1"));
    EXPECT_EQ((*created)->head_position(), 0u);
    EXPECT_EQ((*created)->head_hash(), Hash{});
}

TEST(EventStoreOpen, SecondOpenInTheSameProcessIsLocked) {
    TempDir dir;
    auto first = open_rocksdb_store(dir.path(), {.create = true});
    ASSERT_TRUE(first) << first.error().message;

    Error error = open_error(dir.path());
    EXPECT_EQ(error.code, ErrorCode::locked) << error.message;
    EXPECT_NE(error.message.find("another process"), std::string::npos) << error.message;

    // Read-only opens take no lock: a verify can run beside a server.
    auto reader = open_rocksdb_store(dir.path(), {.read_only = true});
    EXPECT_TRUE(reader) << reader.error().message;

    // Closing releases the lock.
    first->reset();
    auto again = open_rocksdb_store(dir.path(), {});
    EXPECT_TRUE(again) << again.error().message;
}

// Runs the lock holder on `dir`: it opens the store, says "ready", and keeps the store open
// until its standard input closes.
class LockHolder {
  public:
    explicit LockHolder(const std::filesystem::path& dir) {
        int to_child[2];
        int from_child[2];
        EXPECT_EQ(pipe(to_child), 0);
        EXPECT_EQ(pipe(from_child), 0);

        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, to_child[0], STDIN_FILENO);
        posix_spawn_file_actions_adddup2(&actions, from_child[1], STDOUT_FILENO);
        posix_spawn_file_actions_addclose(&actions, to_child[1]);
        posix_spawn_file_actions_addclose(&actions, from_child[0]);
        std::string program = KEYLEDGER_LOCK_HOLDER;
        std::string path = dir.string();
        char* argv[] = {program.data(), path.data(), nullptr};
        EXPECT_EQ(posix_spawn(&pid_, program.c_str(), &actions, nullptr, argv, environ), 0);
        posix_spawn_file_actions_destroy(&actions);
        close(to_child[0]);
        close(from_child[1]);
        stdin_ = to_child[1];

        char reply[16] = {};
        const ssize_t got = read(from_child[0], reply, sizeof(reply) - 1);
        close(from_child[0]);
        ready_ = got > 0 && std::string_view(reply, got).starts_with("ready");
    }

    ~LockHolder() {
        if (stdin_ >= 0) {
            release();
        }
    }
    LockHolder(const LockHolder&) = delete;
    LockHolder& operator=(const LockHolder&) = delete;

    bool ready() const { return ready_; }

    // Lets the holder close the store and exit; true if it exited cleanly.
    bool release() {
        close(stdin_);
        stdin_ = -1;
        int status = 0;
        return waitpid(pid_, &status, 0) == pid_ && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }

  private:
    pid_t pid_ = -1;
    int stdin_ = -1;
    bool ready_ = false;
};

TEST(EventStoreOpen, StoreHeldByAnotherProcessIsLocked) {
    TempDir dir;
    create_store(dir.path());

    LockHolder holder(dir.path());
    ASSERT_TRUE(holder.ready());
    Error error = open_error(dir.path());
    EXPECT_EQ(error.code, ErrorCode::locked) << error.message;
    EXPECT_NE(error.message.find("running keyledger server"), std::string::npos) << error.message;

    ASSERT_TRUE(holder.release());
    auto after = open_rocksdb_store(dir.path(), {});
    EXPECT_TRUE(after) << after.error().message;
}

TEST(EventStoreOpen, DirectoryWithOtherFilesIsNotAStore) {
    TempDir dir;
    std::ofstream(dir.path() / "notes.txt") << "not a database\n";
    std::filesystem::create_directory(dir.path() / "sub");

    Error error = open_error(dir.path());
    EXPECT_EQ(error.code, ErrorCode::not_a_store) << error.message;
    EXPECT_NE(error.message.find(dir.path().string()), std::string::npos) << error.message;

    // Nor will a store be created among those files.
    EXPECT_EQ(open_error(dir.path(), {.create = true}).code, ErrorCode::not_a_store);
    EXPECT_TRUE(std::filesystem::exists(dir.path() / "notes.txt"));
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "CURRENT"));
}

TEST(EventStoreOpen, EmptyOrMissingDirectoryIsNotAStore) {
    TempDir dir;
    EXPECT_EQ(open_error(dir.path()).code, ErrorCode::not_a_store);
    EXPECT_EQ(open_error(dir.path() / "missing").code, ErrorCode::not_a_store);
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "missing"));
}

TEST(EventStoreOpen, PlainFileIsNotAStore) {
    TempDir dir;
    std::ofstream(dir.path() / "file") << "x";
    EXPECT_EQ(open_error(dir.path() / "file").code, ErrorCode::not_a_store);
}

TEST(EventStoreOpen, AnotherRocksDbIsNotAStore) {
    TempDir dir;
    {
        rocksdb::Options options;
        options.create_if_missing = true;
        rocksdb::DB* db = nullptr;
        ASSERT_TRUE(rocksdb::DB::Open(options, dir.path().string(), &db).ok());
        delete db;
    }
    Error error = open_error(dir.path());
    EXPECT_EQ(error.code, ErrorCode::not_a_store) << error.message;
    EXPECT_NE(error.message.find("column family"), std::string::npos) << error.message;
}

TEST(EventStoreOpen, StoreWithoutFormatMarkerIsNotAStore) {
    TempDir dir;
    create_store(dir.path());
    {
        RawStore raw(dir.path());
        raw.remove(detail::Family::meta, "format");
    }
    Error error = open_error(dir.path());
    EXPECT_EQ(error.code, ErrorCode::not_a_store) << error.message;

    {
        RawStore raw(dir.path());
        raw.put(detail::Family::meta, "format", "keyledger-eventstore/99");
    }
    error = open_error(dir.path());
    EXPECT_EQ(error.code, ErrorCode::not_a_store) << error.message;
    EXPECT_NE(error.message.find("keyledger-eventstore/99"), std::string::npos) << error.message;

    // Other metadata without the marker: a damaged store, not "no store" (a flipped filter or
    // index block of the family can hide the marker alone).
    {
        RawStore raw(dir.path());
        raw.remove(detail::Family::meta, "format");
        raw.put(detail::Family::meta, "snapshot", "x");
    }
    error = open_error(dir.path());
    EXPECT_EQ(error.code, ErrorCode::corruption) << error.message;
    EXPECT_NE(error.message.find("damaged keyledger store"), std::string::npos) << error.message;
}

// The open table files of a store with many of them stay within max_open_table_files: the
// log's families get a table file per flush that never merges (their keys only grow).
TEST(EventStoreOpen, OpenTableFilesStayWithinTheirBound) {
    TempDir dir;
    const OpenOptions options{.write_buffer_bytes = 64 * 1024, .max_open_table_files = 32};
    {
        OpenOptions create = options;
        create.create = true;
        auto store = open_rocksdb_store(dir.path(), create);
        ASSERT_TRUE(store) << store.error().message;
        for (std::uint64_t version = 0; version < 600; ++version) {
            ASSERT_TRUE((*store)->append(
                events_batch({make_event("s", version, std::string(4096, 'a' + version % 26))})));
        }
    }
    auto count_tables = [](const std::filesystem::path& dir) {
        std::size_t tables = 0;
        for (const auto& entry : std::filesystem::directory_iterator(dir)) {
            tables += entry.path().extension() == ".sst" ? 1 : 0;
        }
        return tables;
    };
    auto open_tables = [] {
        std::size_t open = 0;
        for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
            std::error_code ignored;
            open += std::filesystem::read_symlink(entry.path(), ignored).extension() == ".sst";
        }
        return open;
    };
    ASSERT_GT(count_tables(dir.path()), 64u);

    auto store = open_rocksdb_store(dir.path(), options);
    ASSERT_TRUE(store) << store.error().message;
    auto events = (*store)->read_all(0, 1000);
    ASSERT_TRUE(events) << events.error().message;
    EXPECT_EQ(events->size(), 600u);
    // The bound, plus the level-0 tables whose index and filter the block cache pins (their
    // readers stay open with them); without it every table would be open.
    EXPECT_LE(open_tables(), 32u + 8u) << count_tables(dir.path()) << " tables";
}

TEST(EventStoreOpen, CreateOnAnExistingStoreIsRefused) {
    TempDir dir;
    {
        auto created = open_rocksdb_store(dir.path(), {.create = true});
        ASSERT_TRUE(created);
        ASSERT_TRUE((*created)->append(events_batch({make_event("a", 0)})));
    }
    Error error = open_error(dir.path(), {.create = true});
    EXPECT_EQ(error.code, ErrorCode::already_exists) << error.message;

    // The existing store is untouched.
    auto reopened = open_rocksdb_store(dir.path(), {});
    ASSERT_TRUE(reopened) << reopened.error().message;
    EXPECT_EQ((*reopened)->head_position(), 1u);
}

TEST(EventStoreOpen, CreatingReadOnlyIsAnInvalidArgument) {
    TempDir dir;
    EXPECT_EQ(open_error(dir.path(), {.create = true, .read_only = true}).code,
              ErrorCode::invalid_argument);
}

}  // namespace
}  // namespace keyledger::eventstore::testing
