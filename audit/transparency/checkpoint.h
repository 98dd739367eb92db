#pragma once
// Signed checkpoints: a store's tree size and Merkle root, signed with Ed25519.
//
// The text of a checkpoint (the shape of C2SP's tlog-checkpoint in a signed note):
//
//   <origin>\n                  the store, "keyledger/kls_..."
//   <tree size>\n               decimal, no leading zeros
//   <root>\n                    base64 (RFC 4648, padded) of the 32-byte RFC 9162 root
//   \n
//   — <key name> <signature>\n  U+2014, a space, the key's name, a space, then base64 of the
//                               4-byte key id followed by the 64-byte Ed25519 signature of the
//                               three body lines above (with their newlines)
//
// The public key is one line, "<name>+<key id, 8 hex digits>+<base64 of 0x01 || 32-byte key>",
// where the key id is the first 4 bytes of SHA-256(name || "\n" || 0x01 || key). The key's name
// is the store's origin.
//
// Link keyledger_transparency_core (libsodium, no store).

#include <array>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "audit/transparency/merkle.h"

namespace keyledger::transparency {

struct Checkpoint {
    std::string origin;
    std::uint64_t size = 0;
    Hash root{};
    bool operator==(const Checkpoint&) const = default;
};

// The three signed lines.
[[nodiscard]] std::string checkpoint_body(const Checkpoint& checkpoint);

using KeyId = std::array<std::uint8_t, 4>;

struct PublicKey {
    std::string name;
    std::array<std::uint8_t, 32> key{};
    [[nodiscard]] KeyId id() const;
};

// The one-line text of a public key (with its newline), and back. Parsing refuses a key id that
// does not match the name and key, so a renamed key is caught.
[[nodiscard]] std::string format_public_key(const PublicKey& key);
[[nodiscard]] std::expected<PublicKey, std::string> parse_public_key(std::string_view text);

// A checkpoint text taken apart, its signatures not yet checked.
struct SignedCheckpoint {
    Checkpoint checkpoint;
    std::string body;  // the bytes the signatures cover
    struct Signature {
        std::string key_name;
        KeyId key_id{};
        std::array<std::uint8_t, 64> signature{};
    };
    std::vector<Signature> signatures;
};

// Refuses anything that is not exactly the format above: an error names what is wrong.
[[nodiscard]] std::expected<SignedCheckpoint, std::string> parse_checkpoint(std::string_view text);

// True if one of the checkpoint's signatures is by `key` (same name and id) and verifies.
[[nodiscard]] bool signature_is_valid(const SignedCheckpoint& checkpoint, const PublicKey& key);

// Parses `text` and checks it is signed by `key` and names the key's origin; the error says
// which of these failed.
[[nodiscard]] std::expected<Checkpoint, std::string> open_checkpoint(std::string_view text,
                                                                     const PublicKey& key);

// Holds an Ed25519 private key (wiped on destruction) and signs checkpoints with it.
class CheckpointSigner {
  public:
    static constexpr std::size_t kSeedBytes = 32;
    // The key pair derived from a 32-byte seed, named `name` (the store's origin).
    [[nodiscard]] static std::expected<CheckpointSigner, std::string> from_seed(
        std::string name, std::string_view seed);

    CheckpointSigner(CheckpointSigner&& other) noexcept;
    CheckpointSigner& operator=(CheckpointSigner&&) = delete;
    CheckpointSigner(const CheckpointSigner&) = delete;
    CheckpointSigner& operator=(const CheckpointSigner&) = delete;
    ~CheckpointSigner();

    [[nodiscard]] const PublicKey& public_key() const { return public_key_; }
    // The full signed text of `checkpoint`, whose origin must be the key's name.
    [[nodiscard]] std::string sign(const Checkpoint& checkpoint) const;

  private:
    CheckpointSigner() = default;
    PublicKey public_key_;
    std::array<std::uint8_t, 64> secret_key_{};
};

// Reads a whole small text file (a key or a checkpoint); the error names the path.
[[nodiscard]] std::expected<std::string, std::string> read_text_file(
    const std::filesystem::path& path);

}  // namespace keyledger::transparency
