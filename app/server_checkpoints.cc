#include "app/server_checkpoints.h"

#include "audit/transparency/checkpoint.h"
#include "audit/transparency/checkpoint_check.h"

namespace keyledger::app {

std::expected<void, std::string> check_log_reaches_latest_checkpoint(
    const eventstore::EventStore& store, const std::filesystem::path& data_dir) {
    const auto latest = transparency::latest_checkpoint(data_dir);
    if (!latest) {
        return {};
    }
    auto key_text =
        transparency::read_text_file(transparency::checkpoint_public_key_path(data_dir));
    auto text = transparency::read_text_file(*latest);
    if (!key_text || !text) {
        return {};
    }
    auto key = transparency::parse_public_key(*key_text);
    if (!key) {
        return {};
    }
    auto checkpoint = transparency::open_checkpoint(*text, *key);
    if (!checkpoint || checkpoint->size <= store.head_position()) {
        return {};
    }
    return std::unexpected(
        "the log has " + std::to_string(store.head_position()) +
        " events but the newest signed checkpoint, " + latest->string() + ", covers " +
        std::to_string(checkpoint->size) +
        ": acknowledged events are missing (a cut-off write-ahead log, or a restore from an "
        "older copy). Run keyledger audit verify; to serve the shorter log anyway, move the "
        "checkpoints that cover the lost events out of the checkpoints directory first");
}

ServerCheckpoints::ServerCheckpoints(const eventstore::EventStore& store,
                                     std::filesystem::path data_dir,
                                     transparency::CheckpointWriterOptions options) {
    opener_ = std::thread([this, &store, data_dir = std::move(data_dir), options] {
        auto writer = transparency::CheckpointWriter::open(store, data_dir, options);
        if (!writer) {
            if (options.warn) {
                options.warn("no signed checkpoints: " + writer.error());
            }
            return;
        }
        std::lock_guard lock(mutex_);
        writer_ = std::move(*writer);
        writer_->start();
    });
}

ServerCheckpoints::~ServerCheckpoints() {
    stop();
}

void ServerCheckpoints::stop() {
    if (opener_.joinable()) {
        opener_.join();
    }
    std::lock_guard lock(mutex_);
    if (writer_) {
        writer_->stop();
        writer_.reset();
    }
}

}  // namespace keyledger::app
