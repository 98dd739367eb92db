#include "eventstore/detail/table_check.h"

#include <fmt/format.h>
#include <rocksdb/options.h>
#include <rocksdb/sst_file_reader.h>

#include <algorithm>
#include <filesystem>
#include <set>

namespace keyledger::eventstore::detail {
namespace {

rocksdb::Status read_whole(const std::string& path) {
    rocksdb::SstFileReader reader{rocksdb::Options()};
    rocksdb::Status status = reader.Open(path);
    if (status.ok()) {
        rocksdb::ReadOptions read;
        read.fill_cache = false;
        status = reader.VerifyChecksum(read);
    }
    return status;
}

}  // namespace

std::vector<std::string> damaged_tables(rocksdb::DB& db, const std::vector<std::string>& families) {
    std::vector<rocksdb::LiveFileMetaData> live;
    db.GetLiveFilesMetaData(&live);
    std::set<std::string> live_names;
    std::vector<std::string> damaged;
    for (const rocksdb::LiveFileMetaData& file : live) {
        live_names.insert(file.relative_filename);
        if (std::find(families.begin(), families.end(), file.column_family_name) ==
            families.end()) {
            continue;
        }
        const std::string path = file.directory + "/" + file.relative_filename;
        const rocksdb::Status status = read_whole(path);
        std::error_code ignored;
        if (!status.ok() && std::filesystem::exists(path, ignored)) {
            damaged.push_back(fmt::format("table file {} of the '{}' family is damaged: {}",
                                          file.relative_filename, file.column_family_name,
                                          status.ToString()));
        }
    }
    // A table RocksDB could not load at all is left out of its list of live files (a secondary
    // instance then reads as if its keys were never written): every other table file of the
    // directory is read too. One that reads whole is an obsolete file not yet deleted.
    std::error_code error;
    for (std::filesystem::directory_iterator it(db.GetName(), error), end; !error && it != end;
         it.increment(error)) {
        const std::string name = it->path().filename().string();
        if (it->path().extension() != ".sst" || live_names.contains(name)) {
            continue;
        }
        const rocksdb::Status status = read_whole(it->path().string());
        std::error_code ignored;
        if (!status.ok() && std::filesystem::exists(it->path(), ignored)) {
            damaged.push_back(
                fmt::format("table file {} is damaged (RocksDB could not load it "
                            "into any family): {}",
                            name, status.ToString()));
        }
    }
    return damaged;
}

}  // namespace keyledger::eventstore::detail
