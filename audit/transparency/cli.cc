// `keyledger audit checkpoint|prove|consistency`: signed checkpoints and Merkle proofs of a
// store's log, beside a running server (a RocksDB secondary instance).
//
// Exit codes: 0 done; 1 refused or failed (one line on stderr: no store, no checkpoint key, a
// log that disagrees with a checkpoint, a position outside the log); 2 flags that do not go
// together.

#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "audit/transparency/checkpoint_check.h"
#include "audit/transparency/file_io.h"
#include "audit/transparency/keys.h"
#include "audit/transparency/log_proofs.h"

namespace keyledger::app {
namespace {

namespace fs = std::filesystem;
namespace tr = transparency;

struct Common {
    fs::path data_dir = "data";
    std::string format = "human";
};

void add_common(CLI::App& command, Common& common) {
    command.add_option("--data-dir", common.data_dir, "the data directory")->capture_default_str();
    command.add_option("--format", common.format, "human or json")
        ->check(CLI::IsMember({"human", "json"}))
        ->capture_default_str();
}

// The store as a secondary instance. The newest stored checkpoint is listed first, so that it
// covers nothing the open cannot see (see tr::ProofSource).
struct OpenedStore {
    std::unique_ptr<eventstore::EventStore> store;
    std::optional<fs::path> newest_stored;
    tr::ProofSource source(const fs::path& data_dir) const {
        return {*store, data_dir, newest_stored};
    }
};

std::expected<OpenedStore, std::string> open_store(const fs::path& data_dir) {
    const auto newest_stored = tr::latest_checkpoint(data_dir);
    std::error_code ec;
    if (!fs::exists(data_dir / "store", ec)) {
        return std::unexpected(
            data_dir.string() +
            " is not a keyledger data directory (no store/; run keyledger init)");
    }
    auto store = eventstore::open_rocksdb_store(data_dir / "store", {.secondary = true});
    if (!store) {
        return std::unexpected("cannot open the store in " + data_dir.string() + ": " +
                               store.error().message);
    }
    return OpenedStore{std::move(*store), newest_stored};
}

int fail(std::string_view command, const std::string& message) {
    std::cerr << "keyledger audit " << command << ": " << message << "\n";
    return 1;
}

// Writes the proof file if asked; prints it (json) or a summary (human).
int emit(std::string_view command, const Common& common, const std::string& json,
         const std::optional<fs::path>& output, const std::string& summary) {
    if (output) {
        if (auto written = tr::write_file_atomically(*output, json, 0644); !written) {
            return fail(command, written.error());
        }
    }
    if (common.format == "json") {
        std::cout << json;
    } else {
        std::cout << summary << "\n";
        std::cout << (output ? "proof written to " + output->string()
                             : std::string("(--output FILE or --format json keeps the proof)"))
                  << "\n";
    }
    return 0;
}

int run_checkpoint(const Common& common) {
    auto store = open_store(common.data_dir);
    if (!store) {
        return fail("checkpoint", store.error());
    }
    auto head = tr::current_checkpoint(store->source(common.data_dir));
    if (!head) {
        return fail("checkpoint", head.error());
    }
    if (common.format == "json") {
        std::cout << nlohmann::json{{"origin", head->checkpoint.origin},
                                    {"tree_size", head->checkpoint.size},
                                    {"root", tr::to_hex(head->checkpoint.root)},
                                    {"checkpoint", head->text}}
                         .dump()
                  << "\n";
    } else {
        std::cout << head->text;  // exactly the signed text, so that `> file` keeps it
    }
    return 0;
}

int run_prove(const Common& common, std::uint64_t position,
              const std::optional<fs::path>& checkpoint, const std::optional<fs::path>& output) {
    auto store = open_store(common.data_dir);
    if (!store) {
        return fail("prove", store.error());
    }
    auto proof = tr::prove_inclusion(store->source(common.data_dir), position, checkpoint);
    if (!proof) {
        return fail("prove", proof.error());
    }
    return emit("prove", common, tr::to_json(*proof), output,
                "event " + std::to_string(proof->position) + " (hash " +
                    tr::to_hex(proof->event_hash) + ") is in the " +
                    std::to_string(proof->tree_size) + "-event log; inclusion path of " +
                    std::to_string(proof->path.size()) + " hashes");
}

int run_consistency(const Common& common, const fs::path& from, const std::optional<fs::path>& to,
                    const std::optional<fs::path>& output) {
    auto store = open_store(common.data_dir);
    if (!store) {
        return fail("consistency", store.error());
    }
    auto proof = tr::prove_consistency(store->source(common.data_dir), from, to);
    if (!proof) {
        return fail("consistency", proof.error());
    }
    return emit("consistency", common, tr::to_json(*proof), output,
                "the " + std::to_string(proof->old_size) + "-event log of " + from.string() +
                    " is a prefix of the " + std::to_string(proof->new_size) +
                    "-event log; consistency path of " + std::to_string(proof->path.size()) +
                    " hashes");
}

}  // namespace

std::vector<Command> add_audit_proof_commands(CLI::App& audit) {
    // The parser writes into these when main() parses; they live as long as the process.
    static Common common;
    static std::uint64_t position = 0;
    static std::string checkpoint, output, from, to;

    auto* checkpoint_cmd = audit.add_subcommand(
        "checkpoint", "print the store's current signed checkpoint (tree size and Merkle root)");
    add_common(*checkpoint_cmd, common);

    auto* prove = audit.add_subcommand("prove", "inclusion proof of one event in the log");
    add_common(*prove, common);
    prove->add_option("--position", position, "the event's position (from 1)")
        ->required()
        ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{UINT64_MAX}));
    prove->add_option("--checkpoint", checkpoint,
                      "prove against this checkpoint (default: a fresh one of the whole log)");
    prove->add_option("--output", output, "write the proof file (JSON) here");

    auto* consistency = audit.add_subcommand(
        "consistency", "proof that an old checkpoint's history is a prefix of today's");
    add_common(*consistency, common);
    consistency->add_option("--from", from, "the old checkpoint file")->required();
    consistency->add_option("--to", to,
                            "the newer checkpoint (default: a fresh one of the whole log)");
    consistency->add_option("--output", output, "write the proof file (JSON) here");

    auto optional_path = [](const std::string& text) {
        return text.empty() ? std::nullopt : std::optional<fs::path>(text);
    };
    return {
        {checkpoint_cmd, [] { return run_checkpoint(common); }},
        {prove,
         [=] {
             return run_prove(common, position, optional_path(checkpoint), optional_path(output));
         }},
        {consistency,
         [=] { return run_consistency(common, from, optional_path(to), optional_path(output)); }},
    };
}

}  // namespace keyledger::app
