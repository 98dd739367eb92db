#include "eventstore/detail/validation.h"

#include <fmt/format.h>

#include <algorithm>
#include <initializer_list>
#include <limits>
#include <string>

#include "eventstore/detail/codec.h"
#include "eventstore/detail/errors.h"
#include "eventstore/detail/layout.h"
#include "eventstore/pruning.h"

namespace keyledger::eventstore::detail {
namespace {

bool has_nul(std::string_view text) {
    return text.find('\0') != std::string_view::npos;
}

bool too_long(std::initializer_list<std::string_view> texts) {
    return std::any_of(texts.begin(), texts.end(),
                       [](std::string_view text) { return text.size() > kMaxTextBytes; });
}

// The first rule `event` breaks, in plain words; empty if none.
std::string event_problem(const NewEvent& event) {
    if (!is_valid_name(event.stream)) {
        return "its stream name is empty or contains a NUL byte";
    }
    if (event.type.empty() || has_nul(event.type)) {
        return "its type is empty or contains a NUL byte";
    }
    if (has_nul(event.actor) || has_nul(event.correlation_id)) {
        return "its actor or correlation id contains a NUL byte";
    }
    if (too_long({event.stream, event.type, event.actor, event.correlation_id})) {
        return fmt::format("one of its text fields is longer than {} bytes", kMaxTextBytes);
    }
    if (event.expected_version == std::numeric_limits<std::uint64_t>::max()) {
        return "its expected version leaves no room for another version";
    }
    if (event.payload.size() > kMaxPayloadBytes) {
        return fmt::format("its payload has {} bytes, more than the {} allowed",
                           event.payload.size(), kMaxPayloadBytes);
    }
    for (const std::string& id : event.related) {
        if (std::string problem = related_id_problem(id); !problem.empty()) {
            return problem;
        }
    }
    return {};
}

std::string delivery_problem(const NewDelivery& delivery) {
    if (!is_valid_name(delivery.webhook_id)) {
        return "its webhook id is empty or contains a NUL byte";
    }
    if (has_nul(delivery.call_id) || has_nul(delivery.content_type)) {
        return "its call id or content type contains a NUL byte";
    }
    if (too_long({delivery.webhook_id, delivery.call_id, delivery.content_type})) {
        return fmt::format("one of its text fields is longer than {} bytes", kMaxTextBytes);
    }
    if (delivery.body.size() > kMaxPayloadBytes) {
        return fmt::format("its body has {} bytes, more than the {} allowed", delivery.body.size(),
                           kMaxPayloadBytes);
    }
    return {};
}

}  // namespace

std::string related_id_problem(std::string_view id) {
    if (!is_valid_name(id)) {
        return "a related id is empty or contains a NUL byte";
    }
    if (id.size() > kMaxTextBytes) {
        return fmt::format("a related id is longer than {} bytes", kMaxTextBytes);
    }
    return {};
}

Result<void> validate_batch(const AppendBatch& batch) {
    for (std::size_t i = 0; i < batch.events.size(); ++i) {
        if (std::string problem = event_problem(batch.events[i]); !problem.empty()) {
            return fail(
                ErrorCode::invalid_argument,
                fmt::format("event {} of the batch cannot be appended: {}", i + 1, problem));
        }
    }
    for (std::size_t i = 0; i < batch.deliveries.size(); ++i) {
        if (std::string problem = delivery_problem(batch.deliveries[i]); !problem.empty()) {
            return fail(
                ErrorCode::invalid_argument,
                fmt::format("delivery {} of the batch cannot be stored: {}", i + 1, problem));
        }
    }
    return {};
}

Result<void> validate_meta_key(std::string_view key) {
    if (key.empty()) {
        return fail(ErrorCode::invalid_argument, "a meta key cannot be empty");
    }
    if (key == kFormatKey || key == kHeadKey || key == kDeliveriesPrunedBeforeKey) {
        return fail(ErrorCode::invalid_argument,
                    fmt::format("the meta key '{}' belongs to the store itself", key));
    }
    return {};
}

}  // namespace keyledger::eventstore::detail
