#include "eventstore/detail/errors.h"

#include <fmt/format.h>

#include <utility>

namespace keyledger::eventstore::detail {

std::unexpected<Error> fail(ErrorCode code, std::string message, std::uint64_t position) {
    return std::unexpected(Error{code, std::move(message), position});
}

std::unexpected<Error> fail(const rocksdb::Status& status, std::string_view doing,
                            std::uint64_t position) {
    ErrorCode code = ErrorCode::io_error;
    if (status.IsCorruption()) {
        code = ErrorCode::corruption;
    } else if (status.IsNoSpace()) {
        code = ErrorCode::no_space;
    }
    return fail(code, fmt::format("{}: {}", doing, status.ToString()), position);
}

bool is_lock_error(const rocksdb::Status& status) {
    // RocksDB reports both cases as an IO error naming the LOCK file: "lock hold by current
    // process ... /LOCK: ..." and "While lock file: .../LOCK: Resource temporarily unavailable".
    return status.IsIOError() && status.ToString().find("/LOCK") != std::string::npos;
}

}  // namespace keyledger::eventstore::detail
