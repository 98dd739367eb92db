#pragma once
// Building Error values, and turning RocksDB statuses into them.

#include <rocksdb/status.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "eventstore/event_store.h"

namespace keyledger::eventstore::detail {

[[nodiscard]] std::unexpected<Error> fail(ErrorCode code, std::string message,
                                          std::uint64_t position = 0);

// A failed RocksDB call as an Error: RocksDB's corruption stays corruption, a full disk is
// no_space, everything else is io_error. `doing` says what the store was doing ("reading event
// 12"); RocksDB's own words follow it.
[[nodiscard]] std::unexpected<Error> fail(const rocksdb::Status& status, std::string_view doing,
                                          std::uint64_t position = 0);

// True if `status` says the database's LOCK file is held, by another process or by another
// open in this one.
[[nodiscard]] bool is_lock_error(const rocksdb::Status& status);

}  // namespace keyledger::eventstore::detail
