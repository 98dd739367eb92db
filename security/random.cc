#include "security/random.h"

#include <pthread.h>
#include <sodium.h>

#include <array>
#include <atomic>
#include <cassert>
#include <cstdlib>
#include <cstring>

#include "security/base32.h"
#include "security/sodium_internal.h"

namespace keyledger::security {
namespace {

[[maybe_unused]] bool valid_prefix(std::string_view prefix) {
    if (prefix.empty() || prefix.size() > 16) {
        return false;
    }
    for (const char c : prefix) {
        if (c < 'a' || c > 'z') {
            return false;
        }
    }
    return true;
}

// Bytes drawn from libsodium ahead of need, per thread, so that minting an id is not a
// getrandom() system call each time. Ids are public, so holding their randomness in memory a
// little early costs nothing; secrets (random_bytes) are still drawn fresh. A fork gives the
// child a copy of the buffer: the child starts over, or it would mint the parent's next ids.
class IdRandomness {
  public:
    // `count` (at most kBufferBytes) fresh random bytes into `out`.
    void take(std::uint8_t* out, std::size_t count) {
        assert(count <= kBufferBytes);
        const unsigned generation = fork_generation.load(std::memory_order_relaxed);
        if (used_ + count > kBufferBytes || generation != generation_) {
            randombytes_buf(buffer_.data(), buffer_.size());
            used_ = 0;
            generation_ = generation;
        }
        std::memcpy(out, buffer_.data() + used_, count);
        sodium_memzero(buffer_.data() + used_, count);  // never handed out twice
        used_ += count;
    }

    static void watch_forks() {
        static const bool registered =
            pthread_atfork(nullptr, nullptr, [] { fork_generation.fetch_add(1); }) == 0;
        if (!registered) {
            std::abort();
        }
    }

  private:
    static constexpr std::size_t kBufferBytes = 4096;
    static inline std::atomic<unsigned> fork_generation{0};

    std::array<std::uint8_t, kBufferBytes> buffer_{};
    std::size_t used_ = kBufferBytes;  // nothing drawn yet
    unsigned generation_ = 0;
};

}  // namespace

std::string random_bytes(std::size_t count) {
    detail::ensure_sodium();
    std::string out(count, '\0');
    randombytes_buf(out.data(), out.size());
    return out;
}

std::uint32_t random_below(std::uint32_t upper_bound) {
    assert(upper_bound > 0);
    detail::ensure_sodium();
    return randombytes_uniform(upper_bound);
}

std::string new_id(std::string_view prefix) {
    assert(valid_prefix(prefix));
    constexpr std::size_t kIdBytes = 16;  // 128 bits

    detail::ensure_sodium();
    IdRandomness::watch_forks();
    thread_local IdRandomness randomness;
    std::array<std::uint8_t, kIdBytes> bytes;
    randomness.take(bytes.data(), bytes.size());

    std::string id;
    id.reserve(prefix.size() + 1 + 26);
    id += prefix;
    id.push_back('_');
    id += base32_lower_encode({reinterpret_cast<const char*>(bytes.data()), bytes.size()});
    return id;
}

}  // namespace keyledger::security
