#include "eventstore/detail/delivery_compactor.h"

#include <utility>

namespace keyledger::eventstore::detail {

DeliveryCompactor::DeliveryCompactor(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* family,
                                     std::vector<rocksdb::ColumnFamilyHandle*> flushed_first)
    : db_(db), family_(family), flushed_first_(std::move(flushed_first)) {}

DeliveryCompactor::~DeliveryCompactor() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    canceled_.store(true);
    changed_.notify_all();
    if (thread_.joinable()) {
        thread_.join();
    }
}

void DeliveryCompactor::widen(const std::string& from, const std::string& to) {
    if (!held_ || from < from_) {
        from_ = from;
    }
    if (!held_ || to > to_) {
        to_ = to;
    }
    held_ = true;
}

void DeliveryCompactor::request(const std::string& from, const std::string& to) {
    {
        std::lock_guard lock(mutex_);
        widen(from, to);
        pending_ = true;
        if (!thread_.joinable()) {
            thread_ = std::thread([this] { run(); });
        }
    }
    changed_.notify_all();
}

std::size_t DeliveryCompactor::wait_idle() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return stopping_ || (!pending_ && !running_); });
    return failures_;
}

void DeliveryCompactor::run() {
    std::unique_lock lock(mutex_);
    while (true) {
        changed_.wait(lock, [&] { return stopping_ || pending_; });
        if (stopping_) {
            return;
        }
        const std::string from = std::move(from_);
        const std::string to = std::move(to_);
        held_ = false;
        pending_ = false;
        running_ = true;
        lock.unlock();

        rocksdb::Status status;
        if (!flushed_first_.empty()) {
            status = db_.Flush(rocksdb::FlushOptions(), flushed_first_);
        }
        if (status.ok()) {
            rocksdb::CompactRangeOptions options;
            options.exclusive_manual_compaction = false;  // background compactions go on
            options.canceled = &canceled_;
            const rocksdb::Slice begin(from);
            const rocksdb::Slice end(to);
            status = db_.CompactRange(options, family_, &begin, &end);
        }

        lock.lock();
        running_ = false;
        if (!status.ok() && !stopping_) {
            // The deletions are durable; only the space waits, for the next request, which
            // covers this range too. Not retried at once: a failing compaction would spin.
            ++failures_;
            widen(from, to);
        }
        changed_.notify_all();
    }
}

}  // namespace keyledger::eventstore::detail
