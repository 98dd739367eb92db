#include "security/keyed_hash.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <random>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "security/random.h"
#include "security/sha256.h"

namespace keyledger::security {
namespace {

SecretHasher::Key key_filled_with(std::uint8_t byte) {
    SecretHasher::Key key;
    key.fill(byte);
    return key;
}

// HMAC-SHA-256 by OpenSSL, as an independent implementation to compare against.
Digest openssl_hmac(const SecretHasher::Key& key, std::string_view data) {
    Digest digest{};
    unsigned int length = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest.data(), &length);
    EXPECT_EQ(length, digest.size());
    return digest;
}

TEST(Sha256, MatchesFips180Vectors) {
    EXPECT_EQ(to_hex(sha256("")),
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(to_hex(sha256("abc")),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(to_hex(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    EXPECT_EQ(to_hex(sha256(std::string(1'000'000, 'a'))),
              "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    const std::uint8_t abc[] = {'a', 'b', 'c'};
    EXPECT_EQ(sha256(std::span<const std::uint8_t>(abc)), sha256("abc"));
}

TEST(Hex, WritesLowerCaseNibblesInOrder) {
    const std::uint8_t bytes[] = {0x00, 0xff, 0x0a, 0xa0, 0x5c};
    EXPECT_EQ(to_hex(bytes), "00ff0aa05c");
    EXPECT_EQ(to_hex({}), "");
}

TEST(SecretHasher, IsHmacSha256) {
    std::mt19937 rng(3);
    for (int i = 0; i < 200; ++i) {
        SecretHasher::Key key;
        for (auto& byte : key) {
            byte = static_cast<std::uint8_t>(rng());
        }
        std::string secret(rng() % 100, '\0');
        for (char& c : secret) {
            c = static_cast<char>(rng());
        }
        EXPECT_EQ(SecretHasher(key).hash(secret), openssl_hmac(key, secret));
    }
}

// The keyed state is absorbed once and shared: no call, copy or thread may disturb it.
TEST(SecretHasher, KeepsItsKeyedStateAcrossCallsCopiesAndThreads) {
    SecretHasher::Key key;
    for (std::size_t i = 0; i < key.size(); ++i) {
        key[i] = static_cast<std::uint8_t>(i * 7 + 1);
    }
    const SecretHasher hasher(key);
    std::vector<std::string> secrets;
    for (int length = 0; length < 150; ++length) {
        secrets.push_back(std::string(static_cast<std::size_t>(length), static_cast<char>(length)));
    }
    auto check_all = [&](const SecretHasher& h) {
        int wrong = 0;
        for (const std::string& secret : secrets) {
            wrong += h.hash(secret) == openssl_hmac(key, secret) ? 0 : 1;
        }
        return wrong;
    };
    EXPECT_EQ(check_all(hasher), 0);
    SecretHasher copy = hasher;
    SecretHasher moved = std::move(copy);
    EXPECT_EQ(check_all(moved), 0);
    EXPECT_EQ(check_all(copy), 0);  // a moved-from hasher still hashes

    std::vector<int> wrong(4, -1);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < wrong.size(); ++t) {
        threads.emplace_back([&, t] { wrong[t] = check_all(hasher); });
    }
    for (std::thread& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(wrong, std::vector<int>(4, 0));
}

TEST(SecretHasher, IsDeterministicPerKey) {
    const SecretHasher first(key_filled_with(1));
    const SecretHasher again(key_filled_with(1));
    EXPECT_EQ(first.hash("klg_api_x"), first.hash("klg_api_x"));
    EXPECT_EQ(first.hash("klg_api_x"), again.hash("klg_api_x"));
}

TEST(SecretHasher, DiffersAcrossKeysAndSecrets) {
    const SecretHasher one(key_filled_with(1));
    const SecretHasher two(key_filled_with(2));
    EXPECT_NE(one.hash("klg_api_x"), two.hash("klg_api_x"));
    EXPECT_NE(one.hash("klg_api_x"), one.hash("klg_api_y"));
    EXPECT_NE(one.hash("klg_api_x"), sha256("klg_api_x"));  // the key matters
}

TEST(SecretHasher, FromBytesNeedsExactlyThirtyTwoBytes) {
    EXPECT_FALSE(SecretHasher::from_bytes("").has_value());
    EXPECT_FALSE(SecretHasher::from_bytes(std::string(31, 'k')).has_value());
    EXPECT_FALSE(SecretHasher::from_bytes(std::string(33, 'k')).has_value());

    const std::string raw = random_bytes(32);
    const auto hasher = SecretHasher::from_bytes(raw);
    ASSERT_TRUE(hasher.has_value());
    SecretHasher::Key key;
    std::copy(raw.begin(), raw.end(), key.begin());
    EXPECT_EQ(hasher->hash("secret"), SecretHasher(key).hash("secret"));
}

TEST(ConstantTimeEqual, ComparesLengthAndEveryByte) {
    EXPECT_TRUE(constant_time_equal("", ""));
    EXPECT_TRUE(constant_time_equal("abc", "abc"));
    EXPECT_FALSE(constant_time_equal("abc", "abd"));
    EXPECT_FALSE(constant_time_equal("abc", "xbc"));
    EXPECT_FALSE(constant_time_equal("abc", "abcd"));
    EXPECT_FALSE(constant_time_equal("abc", ""));
    EXPECT_FALSE(constant_time_equal(std::string("a\0b", 3), std::string("a\0c", 3)));

    const Digest a = sha256("a");
    Digest b = a;
    EXPECT_TRUE(constant_time_equal(a, b));
    b[31] ^= 1;
    EXPECT_FALSE(constant_time_equal(a, b));
}

}  // namespace
}  // namespace keyledger::security
