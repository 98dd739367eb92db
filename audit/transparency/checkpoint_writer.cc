#include "audit/transparency/checkpoint_writer.h"

#include "audit/transparency/checkpoint_dir.h"
#include "audit/transparency/keys.h"
#include "audit/transparency/log_reader.h"

namespace keyledger::transparency {

namespace fs = std::filesystem;

namespace {

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

CheckpointWriter::CheckpointWriter(const eventstore::EventStore& store, CheckpointSigner signer,
                                   CheckpointWriterOptions options)
    : store_(store), signer_(std::move(signer)), options_(std::move(options)) {}

CheckpointWriter::~CheckpointWriter() {
    stop();
}

std::expected<std::unique_ptr<CheckpointWriter>, std::string> CheckpointWriter::open(
    const eventstore::EventStore& store, const fs::path& data_dir,
    CheckpointWriterOptions options) {
    auto signer = load_checkpoint_signer(data_dir);
    if (!signer) {
        return std::unexpected(signer.error());
    }
    if (options.directory.empty()) {
        options.directory = checkpoint_dir(data_dir);
    }
    std::unique_ptr<CheckpointWriter> writer(
        new CheckpointWriter(store, std::move(*signer), std::move(options)));
    auto files = list_checkpoints(writer->options_.directory);
    if (!files.empty()) {
        auto text = read_text_file(files.back());
        auto opened = text ? open_checkpoint(*text, writer->signer_.public_key())
                           : std::expected<Checkpoint, std::string>(std::unexpect, text.error());
        if (!opened) {
            writer->trusted_ = false;
            writer->warn("the newest checkpoint " + files.back().string() + " cannot be checked (" +
                         opened.error() + "); writing no checkpoints until an operator looks");
        } else {
            writer->previous_ = *opened;
        }
    }
    std::lock_guard lock(writer->mutex_);
    if (auto read = writer->catch_up(); !read) {
        return std::unexpected(read.error());
    }
    writer->last_write_ = std::chrono::steady_clock::now();
    return writer;
}

void CheckpointWriter::warn(const std::string& message) const {
    if (options_.warn) {
        options_.warn(message);
    }
}

std::expected<void, std::string> CheckpointWriter::catch_up() {
    const std::uint64_t head = store_.head_position();
    std::optional<std::string> mismatch;
    auto read = for_each_event_hash(store_, range_.size(), head, [&](const Hash& hash) {
        range_.append(hash);
        if (previous_ && range_.size() == previous_->size) {
            if (range_.root() != previous_->root) {
                mismatch = "the log's first " + std::to_string(previous_->size) +
                           " events no longer match the newest stored checkpoint: history was "
                           "rewritten; writing no checkpoints until an operator looks";
            }
            previous_.reset();
        }
    });
    if (!read) {
        return std::unexpected("cannot read the log for a checkpoint: " + read.error().message);
    }
    if (mismatch) {
        trusted_ = false;
        warn(*mismatch);
        if (options_.history_altered) {
            options_.history_altered(*mismatch);
        }
    }
    if (previous_ && range_.size() < previous_->size) {
        // Only conclusive once the log stops short of the old checkpoint: a live log only grows.
        if (range_.size() == head) {
            trusted_ = false;
            const std::string truncated = "log truncated: the newest stored checkpoint covers " +
                                          std::to_string(previous_->size) +
                                          " events, the log has " + std::to_string(range_.size()) +
                                          "; writing no checkpoints until an operator looks";
            warn(truncated);
            if (options_.history_altered) {
                options_.history_altered(truncated);
            }
            previous_.reset();
        }
    }
    return {};
}

std::expected<std::optional<fs::path>, std::string> CheckpointWriter::write_locked() {
    if (auto read = catch_up(); !read) {
        return std::unexpected(read.error());
    }
    if (!trusted_ || (wrote_any_ && range_.size() == written_size_)) {
        return std::optional<fs::path>();
    }
    const Checkpoint checkpoint{signer_.public_key().name, range_.size(), range_.root()};
    const std::int64_t now = now_ms();
    auto path =
        store_checkpoint(options_.directory, checkpoint.size, now, signer_.sign(checkpoint));
    if (!path) {
        return std::unexpected(path.error());
    }
    (void)thin_checkpoints(options_.directory, now);
    wrote_any_ = true;
    written_size_ = checkpoint.size;
    last_write_ = std::chrono::steady_clock::now();
    return std::optional<fs::path>(*path);
}

std::expected<std::optional<fs::path>, std::string> CheckpointWriter::write_now() {
    std::lock_guard lock(mutex_);
    return write_locked();
}

void CheckpointWriter::start() {
    std::lock_guard lock(mutex_);
    if (thread_.joinable()) {
        return;
    }
    stopping_ = false;
    thread_ = std::thread([this] { loop(); });
}

void CheckpointWriter::stop() {
    {
        std::lock_guard lock(mutex_);
        if (!thread_.joinable()) {
            return;
        }
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
    if (auto written = write_now(); !written) {
        warn("the last checkpoint could not be written: " + written.error());
    }
}

void CheckpointWriter::notify() {
    {
        std::lock_guard lock(mutex_);
        poked_ = true;
    }
    wake_.notify_all();
}

void CheckpointWriter::loop() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        wake_.wait_for(lock, options_.poll, [this] { return stopping_ || poked_; });
        poked_ = false;
        if (stopping_) {
            break;
        }
        const std::uint64_t head = store_.head_position();
        const bool grew = head > written_size_ || !wrote_any_;
        const bool due = std::chrono::steady_clock::now() - last_write_ >= options_.interval;
        if (!grew || (!due && head - written_size_ < options_.every_events)) {
            continue;
        }
        if (auto written = write_locked(); !written) {
            warn("a checkpoint could not be written: " + written.error());
            last_write_ = std::chrono::steady_clock::now();  // retry after an interval
        }
    }
}

std::uint64_t CheckpointWriter::size() const {
    std::lock_guard lock(mutex_);
    return range_.size();
}

bool CheckpointWriter::trusted() const {
    std::lock_guard lock(mutex_);
    return trusted_;
}

}  // namespace keyledger::transparency
