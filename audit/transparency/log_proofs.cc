#include "audit/transparency/log_proofs.h"

#include "audit/transparency/checkpoint_check.h"
#include "audit/transparency/checkpoint_dir.h"
#include "audit/transparency/keys.h"
#include "audit/transparency/log_reader.h"
#include "audit/transparency/merkle_tree.h"

namespace keyledger::transparency {
namespace {

namespace fs = std::filesystem;

// The store's key pair and its whole log as a tree, checked against the newest stored
// checkpoint: what every command starts from.
struct Context {
    CheckpointSigner signer;
    MerkleTree tree;
};

std::string disagreement(const Checkpoint& checkpoint, const fs::path& file,
                         const MerkleTree& tree) {
    if (checkpoint.size > tree.size()) {
        return "log truncated: checkpoint " + file.string() + " covers " +
               std::to_string(checkpoint.size) + " events, log has " + std::to_string(tree.size());
    }
    return "the log's first " + std::to_string(checkpoint.size) +
           " events do not match the checkpoint " + file.string() +
           ": history was rewritten since it was signed";
}

bool matches(const Checkpoint& checkpoint, const MerkleTree& tree) {
    return checkpoint.size <= tree.size() && tree.root(checkpoint.size) == checkpoint.root;
}

std::expected<Checkpoint, std::string> open_checkpoint_file(const fs::path& file,
                                                            const PublicKey& key) {
    auto text = read_text_file(file);
    if (!text) {
        return std::unexpected(text.error());
    }
    auto checkpoint = open_checkpoint(*text, key);
    if (!checkpoint) {
        return std::unexpected(file.string() + ": " + checkpoint.error());
    }
    return checkpoint;
}

std::expected<Context, std::string> open_context(const ProofSource& source) {
    auto signer = load_checkpoint_signer(source.data_dir);
    if (!signer) {
        return std::unexpected(signer.error());
    }
    auto tree = read_log_tree(source.store);
    if (!tree) {
        return std::unexpected("cannot read the log: " + tree.error().message);
    }
    if (const auto& newest = source.newest_stored) {
        auto checkpoint = open_checkpoint_file(*newest, signer->public_key());
        if (!checkpoint) {
            return std::unexpected("the newest stored checkpoint cannot be checked: " +
                                   checkpoint.error());
        }
        if (!matches(*checkpoint, *tree)) {
            return std::unexpected("refusing to sign: " +
                                   disagreement(*checkpoint, *newest, *tree));
        }
    }
    return Context{std::move(*signer), std::move(*tree)};
}

SignedTreeHead sign_head(const Context& context) {
    const Checkpoint checkpoint{context.signer.public_key().name, context.tree.size(),
                                context.tree.root()};
    return {checkpoint, context.signer.sign(checkpoint)};
}

// A checkpoint given on the command line, signed by this store's key and matched by its log.
std::expected<SignedTreeHead, std::string> given_head(const Context& context,
                                                      const fs::path& file) {
    auto checkpoint = open_checkpoint_file(file, context.signer.public_key());
    if (!checkpoint) {
        return std::unexpected(checkpoint.error());
    }
    if (!matches(*checkpoint, context.tree)) {
        return std::unexpected(disagreement(*checkpoint, file, context.tree));
    }
    auto text = read_text_file(file);
    return SignedTreeHead{*checkpoint, *text};
}

}  // namespace

ProofSource stopped_store_source(const eventstore::EventStore& store, const fs::path& data_dir) {
    return {store, data_dir, latest_checkpoint(data_dir)};
}

std::expected<SignedTreeHead, std::string> current_checkpoint(const ProofSource& source) {
    auto context = open_context(source);
    if (!context) {
        return std::unexpected(context.error());
    }
    return sign_head(*context);
}

std::expected<InclusionProof, std::string> prove_inclusion(
    const ProofSource& source, std::uint64_t position,
    const std::optional<fs::path>& checkpoint_file) {
    auto context = open_context(source);
    if (!context) {
        return std::unexpected(context.error());
    }
    auto head = checkpoint_file ? given_head(*context, *checkpoint_file) : sign_head(*context);
    if (!head) {
        return std::unexpected(head.error());
    }
    if (position == 0 || position > head->checkpoint.size) {
        return std::unexpected("position " + std::to_string(position) + " is not in the " +
                               std::to_string(head->checkpoint.size) +
                               "-event log of the checkpoint (positions start at 1)");
    }
    auto event = source.store.read_at(position);
    if (!event) {
        return std::unexpected("cannot read event " + std::to_string(position) + ": " +
                               event.error().message);
    }
    InclusionProof proof;
    proof.position = position;
    proof.event_hash = event->hash;
    proof.tree_size = head->checkpoint.size;
    proof.path = context->tree.inclusion_proof(position - 1, head->checkpoint.size);
    proof.checkpoint = head->text;
    return proof;
}

std::expected<ConsistencyProof, std::string> prove_consistency(
    const ProofSource& source, const fs::path& from_file, const std::optional<fs::path>& to_file) {
    auto context = open_context(source);
    if (!context) {
        return std::unexpected(context.error());
    }
    auto old_head = given_head(*context, from_file);
    if (!old_head) {
        return std::unexpected(old_head.error());
    }
    auto new_head = to_file ? given_head(*context, *to_file) : sign_head(*context);
    if (!new_head) {
        return std::unexpected(new_head.error());
    }
    if (old_head->checkpoint.size > new_head->checkpoint.size) {
        return std::unexpected("--from covers " + std::to_string(old_head->checkpoint.size) +
                               " events, more than --to's " +
                               std::to_string(new_head->checkpoint.size));
    }
    ConsistencyProof proof;
    proof.old_size = old_head->checkpoint.size;
    proof.new_size = new_head->checkpoint.size;
    proof.path = context->tree.consistency_proof(proof.old_size, proof.new_size);
    proof.old_checkpoint = old_head->text;
    proof.new_checkpoint = new_head->text;
    return proof;
}

}  // namespace keyledger::transparency
