#include "audit/transparency/checkpoint_check.h"

#include <algorithm>

#include "audit/transparency/checkpoint.h"
#include "audit/transparency/checkpoint_dir.h"
#include "audit/transparency/keys.h"
#include "audit/transparency/log_reader.h"

namespace keyledger::transparency {
namespace {

namespace fs = std::filesystem;

std::string truncated(std::uint64_t covered, std::uint64_t has) {
    return "log truncated: checkpoint covers " + std::to_string(covered) + " events, log has " +
           std::to_string(has);
}

// Narrows down a rewrite with the other checkpoints beside the one checked (the checkpoint
// directory, or an auditor's collection): a prefix whose root still matches a checkpoint is
// intact, one whose root does not holds a changed event. Sets the verdict's position when the
// range is one event wide and adds the range to its reason otherwise.
void locate_rewrite(const MerkleTree& tree, const fs::path& checked, const PublicKey& key,
                    CheckpointVerdict& verdict) {
    std::uint64_t intact = 0;
    std::uint64_t changed = verdict.checkpoint_size;
    std::vector<std::pair<std::uint64_t, bool>> seen;
    for (const fs::path& path : list_checkpoints(checked.parent_path())) {
        auto text = read_text_file(path);
        if (!text) {
            continue;
        }
        auto opened = open_checkpoint(*text, key);
        if (!opened || opened->size == 0 || opened->size > tree.size()) {
            continue;
        }
        seen.emplace_back(opened->size, tree.root(opened->size) == opened->root);
    }
    for (const auto& [size, matches] : seen) {
        if (!matches) {
            changed = std::min(changed, size);
        }
    }
    for (const auto& [size, matches] : seen) {
        if (matches && size < changed) {
            intact = std::max(intact, size);
        }
    }
    if (changed == intact + 1) {
        verdict.first_bad_position = changed;
        verdict.reason += "; the first changed event is at position " + std::to_string(changed);
    } else {
        verdict.reason += "; the first changed event is between positions " +
                          std::to_string(intact + 1) + " and " + std::to_string(changed);
    }
}

}  // namespace

std::expected<CheckpointVerdict, std::string> check_log_against_checkpoint(
    const eventstore::EventStore& store, const fs::path& checkpoint_file,
    const fs::path& public_key_file) {
    auto key = load_public_key(public_key_file);
    if (!key) {
        return std::unexpected(key.error());
    }
    auto text = read_text_file(checkpoint_file);
    if (!text) {
        return std::unexpected(text.error());
    }
    auto parsed = parse_checkpoint(*text);
    if (!parsed) {
        return std::unexpected(checkpoint_file.string() + ": " + parsed.error());
    }
    const Checkpoint& checkpoint = parsed->checkpoint;
    CheckpointVerdict verdict;
    verdict.origin = checkpoint.origin;
    verdict.checkpoint_size = checkpoint.size;
    verdict.log_size = store.head_position();

    if (!signature_is_valid(*parsed, *key)) {
        verdict.reason = "the checkpoint " + checkpoint_file.string() +
                         " is not signed by the key in " + public_key_file.string() +
                         " (altered, or another store's)";
        return verdict;
    }
    if (checkpoint.origin != key->name) {
        verdict.reason = "the checkpoint names the store " + checkpoint.origin +
                         ", the key belongs to " + key->name;
        return verdict;
    }
    if (verdict.log_size < checkpoint.size) {
        verdict.first_bad_position = verdict.log_size + 1;
        verdict.reason = truncated(checkpoint.size, verdict.log_size);
        return verdict;
    }
    auto tree = read_log_tree(store, checkpoint.size);
    if (!tree) {
        verdict.first_bad_position = tree.error().position;
        verdict.reason = "the log cannot be read up to the checkpoint's " +
                         std::to_string(checkpoint.size) + " events: " + tree.error().message;
        return verdict;
    }
    if (tree->size() < checkpoint.size) {
        verdict.first_bad_position = tree->size() + 1;
        verdict.reason = truncated(checkpoint.size, tree->size());
        return verdict;
    }
    const Hash root = tree->root(checkpoint.size);
    if (root != checkpoint.root) {
        verdict.reason = "the log's first " + std::to_string(checkpoint.size) +
                         " events do not match the checkpoint " + checkpoint_file.string() +
                         " (Merkle root " + to_hex(root) + ", the checkpoint signs " +
                         to_hex(checkpoint.root) + "): history was rewritten";
        locate_rewrite(*tree, checkpoint_file, *key, verdict);
        return verdict;
    }
    verdict.ok = true;
    return verdict;
}

}  // namespace keyledger::transparency
