#pragma once
// Limits on failed authentications: per client address, and per token for a genuine secret that
// is refused (revoked, expired, rotated past its grace...).
//
// A FailureLimiter counts failures per key in fixed windows: the first failure of a key opens a
// window of `window`; once `limit` failures fell in it, the key is limited until the window
// ends, and Retry-After is the time left. Only failures are counted: a caller whose credential is
// accepted never touches the table.
//
// Memory is bounded: at most `max_keys` keys are held. When a new key finds the table full,
// expired windows are dropped first, then the key whose window started earliest. An attacker
// with more addresses than `max_keys` can therefore push an address out and start it afresh,
// which costs them `max_keys` fresh addresses per reset; IPv6 addresses are counted per /64
// (client_key) so one host cannot cheaply become millions of keys.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace keyledger::api {

using SteadyTime = std::chrono::steady_clock::time_point;

struct FailureLimit {
    std::uint32_t limit = 20;  // failures per window; 0 turns the limit off
    std::chrono::milliseconds window{60'000};
    std::size_t max_keys = 100'000;
};

class FailureLimiter {
  public:
    explicit FailureLimiter(FailureLimit limit);

    FailureLimiter(const FailureLimiter&) = delete;
    FailureLimiter& operator=(const FailureLimiter&) = delete;

    // How long `key` must wait, if it is limited at `now`; nullopt if not limited.
    [[nodiscard]] std::optional<std::chrono::milliseconds> limited(std::string_view key,
                                                                   SteadyTime now) const;

    // Counts one failure of `key` at `now`.
    void note_failure(std::string_view key, SteadyTime now);

    // Keys held now (for tests of the bound).
    [[nodiscard]] std::size_t size() const;

    const FailureLimit& settings() const { return limit_; }

  private:
    struct Window {
        SteadyTime started;
        std::uint32_t failures = 0;
    };

    // Drops expired windows, then the oldest, until there is room for one more key.
    void make_room(SteadyTime now);

    const FailureLimit limit_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Window> windows_;
    // Window starts in order, for eviction: (started, key).
    std::multimap<SteadyTime, std::string> by_start_;
};

// Whole seconds for a Retry-After header: rounded up, at least 1.
[[nodiscard]] std::int64_t retry_after_seconds(std::chrono::milliseconds wait);

// The client's address: the peer ("ip:port" or "[v6]:port") without its port, unless the peer
// is `trusted_proxy`, in which case the right-most X-Forwarded-For item (the one the proxy itself
// appended) is taken. If that item is not an IP address, the peer's address stands.
[[nodiscard]] std::string client_address(std::string_view peer,
                                         const std::vector<std::string_view>& forwarded_for,
                                         const std::optional<std::string>& trusted_proxy);

// The key an address is limited under: an IPv4 address as it is, an IPv6 address by its /64
// prefix (a host is usually given a whole /64), written "2001:db8:1:2::/64". An IPv4-mapped IPv6
// address counts as its IPv4 address.
[[nodiscard]] std::string client_key(std::string_view address);

}  // namespace keyledger::api
