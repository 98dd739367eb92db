#include "audit/transparency/proof_file.h"

#include <nlohmann/json.hpp>

namespace keyledger::transparency {
namespace {

using nlohmann::json;

json hashes_to_json(const std::vector<Hash>& hashes) {
    json array = json::array();
    for (const Hash& hash : hashes) {
        array.push_back(to_hex(hash));
    }
    return array;
}

// Field readers: each returns false (and names the field in `error`) when it is missing or of
// the wrong kind.
bool read_u64(const json& object, const char* field, std::uint64_t& out, std::string& error) {
    const auto it = object.find(field);
    if (it == object.end() || !it->is_number_unsigned()) {
        error = std::string("\"") + field + "\" is missing or not a non-negative integer";
        return false;
    }
    out = it->get<std::uint64_t>();
    return true;
}

bool read_string(const json& object, const char* field, std::string& out, std::string& error) {
    const auto it = object.find(field);
    if (it == object.end() || !it->is_string()) {
        error = std::string("\"") + field + "\" is missing or not a string";
        return false;
    }
    out = it->get<std::string>();
    return true;
}

bool read_hash(const json& object, const char* field, Hash& out, std::string& error) {
    std::string text;
    if (!read_string(object, field, text, error)) {
        return false;
    }
    if (!from_hex(text, out)) {
        error = std::string("\"") + field + "\" is not 64 lower-case hex digits";
        return false;
    }
    return true;
}

bool read_path(const json& object, std::vector<Hash>& out, std::string& error) {
    const auto it = object.find("path");
    // A path longer than 64 hashes cannot belong to a tree of at most 2^64 leaves.
    if (it == object.end() || !it->is_array() || it->size() > 128) {
        error = "\"path\" is missing or not an array of at most 128 hashes";
        return false;
    }
    for (const json& item : *it) {
        Hash hash{};
        if (!item.is_string() || !from_hex(item.get<std::string>(), hash)) {
            error = "\"path\" holds something that is not 64 lower-case hex digits";
            return false;
        }
        out.push_back(hash);
    }
    return true;
}

std::expected<json, std::string> parse_object(std::string_view text, std::string_view format) {
    json object = json::parse(text, nullptr, false);
    if (object.is_discarded() || !object.is_object()) {
        return std::unexpected("not a proof file: not a JSON object");
    }
    const auto it = object.find("format");
    if (it == object.end() || !it->is_string() || it->get<std::string>() != format) {
        return std::unexpected("not a proof file of format " + std::string(format));
    }
    return object;
}

// The checkpoint a proof is checked against: the trusted text if given, else the embedded one.
std::expected<Checkpoint, std::string> signed_checkpoint(const std::string& embedded,
                                                         const std::optional<std::string>& trusted,
                                                         const PublicKey& key,
                                                         std::string_view which) {
    auto checkpoint = open_checkpoint(trusted ? *trusted : embedded, key);
    if (!checkpoint) {
        return std::unexpected(std::string(which) + ": " + checkpoint.error());
    }
    return checkpoint;
}

}  // namespace

std::string to_json(const InclusionProof& proof) {
    const json object = {{"format", kInclusionFormat},
                         {"position", proof.position},
                         {"event_hash", to_hex(proof.event_hash)},
                         {"tree_size", proof.tree_size},
                         {"path", hashes_to_json(proof.path)},
                         {"checkpoint", proof.checkpoint}};
    return object.dump(2) + "\n";
}

std::string to_json(const ConsistencyProof& proof) {
    const json object = {{"format", kConsistencyFormat},
                         {"old_size", proof.old_size},
                         {"new_size", proof.new_size},
                         {"path", hashes_to_json(proof.path)},
                         {"old_checkpoint", proof.old_checkpoint},
                         {"new_checkpoint", proof.new_checkpoint}};
    return object.dump(2) + "\n";
}

std::expected<InclusionProof, std::string> parse_inclusion_proof(std::string_view text) {
    auto object = parse_object(text, kInclusionFormat);
    if (!object) {
        return std::unexpected(object.error());
    }
    InclusionProof proof;
    std::string error;
    if (!read_u64(*object, "position", proof.position, error) ||
        !read_hash(*object, "event_hash", proof.event_hash, error) ||
        !read_u64(*object, "tree_size", proof.tree_size, error) ||
        !read_path(*object, proof.path, error) ||
        !read_string(*object, "checkpoint", proof.checkpoint, error)) {
        return std::unexpected("malformed inclusion proof: " + error);
    }
    return proof;
}

std::expected<ConsistencyProof, std::string> parse_consistency_proof(std::string_view text) {
    auto object = parse_object(text, kConsistencyFormat);
    if (!object) {
        return std::unexpected(object.error());
    }
    ConsistencyProof proof;
    std::string error;
    if (!read_u64(*object, "old_size", proof.old_size, error) ||
        !read_u64(*object, "new_size", proof.new_size, error) ||
        !read_path(*object, proof.path, error) ||
        !read_string(*object, "old_checkpoint", proof.old_checkpoint, error) ||
        !read_string(*object, "new_checkpoint", proof.new_checkpoint, error)) {
        return std::unexpected("malformed consistency proof: " + error);
    }
    return proof;
}

Verification verify_inclusion_proof(const InclusionProof& proof, const PublicKey& key,
                                    const std::optional<std::string>& trusted,
                                    const std::optional<Hash>& expected_event_hash) {
    auto checkpoint = signed_checkpoint(proof.checkpoint, trusted, key, "checkpoint");
    if (!checkpoint) {
        return {false, checkpoint.error()};
    }
    if (proof.tree_size != checkpoint->size) {
        return {false, "the proof is for a tree of " + std::to_string(proof.tree_size) +
                           " events, the checkpoint covers " + std::to_string(checkpoint->size)};
    }
    if (proof.position == 0 || proof.position > proof.tree_size) {
        return {false, "position " + std::to_string(proof.position) + " is not in a tree of " +
                           std::to_string(proof.tree_size) + " events"};
    }
    if (expected_event_hash && *expected_event_hash != proof.event_hash) {
        return {false, "the proof is about event hash " + to_hex(proof.event_hash) + ", not " +
                           to_hex(*expected_event_hash)};
    }
    if (!verify_inclusion(proof.event_hash, proof.position - 1, proof.tree_size, proof.path,
                          checkpoint->root)) {
        return {false, "the inclusion path does not lead to the checkpoint's root: event " +
                           std::to_string(proof.position) + " with hash " +
                           to_hex(proof.event_hash) + " is not proven in " + checkpoint->origin};
    }
    return {true, "event " + std::to_string(proof.position) + " (hash " + to_hex(proof.event_hash) +
                      ") is in the " + std::to_string(checkpoint->size) + "-event log signed for " +
                      checkpoint->origin};
}

Verification verify_consistency_proof(const ConsistencyProof& proof, const PublicKey& key,
                                      const std::optional<std::string>& trusted_old,
                                      const std::optional<std::string>& trusted_new) {
    auto old_checkpoint =
        signed_checkpoint(proof.old_checkpoint, trusted_old, key, "old checkpoint");
    if (!old_checkpoint) {
        return {false, old_checkpoint.error()};
    }
    auto new_checkpoint =
        signed_checkpoint(proof.new_checkpoint, trusted_new, key, "new checkpoint");
    if (!new_checkpoint) {
        return {false, new_checkpoint.error()};
    }
    if (proof.old_size != old_checkpoint->size || proof.new_size != new_checkpoint->size) {
        return {false, "the proof is from " + std::to_string(proof.old_size) + " to " +
                           std::to_string(proof.new_size) + " events, the checkpoints cover " +
                           std::to_string(old_checkpoint->size) + " and " +
                           std::to_string(new_checkpoint->size)};
    }
    if (old_checkpoint->size > new_checkpoint->size) {
        return {false, "the old checkpoint covers more events (" +
                           std::to_string(old_checkpoint->size) + ") than the new one (" +
                           std::to_string(new_checkpoint->size) + "): the log was truncated"};
    }
    if (!verify_consistency(old_checkpoint->size, new_checkpoint->size, old_checkpoint->root,
                            new_checkpoint->root, proof.path)) {
        return {false, "the first " + std::to_string(old_checkpoint->size) +
                           " events of the new checkpoint's log are not the old checkpoint's: "
                           "history was rewritten (or the proof is damaged)"};
    }
    return {true, "the " + std::to_string(old_checkpoint->size) +
                      "-event log of the old checkpoint is a prefix of the " +
                      std::to_string(new_checkpoint->size) + "-event log of the new one (" +
                      new_checkpoint->origin + ")"};
}

}  // namespace keyledger::transparency
