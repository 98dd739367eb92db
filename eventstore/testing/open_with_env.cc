#include "eventstore/testing/open_with_env.h"

#include "eventstore/detail/open_internal.h"

namespace keyledger::eventstore::testing {

Result<std::unique_ptr<EventStore>> open_rocksdb_store_with_env(const std::filesystem::path& dir,
                                                                const OpenOptions& options,
                                                                rocksdb::Env* env) {
    return detail::open_rocksdb_store(dir, options, env);
}

}  // namespace keyledger::eventstore::testing
