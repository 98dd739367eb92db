#include "api/rate_limit.h"

#include <algorithm>

#include <boost/asio/ip/address.hpp>

namespace keyledger::api {

namespace ip = boost::asio::ip;

FailureLimiter::FailureLimiter(FailureLimit limit) : limit_(limit) {}

std::optional<std::chrono::milliseconds> FailureLimiter::limited(std::string_view key,
                                                                 SteadyTime now) const {
    if (limit_.limit == 0) {
        return std::nullopt;
    }
    std::lock_guard lock(mutex_);
    const auto found = windows_.find(std::string(key));
    if (found == windows_.end() || found->second.failures < limit_.limit) {
        return std::nullopt;
    }
    const SteadyTime ends = found->second.started + limit_.window;
    if (now >= ends) {
        return std::nullopt;
    }
    return std::chrono::ceil<std::chrono::milliseconds>(ends - now);
}

void FailureLimiter::note_failure(std::string_view key, SteadyTime now) {
    if (limit_.limit == 0 || limit_.max_keys == 0) {
        return;
    }
    std::lock_guard lock(mutex_);
    auto found = windows_.find(std::string(key));
    if (found != windows_.end() && now < found->second.started + limit_.window) {
        found->second.failures = std::min(found->second.failures + 1, limit_.limit);
        return;
    }
    if (found != windows_.end()) {
        // The old window is over: this failure opens a new one.
        auto [first, last] = by_start_.equal_range(found->second.started);
        for (auto it = first; it != last; ++it) {
            if (it->second == found->first) {
                by_start_.erase(it);
                break;
            }
        }
        found->second = Window{now, 1};
        by_start_.emplace(now, found->first);
        return;
    }
    make_room(now);
    windows_.emplace(std::string(key), Window{now, 1});
    by_start_.emplace(now, std::string(key));
}

void FailureLimiter::make_room(SteadyTime now) {
    // Windows that are over first: by_start_ is ordered, so they are at its front.
    while (!by_start_.empty() && by_start_.begin()->first + limit_.window <= now) {
        windows_.erase(by_start_.begin()->second);
        by_start_.erase(by_start_.begin());
    }
    while (windows_.size() >= limit_.max_keys && !by_start_.empty()) {
        windows_.erase(by_start_.begin()->second);
        by_start_.erase(by_start_.begin());
    }
}

std::size_t FailureLimiter::size() const {
    std::lock_guard lock(mutex_);
    return windows_.size();
}

std::int64_t retry_after_seconds(std::chrono::milliseconds wait) {
    return std::max<std::int64_t>(1, (wait.count() + 999) / 1000);
}

namespace {

// "1.2.3.4:80" -> "1.2.3.4", "[::1]:80" -> "::1"; anything else as it is.
std::string_view without_port(std::string_view peer) {
    if (!peer.empty() && peer.front() == '[') {
        const auto close = peer.find(']');
        return close == std::string_view::npos ? peer : peer.substr(1, close - 1);
    }
    const auto colon = peer.rfind(':');
    if (colon != std::string_view::npos && peer.find(':') == colon) {
        return peer.substr(0, colon);
    }
    return peer;
}

std::optional<ip::address> parse_address(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    boost::system::error_code ec;
    const auto address = ip::make_address(std::string(text), ec);
    if (ec) {
        return std::nullopt;
    }
    return address;
}

bool same_address(std::string_view a, const std::string& b) {
    const auto left = parse_address(a);
    const auto right = parse_address(b);
    return left && right && *left == *right;
}

}  // namespace

std::string client_address(std::string_view peer,
                           const std::vector<std::string_view>& forwarded_for,
                           const std::optional<std::string>& trusted_proxy) {
    const std::string_view peer_address = without_port(peer);
    if (!trusted_proxy || !same_address(peer_address, *trusted_proxy)) {
        return std::string(peer_address);
    }
    // The last item of the last field was appended by our proxy; anything left of it was
    // written by the client and proves nothing, so an invalid last item falls back to the peer.
    for (auto field = forwarded_for.rbegin(); field != forwarded_for.rend(); ++field) {
        const std::string_view list = *field;
        const auto comma = list.rfind(',');
        const std::string_view last =
            comma == std::string_view::npos ? list : list.substr(comma + 1);
        if (last.find_first_not_of(" \t") == std::string_view::npos) {
            continue;  // an empty field value: look at the field before it
        }
        if (auto address = parse_address(last)) {
            return address->to_string();
        }
        break;
    }
    return std::string(peer_address);
}

std::string client_key(std::string_view address) {
    const auto parsed = parse_address(address);
    if (!parsed) {
        return std::string(address);
    }
    if (parsed->is_v4()) {
        return parsed->to_string();
    }
    const ip::address_v6 v6 = parsed->to_v6();
    if (v6.is_v4_mapped()) {
        return ip::make_address_v4(ip::v4_mapped, v6).to_string();
    }
    ip::address_v6::bytes_type bytes = v6.to_bytes();
    std::fill(bytes.begin() + 8, bytes.end(), 0);
    return ip::address_v6(bytes).to_string() + "/64";
}

}  // namespace keyledger::api
