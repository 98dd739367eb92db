#include "audit/transparency/keys.h"

#include <system_error>

#include "audit/transparency/file_io.h"
#include "security/key_file.h"

namespace keyledger::transparency {

namespace fs = std::filesystem;

fs::path checkpoint_key_path(const fs::path& data_dir) {
    return data_dir / "keys" / "checkpoint.key";
}

fs::path checkpoint_public_key_path(const fs::path& data_dir) {
    return data_dir / "keys" / "checkpoint.pub";
}

std::string store_origin(std::string_view store_id) {
    return "keyledger/" + std::string(store_id);
}

std::expected<PublicKey, std::string> create_checkpoint_key(const fs::path& data_dir,
                                                            const std::string& origin) {
    std::error_code ec;
    for (const fs::path& path :
         {checkpoint_key_path(data_dir), checkpoint_public_key_path(data_dir)}) {
        if (fs::exists(path, ec)) {
            return std::unexpected(path.string() +
                                   " already exists; refusing to replace a checkpoint key");
        }
    }
    auto seed = security::load_or_create_key(checkpoint_key_path(data_dir),
                                             CheckpointSigner::kSeedBytes, true);
    if (!seed) {
        return std::unexpected(seed.error());
    }
    auto signer = CheckpointSigner::from_seed(origin, *seed);
    if (!signer) {
        return std::unexpected(signer.error());
    }
    auto written = write_file_atomically(checkpoint_public_key_path(data_dir),
                                         format_public_key(signer->public_key()), 0644);
    if (!written) {
        return std::unexpected(written.error());
    }
    return signer->public_key();
}

std::expected<PublicKey, std::string> load_public_key(const fs::path& path) {
    auto text = read_text_file(path);
    if (!text) {
        return std::unexpected(text.error());
    }
    auto key = parse_public_key(*text);
    if (!key) {
        return std::unexpected(path.string() + ": " + key.error());
    }
    return key;
}

std::expected<CheckpointSigner, std::string> load_checkpoint_signer(const fs::path& data_dir) {
    std::error_code ec;
    if (!fs::exists(checkpoint_key_path(data_dir), ec) &&
        !fs::exists(checkpoint_public_key_path(data_dir), ec)) {
        return std::unexpected(
            "this store has no checkpoint key (" + checkpoint_key_path(data_dir).string() +
            "): it was made before signed checkpoints existed, and only keyledger init creates "
            "one");
    }
    auto public_key = load_public_key(checkpoint_public_key_path(data_dir));
    if (!public_key) {
        return std::unexpected(public_key.error());
    }
    auto seed = security::load_or_create_key(checkpoint_key_path(data_dir),
                                             CheckpointSigner::kSeedBytes, false);
    if (!seed) {
        return std::unexpected(seed.error());
    }
    auto signer = CheckpointSigner::from_seed(public_key->name, *seed);
    if (!signer) {
        return std::unexpected(signer.error());
    }
    if (signer->public_key().key != public_key->key) {
        return std::unexpected(checkpoint_key_path(data_dir).string() + " and " +
                               checkpoint_public_key_path(data_dir).string() +
                               " are not halves of the same key pair");
    }
    return signer;
}

}  // namespace keyledger::transparency
