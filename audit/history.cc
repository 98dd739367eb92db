#include "audit/history.h"

#include "engine/rebuild.h"
#include "engine/related_overlay.h"

namespace keyledger::audit {

Answer<std::unique_ptr<eventstore::EventStore>> open_for_audit(
    const std::filesystem::path& data_dir, RelatedIndex related) {
    eventstore::OpenOptions options;
    options.secondary = true;
    auto store = eventstore::open_rocksdb_store(data_dir / "store", options);
    if (!store) {
        const bool missing = store.error().code == eventstore::ErrorCode::not_a_store;
        return problem(missing ? Failure::not_found : Failure::store,
                       data_dir.string() +
                           " is not a readable keyledger data directory: " + store.error().message);
    }
    if (related == RelatedIndex::as_stored) {
        return std::move(*store);
    }
    // A store older than the related index gets one in memory (an auditor's copy is read-only).
    auto indexed = engine::with_related_index(std::move(*store));
    if (!indexed) {
        return problem(Failure::store, data_dir.string() + ": " + indexed.error());
    }
    return std::move(*indexed);
}

Answer<projections::ReadModel> load_model(const eventstore::EventStore& store,
                                          const std::function<void(const std::string&)>& warn,
                                          const ReadProgress& progress) {
    projections::ReadModel model;
    auto snapshot = engine::load_snapshot(store);
    if (!snapshot) {
        if (warn)
            warn("the projection snapshot is ignored: " + snapshot.error());
    } else if (*snapshot) {
        model = std::move((*snapshot)->model);
    }
    const std::uint64_t head = store.head_position();
    auto folded = engine::fold_log(store, model, 0, [&](std::uint64_t) {
        if (progress)
            progress(model.position(), head);
    });
    if (!folded) {
        return problem(Failure::store, folded.error());
    }
    return model;
}

}  // namespace keyledger::audit
