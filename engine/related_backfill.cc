#include "engine/related_backfill.h"

#include <cstdint>
#include <utility>
#include <vector>

#include "domain/codec/codec.h"

namespace keyledger::engine {
namespace {

constexpr std::size_t kEntriesPerBatch = 100'000;
constexpr std::uint64_t kProgressEvery = 1'000'000;

// Only these events name related ids (domain::related_ids); the rest need no decoding.
bool may_relate(std::string_view type) {
    return type == "TokenIssued" || type == "TokenTransferred" || type == "CallDecided";
}

}  // namespace

std::expected<void, std::string> for_each_related(const eventstore::EventStore& store,
                                                  const RelatedVisitor& visit,
                                                  const Progress& progress) {
    std::string failure;
    std::uint64_t walked = 0;
    auto read = store.for_each_event(
        0, UINT64_MAX, eventstore::Hashes::skip, [&](const eventstore::EventView& stored) {
            if (progress && ++walked % kProgressEvery == 0) {
                progress(walked);
            }
            if (!may_relate(stored.type)) {
                return true;
            }
            auto event = domain::codec::decode(stored.type, stored.payload);
            if (!event) {
                failure = "event " + std::to_string(stored.position) + " (" +
                          std::string(stored.type) + ") cannot be decoded: " + event.error();
                return false;
            }
            for (std::string& id : domain::related_ids(*event)) {
                if (!visit(stored.position, std::move(id))) {
                    return false;
                }
            }
            return true;
        });
    if (!read) {
        return std::unexpected("reading the log for its related ids: " + read.error().message);
    }
    if (!failure.empty()) {
        return std::unexpected(failure);
    }
    return {};
}

std::expected<void, std::string> ensure_related_index(eventstore::EventStore& store,
                                                      const Progress& progress) {
    auto complete = store.related_index_complete();
    if (!complete) {
        return std::unexpected(complete.error().message);
    }
    if (*complete) {
        return {};
    }

    std::vector<std::pair<std::uint64_t, std::string>> entries;
    std::string failure;
    auto flush = [&]() -> bool {
        if (entries.empty()) {
            return true;
        }
        if (auto added = store.add_related(entries); !added) {
            failure = "writing the related index: " + added.error().message;
            return false;
        }
        entries.clear();
        return true;
    };
    auto walked = for_each_related(
        store,
        [&](std::uint64_t position, std::string id) {
            entries.emplace_back(position, std::move(id));
            return entries.size() < kEntriesPerBatch || flush();
        },
        progress);
    if (!failure.empty()) {
        return std::unexpected(failure);
    }
    if (!walked) {
        return std::unexpected(walked.error());
    }
    if (!flush()) {
        return std::unexpected(failure);
    }
    if (auto marked = store.mark_related_index_complete(); !marked) {
        return std::unexpected("marking the related index complete: " + marked.error().message);
    }
    return {};
}

}  // namespace keyledger::engine
