#include "app/server_checkpoints.h"

namespace keyledger::app {

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
