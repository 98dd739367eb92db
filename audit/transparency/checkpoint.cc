#include "audit/transparency/checkpoint.h"

#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "security/sha256.h"

namespace keyledger::transparency {
namespace {

constexpr std::string_view kSignaturePrefix = "\xE2\x80\x94 ";  // U+2014 and a space
constexpr std::uint8_t kEd25519Type = 0x01;
// A checkpoint or key is a few hundred bytes; anything far bigger is not one.
constexpr std::size_t kMaxTextBytes = 64 * 1024;

void ensure_sodium() {
    if (sodium_init() < 0) {
        throw std::runtime_error("libsodium could not initialise");
    }
}

std::string base64_encode(const std::uint8_t* bytes, std::size_t size) {
    std::string out(sodium_base64_ENCODED_LEN(size, sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(out.data(), out.size(), bytes, size, sodium_base64_VARIANT_ORIGINAL);
    out.resize(out.size() - 1);  // the terminating NUL
    return out;
}

// Exactly `size` bytes from their one canonical padded base64 spelling.
bool base64_decode_exact(std::string_view text, std::uint8_t* out, std::size_t size) {
    std::size_t decoded = 0;
    const char* end = nullptr;
    if (sodium_base642bin(out, size, text.data(), text.size(), nullptr, &decoded, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != text.data() + text.size() || decoded != size) {
        return false;
    }
    return base64_encode(out, size) == text;
}

// Origins and key names: printable ASCII, no space and no "+" (the key line's separator).
bool is_valid_name(std::string_view name) {
    if (name.empty() || name.size() > 256) {
        return false;
    }
    for (char c : name) {
        if (c <= ' ' || c > '~' || c == '+') {
            return false;
        }
    }
    return true;
}

bool parse_size(std::string_view text, std::uint64_t& out) {
    if (text.empty() || (text.size() > 1 && text[0] == '0')) {
        return false;
    }
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
    return error == std::errc() && end == text.data() + text.size();
}

// Splits `text` into lines that each end with "\n"; false if the last one does not.
bool split_lines(std::string_view text, std::vector<std::string_view>& lines) {
    while (!text.empty()) {
        const std::size_t newline = text.find('\n');
        if (newline == std::string_view::npos) {
            return false;
        }
        lines.push_back(text.substr(0, newline));
        text.remove_prefix(newline + 1);
    }
    return true;
}

std::string hex(const KeyId& id) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string text;
    for (std::uint8_t byte : id) {
        text.push_back(kDigits[byte >> 4]);
        text.push_back(kDigits[byte & 0xf]);
    }
    return text;
}

}  // namespace

std::string checkpoint_body(const Checkpoint& checkpoint) {
    return checkpoint.origin + "\n" + std::to_string(checkpoint.size) + "\n" +
           base64_encode(checkpoint.root.data(), checkpoint.root.size()) + "\n";
}

KeyId PublicKey::id() const {
    std::string input = name;
    input.push_back('\n');
    input.push_back(static_cast<char>(kEd25519Type));
    input.append(reinterpret_cast<const char*>(key.data()), key.size());
    const security::Digest digest = security::sha256(input);
    KeyId id{};
    std::copy_n(digest.begin(), id.size(), id.begin());
    return id;
}

std::string format_public_key(const PublicKey& key) {
    std::array<std::uint8_t, 33> typed{};
    typed[0] = kEd25519Type;
    std::copy(key.key.begin(), key.key.end(), typed.begin() + 1);
    return key.name + "+" + hex(key.id()) + "+" + base64_encode(typed.data(), typed.size()) + "\n";
}

std::expected<PublicKey, std::string> parse_public_key(std::string_view text) {
    if (text.ends_with('\n')) {
        text.remove_suffix(1);
    }
    const std::size_t first = text.find('+');
    const std::size_t second = first == std::string_view::npos ? first : text.find('+', first + 1);
    if (second == std::string_view::npos) {
        return std::unexpected("not a public key: expected one line NAME+KEYID+BASE64KEY");
    }
    PublicKey key;
    key.name = std::string(text.substr(0, first));
    if (!is_valid_name(key.name)) {
        return std::unexpected("not a public key: the name is empty or has spaces or '+'");
    }
    std::array<std::uint8_t, 33> typed{};
    if (!base64_decode_exact(text.substr(second + 1), typed.data(), typed.size()) ||
        typed[0] != kEd25519Type) {
        return std::unexpected("not a public key: the key is not base64 of an Ed25519 key");
    }
    std::copy(typed.begin() + 1, typed.end(), key.key.begin());
    if (text.substr(first + 1, second - first - 1) != hex(key.id())) {
        return std::unexpected("not a public key: its key id does not match its name and key");
    }
    return key;
}

std::expected<SignedCheckpoint, std::string> parse_checkpoint(std::string_view text) {
    if (text.size() > kMaxTextBytes) {
        return std::unexpected("not a checkpoint: far too long");
    }
    const std::size_t blank = text.find("\n\n");
    if (blank == std::string_view::npos) {
        return std::unexpected("not a checkpoint: no blank line before the signatures");
    }
    SignedCheckpoint parsed;
    parsed.body = std::string(text.substr(0, blank + 1));
    std::vector<std::string_view> body;
    std::vector<std::string_view> signatures;
    if (!split_lines(parsed.body, body) || !split_lines(text.substr(blank + 2), signatures)) {
        return std::unexpected("not a checkpoint: the last line does not end with a newline");
    }
    if (body.size() != 3) {
        return std::unexpected(
            "not a checkpoint: expected 3 lines (origin, size, root) before "
            "the blank line, found " +
            std::to_string(body.size()));
    }
    parsed.checkpoint.origin = std::string(body[0]);
    if (!is_valid_name(parsed.checkpoint.origin)) {
        return std::unexpected("not a checkpoint: the origin line is empty or has spaces");
    }
    if (!parse_size(body[1], parsed.checkpoint.size)) {
        return std::unexpected("not a checkpoint: the tree size is not a decimal number");
    }
    if (!base64_decode_exact(body[2], parsed.checkpoint.root.data(),
                             parsed.checkpoint.root.size())) {
        return std::unexpected("not a checkpoint: the root is not base64 of 32 bytes");
    }
    if (signatures.empty()) {
        return std::unexpected("not a checkpoint: it has no signature");
    }
    for (std::string_view line : signatures) {
        if (!line.starts_with(kSignaturePrefix)) {
            return std::unexpected(
                "not a checkpoint: a signature line does not start with an em dash and a space");
        }
        line.remove_prefix(kSignaturePrefix.size());
        const std::size_t space = line.find(' ');
        if (space == std::string_view::npos || !is_valid_name(line.substr(0, space))) {
            return std::unexpected("not a checkpoint: a signature line has no key name");
        }
        std::array<std::uint8_t, 68> blob{};
        if (!base64_decode_exact(line.substr(space + 1), blob.data(), blob.size())) {
            return std::unexpected(
                "not a checkpoint: a signature is not base64 of a key id and an Ed25519 "
                "signature");
        }
        SignedCheckpoint::Signature signature;
        signature.key_name = std::string(line.substr(0, space));
        std::copy_n(blob.begin(), 4, signature.key_id.begin());
        std::copy(blob.begin() + 4, blob.end(), signature.signature.begin());
        parsed.signatures.push_back(std::move(signature));
    }
    return parsed;
}

bool signature_is_valid(const SignedCheckpoint& checkpoint, const PublicKey& key) {
    ensure_sodium();
    const KeyId id = key.id();
    for (const auto& signature : checkpoint.signatures) {
        if (signature.key_name == key.name && signature.key_id == id &&
            crypto_sign_verify_detached(
                signature.signature.data(),
                reinterpret_cast<const unsigned char*>(checkpoint.body.data()),
                checkpoint.body.size(), key.key.data()) == 0) {
            return true;
        }
    }
    return false;
}

std::expected<Checkpoint, std::string> open_checkpoint(std::string_view text,
                                                       const PublicKey& key) {
    auto parsed = parse_checkpoint(text);
    if (!parsed) {
        return std::unexpected(parsed.error());
    }
    if (!signature_is_valid(*parsed, key)) {
        return std::unexpected("the checkpoint's signature is not valid under the key " + key.name +
                               " (altered, or signed by another key)");
    }
    if (parsed->checkpoint.origin != key.name) {
        return std::unexpected("the checkpoint names the store " + parsed->checkpoint.origin +
                               ", the key is " + key.name + "'s");
    }
    return parsed->checkpoint;
}

std::expected<CheckpointSigner, std::string> CheckpointSigner::from_seed(std::string name,
                                                                         std::string_view seed) {
    ensure_sodium();
    if (!is_valid_name(name)) {
        return std::unexpected("a checkpoint key's name must be printable, without spaces or '+'");
    }
    if (seed.size() != kSeedBytes) {
        return std::unexpected("a checkpoint key is " + std::to_string(kSeedBytes) +
                               " bytes, this one " + std::to_string(seed.size()));
    }
    CheckpointSigner signer;
    signer.public_key_.name = std::move(name);
    crypto_sign_seed_keypair(signer.public_key_.key.data(), signer.secret_key_.data(),
                             reinterpret_cast<const unsigned char*>(seed.data()));
    return signer;
}

CheckpointSigner::CheckpointSigner(CheckpointSigner&& other) noexcept
    : public_key_(std::move(other.public_key_)), secret_key_(other.secret_key_) {
    sodium_memzero(other.secret_key_.data(), other.secret_key_.size());
}

CheckpointSigner::~CheckpointSigner() {
    sodium_memzero(secret_key_.data(), secret_key_.size());
}

std::string CheckpointSigner::sign(const Checkpoint& checkpoint) const {
    if (checkpoint.origin != public_key_.name) {
        throw std::logic_error("a checkpoint is signed only by its own store's key");
    }
    const std::string body = checkpoint_body(checkpoint);
    std::array<std::uint8_t, 68> blob{};
    const KeyId id = public_key_.id();
    std::copy(id.begin(), id.end(), blob.begin());
    crypto_sign_detached(blob.data() + 4, nullptr,
                         reinterpret_cast<const unsigned char*>(body.data()), body.size(),
                         secret_key_.data());
    return body + "\n" + std::string(kSignaturePrefix) + public_key_.name + " " +
           base64_encode(blob.data(), blob.size()) + "\n";
}

std::expected<std::string, std::string> read_text_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return std::unexpected("cannot read " + path.string());
    }
    std::string text;
    text.resize(kMaxTextBytes + 1);
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    if (in.bad()) {
        return std::unexpected("cannot read " + path.string());
    }
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxTextBytes) {
        return std::unexpected(path.string() + " is far too long for a key or a checkpoint");
    }
    return text;
}

}  // namespace keyledger::transparency
