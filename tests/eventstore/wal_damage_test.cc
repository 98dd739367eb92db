// A damaged write-ahead log must stop the open, never silently drop acknowledged events.

#include <fstream>

#include <gtest/gtest.h>

#include "tests/eventstore/test_support.h"

namespace keyledger::eventstore::testing {
namespace {

class WalDamage : public StoreTest {};

TEST_F(WalDamage, AFlippedByteInTheLogIsRefusedNotTruncated) {
    constexpr int kEvents = 300;
    append_stream("user-a", kEvents);
    store_.reset();

    // The events still live in the write-ahead log (nothing was flushed to a table yet).
    std::filesystem::path wal;
    for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
        if (entry.path().extension() == ".log" && entry.file_size() > 4096) {
            wal = entry.path();
        }
    }
    ASSERT_FALSE(wal.empty()) << "no write-ahead log with the events in " << dir_.path();
    const auto size = std::filesystem::file_size(wal);
    {
        std::fstream file(wal, std::ios::in | std::ios::out | std::ios::binary);
        file.seekg(static_cast<std::streamoff>(size / 2));
        char byte = 0;
        file.read(&byte, 1);
        byte = static_cast<char>(byte ^ 0x5a);
        file.seekp(static_cast<std::streamoff>(size / 2));
        file.write(&byte, 1);
    }

    auto reopened = open_rocksdb_store(dir_.path(), {});
    if (reopened) {
        // Acceptable only if nothing was lost.
        EXPECT_EQ((*reopened)->head_position(), static_cast<std::uint64_t>(kEvents))
            << "acknowledged events were dropped without an error";
    } else {
        EXPECT_EQ(reopened.error().code, ErrorCode::corruption) << reopened.error().message;
    }
}

}  // namespace
}  // namespace keyledger::eventstore::testing
