// keyledger-verify: checks a keyledger checkpoint, inclusion proof or consistency proof with
// nothing but the files and the store's public key (docs/PROOFS.md).
//
// Exit codes: 0 valid; 1 invalid (the message says why); 2 usage (bad flags, a file that cannot
// be read, a public key file that is not one).

#include <iostream>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "audit/transparency/checkpoint.h"
#include "audit/transparency/merkle.h"
#include "audit/transparency/proof_file.h"

namespace {

namespace tr = keyledger::transparency;

constexpr int kValid = 0;
constexpr int kInvalid = 1;
constexpr int kUsage = 2;

struct Inputs {
    std::string public_key;
    std::string format = "human";
};

int usage(const std::string& message) {
    std::cerr << "keyledger-verify: " << message << "\n";
    return kUsage;
}

int report(const Inputs& inputs, std::string_view kind, const tr::Verification& result) {
    if (inputs.format == "json") {
        std::cout << nlohmann::json{{"kind", kind},
                                    {"valid", result.valid},
                                    {"message", result.message}}
                         .dump()
                  << "\n";
    } else {
        std::cout << (result.valid ? "valid: " : "INVALID: ") << result.message << "\n";
    }
    return result.valid ? kValid : kInvalid;
}

// A file the user named: unreadable is a usage error.
std::optional<std::string> read_or_report(const std::string& path, int& exit_code) {
    auto text = tr::read_text_file(path);
    if (!text) {
        exit_code = usage(text.error());
        return std::nullopt;
    }
    return *text;
}

std::optional<tr::PublicKey> load_key(const Inputs& inputs, int& exit_code) {
    auto text = read_or_report(inputs.public_key, exit_code);
    if (!text) {
        return std::nullopt;
    }
    auto key = tr::parse_public_key(*text);
    if (!key) {
        exit_code = usage(inputs.public_key + ": " + key.error());
        return std::nullopt;
    }
    return *key;
}

int verify_checkpoint(const Inputs& inputs, const std::string& checkpoint_file) {
    int exit_code = kUsage;
    auto key = load_key(inputs, exit_code);
    auto text = key ? read_or_report(checkpoint_file, exit_code) : std::nullopt;
    if (!text) {
        return exit_code;
    }
    auto checkpoint = tr::open_checkpoint(*text, *key);
    if (!checkpoint) {
        return report(inputs, "checkpoint", {false, checkpoint.error()});
    }
    return report(inputs, "checkpoint",
                  {true, "signed by " + key->name + ": " + std::to_string(checkpoint->size) +
                             " events, Merkle root " + tr::to_hex(checkpoint->root)});
}

int verify_inclusion(const Inputs& inputs, const std::string& proof_file,
                     const std::string& checkpoint_file, const std::string& event_hash) {
    int exit_code = kUsage;
    std::optional<tr::Hash> expected;
    if (!event_hash.empty()) {
        tr::Hash hash{};
        if (!tr::from_hex(event_hash, hash)) {
            return usage("--event-hash must be 64 lower-case hex digits");
        }
        expected = hash;
    }
    auto key = load_key(inputs, exit_code);
    auto text = key ? read_or_report(proof_file, exit_code) : std::nullopt;
    if (!text) {
        return exit_code;
    }
    std::optional<std::string> trusted;
    if (!checkpoint_file.empty() && !(trusted = read_or_report(checkpoint_file, exit_code))) {
        return exit_code;
    }
    auto proof = tr::parse_inclusion_proof(*text);
    if (!proof) {
        return report(inputs, "inclusion", {false, proof_file + ": " + proof.error()});
    }
    return report(inputs, "inclusion", tr::verify_inclusion_proof(*proof, *key, trusted, expected));
}

int verify_consistency(const Inputs& inputs, const std::string& proof_file,
                       const std::string& old_file, const std::string& new_file) {
    int exit_code = kUsage;
    auto key = load_key(inputs, exit_code);
    auto text = key ? read_or_report(proof_file, exit_code) : std::nullopt;
    if (!text) {
        return exit_code;
    }
    std::optional<std::string> trusted_old;
    std::optional<std::string> trusted_new;
    if (!old_file.empty() && !(trusted_old = read_or_report(old_file, exit_code))) {
        return exit_code;
    }
    if (!new_file.empty() && !(trusted_new = read_or_report(new_file, exit_code))) {
        return exit_code;
    }
    auto proof = tr::parse_consistency_proof(*text);
    if (!proof) {
        return report(inputs, "consistency", {false, proof_file + ": " + proof.error()});
    }
    return report(inputs, "consistency",
                  tr::verify_consistency_proof(*proof, *key, trusted_old, trusted_new));
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App cli{
        "keyledger-verify: check a keyledger checkpoint or proof with nothing but it and the "
        "store's public key (exit 0 valid, 1 invalid, 2 usage)"};
    cli.require_subcommand(1);
    Inputs inputs;
    std::string checkpoint_file, proof_file, event_hash, old_file, new_file;

    auto add_common = [&](CLI::App* command) {
        command
            ->add_option("--public-key", inputs.public_key,
                         "the store's checkpoint.pub (a copy kept away from the store)")
            ->required();
        command->add_option("--format", inputs.format, "human or json")
            ->check(CLI::IsMember({"human", "json"}))
            ->capture_default_str();
    };
    auto* checkpoint = cli.add_subcommand("checkpoint", "check a checkpoint's signature");
    add_common(checkpoint);
    checkpoint->add_option("--checkpoint", checkpoint_file, "the checkpoint file")->required();

    auto* inclusion =
        cli.add_subcommand("inclusion", "check that an event is in a checkpoint's log");
    add_common(inclusion);
    inclusion->add_option("--proof", proof_file, "the proof file (audit prove)")->required();
    inclusion->add_option("--checkpoint", checkpoint_file,
                          "check against this checkpoint, kept by you, instead of the proof's");
    inclusion->add_option("--event-hash", event_hash, "require the proven event to have this hash");

    auto* consistency = cli.add_subcommand(
        "consistency", "check that an old checkpoint's log is a prefix of a newer one's");
    add_common(consistency);
    consistency->add_option("--proof", proof_file, "the proof file (audit consistency)")
        ->required();
    consistency->add_option("--old", old_file,
                            "the old checkpoint, kept by you, instead of the proof's");
    consistency->add_option("--new", new_file, "the new checkpoint instead of the proof's");

    try {
        cli.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = cli.exit(e);
        return code == 0 ? kValid : kUsage;
    }
    if (*checkpoint) {
        return verify_checkpoint(inputs, checkpoint_file);
    }
    if (*inclusion) {
        return verify_inclusion(inputs, proof_file, checkpoint_file, event_hash);
    }
    return verify_consistency(inputs, proof_file, old_file, new_file);
}
