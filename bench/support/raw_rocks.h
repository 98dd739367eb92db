#pragma once
// The raw RocksDB baselines: what the disk and RocksDB give with nothing of keyledger on top.

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace keyledger::bench {

// A plain RocksDB (default options, write-ahead log on) that takes key/value batches.
class RawLog {
  public:
    // Creates a fresh database in `dir`; throws std::runtime_error if RocksDB refuses.
    RawLog(const std::filesystem::path& dir, bool sync);
    ~RawLog();
    RawLog(const RawLog&) = delete;
    RawLog& operator=(const RawLog&) = delete;

    // Writes values under dense big-endian positions from next_position(), in one WriteBatch.
    void append(const std::vector<std::string>& values);
    std::uint64_t next_position() const { return next_; }

  private:
    struct Db;
    Db* db_;
    bool sync_;
    std::uint64_t next_ = 1;
};

struct ScanTotals {
    std::uint64_t records = 0;
    std::uint64_t bytes = 0;  // keys + values
};

// Forward scan of one column family of any RocksDB, opened read-only with every family it has:
// the raw cost of reading the same bytes the product reads. Throws std::runtime_error.
ScanTotals raw_scan(const std::filesystem::path& dir, const std::string& family);

// Flushes every memtable of the store in `dir` to table files, so that the next open replays
// no write-ahead log, then waits until RocksDB, opened with the server's own options, has no
// compaction left to run: stores built for reading are measured as a long-running store is read,
// not while a bulk writer's level 0 is merged (which slowed the first writes of the next open for
// minutes on a 37M-event store). Reports its wait on stderr every 30 s.
// Throws std::runtime_error.
void flush_all(const std::filesystem::path& dir);

// The bytes of table and blob files of each column family of the RocksDB in `dir` (after
// flush_all, the whole of it but RocksDB's small manifest and logs), in the order RocksDB lists
// the families.
// Throws std::runtime_error.
std::vector<std::pair<std::string, std::uint64_t>> family_bytes(const std::filesystem::path& dir);

}  // namespace keyledger::bench
