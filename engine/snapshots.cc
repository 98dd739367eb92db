// When the engine writes projection snapshots. Reading them back is engine/rebuild.cc's job.

#include "engine/engine.h"

namespace keyledger::engine {

bool Engine::write_snapshot() {
    // After a failed write the model holds what the disk refused: never persist it.
    if (failed_ || model_.position() == 0) {
        return false;
    }
    // TODO(perf): encoding runs on the decider thread, so calls wait while a large model is
    // written (measured in docs/PERFORMANCE.md); a copy-on-write model would let it run beside.
    const std::string bytes = projections::encode_snapshot(model_, head_hash_);
    if (auto stored = store_->put_meta(projections::kSnapshotMetaKey, bytes); !stored) {
        warn("snapshot_problem", "projection snapshot at position " +
                                     std::to_string(model_.position()) +
                                     " not written: " + stored.error().message);
        return false;
    }
    stats_.snapshot_position = model_.position();
    stats_.snapshots_written++;
    last_snapshot_at_ = std::chrono::steady_clock::now();
    return true;
}

void Engine::snapshot_if_due() {
    const std::uint64_t every = options_.snapshot_every_events;
    if (every != 0 && model_.position() - stats_.snapshot_position >= every &&
        std::chrono::steady_clock::now() - last_snapshot_at_ >= options_.snapshot_min_interval) {
        write_snapshot();
    }
}

void Engine::warn(std::string_view event, const std::string& message) const {
    if (options_.warn) {
        options_.warn(event, message);
    }
}

std::uint64_t& Engine::stream_version(const std::string& stream) {
    auto it = stream_versions_.find(stream);
    if (it == stream_versions_.end()) {
        // A failed lookup gives 0, which the store refuses as a version conflict: safe.
        // TODO(perf): past the bound (EngineOptions::remembered_streams) a stream the store has
        // also forgotten is read from its index twice, here and in the append's own check; the
        // store could remember what this read found.
        it = stream_versions_.emplace(stream, store_->stream_version(stream)).first;
    }
    return it->second;
}

}  // namespace keyledger::engine
