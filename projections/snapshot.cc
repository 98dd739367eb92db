#include "projections/snapshot.h"

#include <algorithm>
#include <limits>

#include <openssl/sha.h>

#include "projections/detail/byte_io.h"

namespace keyledger::projections {
namespace {

using detail::ByteReader;
using detail::ByteWriter;
using domain::Instant;

constexpr std::string_view kMagic = "KLSNAP";
// Bump when the layout changes; an older snapshot is then ignored and rebuilt, never misread.
constexpr std::uint8_t kFormatVersion = 4;
constexpr std::size_t kHeaderBytes = kMagic.size() + 1 + SHA256_DIGEST_LENGTH;

std::array<std::uint8_t, 32> sha256(std::string_view bytes) {
    std::array<std::uint8_t, 32> out{};
    SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), out.data());
    return out;
}

// Hash maps iterate in an order that depends on their history; writing keys sorted makes the
// bytes a function of the content alone, so two equal models give equal snapshots.
template <class Map>
std::vector<const typename Map::value_type*> sorted(const Map& map) {
    std::vector<const typename Map::value_type*> entries;
    entries.reserve(map.size());
    for (const auto& entry : map) {
        entries.push_back(&entry);
    }
    std::sort(entries.begin(), entries.end(),
              [](const auto* a, const auto* b) { return a->first < b->first; });
    return entries;
}

void put_optional(ByteWriter& w, const std::optional<Instant>& value) {
    w.boolean(value.has_value());
    if (value) {
        w.i64(*value);
    }
}

std::optional<Instant> get_optional(ByteReader& r) {
    if (!r.boolean()) {
        return std::nullopt;
    }
    return r.i64();
}

template <class Enum>
Enum get_enum(ByteReader& r, Enum last) {
    const std::uint64_t raw = r.u64();
    if (raw > static_cast<std::uint64_t>(last)) {
        r.reject();
        return last;
    }
    return static_cast<Enum>(raw);
}

void put_scope(ByteWriter& w, const domain::IdempotencyScope& scope) {
    w.text(scope.token_id);
    w.text(scope.method);
    w.text(scope.path);
    w.text(scope.key);
}

domain::IdempotencyScope get_scope(ByteReader& r) {
    domain::IdempotencyScope scope;
    scope.token_id = r.text();
    scope.method = r.text();
    scope.path = r.text();
    scope.key = r.text();
    return scope;
}

}  // namespace

struct SnapshotCodec {
    static void put_ids(ByteWriter& w, const domain::IdTable& ids) {
        w.text(ids.chars());
        w.array(ids.ends());
    }

    static domain::IdTable get_ids(ByteReader& r) {
        std::string chars = r.text();
        auto ends = r.array<std::uint32_t>();
        auto ids = domain::IdTable::from_parts(std::move(chars), std::move(ends));
        if (!ids) {
            r.reject();
            return {};
        }
        return std::move(*ids);
    }

    // Records in the order they were created, which the indices in them refer to.
    static void put_state(ByteWriter& w, const domain::State& s) {
        w.boolean(s.initialized);
        w.i64(s.window_ms);
        w.text(s.store_id);
        w.i64(s.last_event_at);
        put_ids(w, s.ids);
        put_ids(w, s.names);

        w.u64(s.accounts.size());
        for (const domain::Account& a : s.accounts) {
            w.text(a.id);
            w.text(a.username);
            w.u64(static_cast<std::uint64_t>(a.kind));
            w.u64(a.roles);
            w.text(a.password_hash);
            w.u64(a.password_version);
            w.i64(a.created_at);
            w.i64(a.last_activity_at);
            put_optional(w, a.deleted_at);
            w.array(a.tokens);
        }
        w.u64(s.account_by_username.size());
        for (const auto* entry : sorted(s.account_by_username)) {
            w.text(entry->first);
            w.u64(entry->second);
        }
        w.u64(s.tokens.size());
        for (const domain::Token& t : s.tokens) {
            w.u64(t.id_index);
            w.u64(t.owner_index);
            w.u64(t.webhook_index);
            w.u64(t.name_index);
            w.u64(t.rotation_index);
            w.u64(t.calls_index);
            w.u64(static_cast<std::uint64_t>(t.kind));
            w.bytes(t.secret_hash);
            w.i64(t.created_at);
            put_optional(w, t.expires_at);
            put_optional(w, t.revoked_at);
            put_optional(w, t.rotated_at);
            put_optional(w, t.last_used_at);
        }
        w.u64(s.rotations.size());
        for (const domain::Rotation& rotation : s.rotations) {
            w.bytes(rotation.previous_hash);
            w.i64(rotation.previous_valid_until);
        }
        w.u64(s.api_calls.size());
        for (const domain::LastCalls& calls : s.api_calls) {
            w.u64(calls.size());
            for (const auto& [webhook, at] : calls) {
                w.u64(webhook);
                w.i64(at);
            }
        }
        w.array(s.secrets.refs());
        w.u64(s.webhooks.size());
        for (const domain::Webhook& h : s.webhooks) {
            w.text(h.id);
            w.text(h.name);
            w.u64(static_cast<std::uint64_t>(h.auth));
            w.text(h.created_by);
            w.i64(h.created_at);
            put_optional(w, h.uninstalled_at);
            w.array(h.tokens);
        }
        w.u64(s.idempotency.size());
        for (const auto& [scope, entry] : s.idempotency) {
            put_scope(w, scope);
            w.i64(entry.recorded_at);
            w.bytes(entry.body_sha256);
            w.u64(entry.status);
            w.text(entry.response_body);
        }
        w.u64(s.idempotency_order.size());
        for (const auto& [at, scope] : s.idempotency_order) {
            w.i64(at);
            put_scope(w, scope);
        }
    }

    // An index read from the bytes: below `size`, or kNone where `none_allowed`.
    static std::uint32_t get_index(ByteReader& r, std::size_t size, bool none_allowed) {
        const std::uint64_t raw = r.u64();
        if (raw < size || (none_allowed && raw == domain::IdTable::kNone)) {
            return static_cast<std::uint32_t>(raw);
        }
        r.reject();
        return domain::IdTable::kNone;
    }

    static std::vector<domain::IdIndex> get_id_list(ByteReader& r, std::size_t ids) {
        auto list = r.array<domain::IdIndex>();
        if (std::any_of(list.begin(), list.end(), [&](domain::IdIndex id) { return id >= ids; })) {
            r.reject();
        }
        return list;
    }

    // The lookup from an id to its record, rebuilt from the records; each record's id must be
    // known and its own.
    static void place_records(ByteReader& r, const domain::IdTable& ids,
                              std::vector<std::uint32_t>& places, std::size_t count,
                              const auto& id_of) {
        places.assign(ids.size(), domain::IdTable::kNone);
        for (std::uint32_t place = 0; place < count && r.ok(); ++place) {
            const std::uint32_t id = id_of(place);
            if (id >= ids.size() || places[id] != domain::IdTable::kNone) {
                r.reject();
                return;
            }
            places[id] = place;
        }
    }

    // Room for `count` records, but never for more of them than the bytes left could encode at
    // `min_bytes` each: a damaged count cannot make the reader reserve more than sizeof(T) /
    // min_bytes times the input's size. By default the bound is the input's size itself.
    template <class T>
    static void reserve_within(std::vector<T>& records, std::uint64_t count, const ByteReader& r,
                               std::size_t min_bytes = sizeof(T)) {
        records.reserve(std::min<std::uint64_t>(count, r.remaining() / min_bytes));
    }
    // The fewest bytes a token record takes: its secret's 32-byte digest and 12 one-byte fields.
    static constexpr std::size_t kMinTokenBytes = 32 + 12;

    // TODO(perf): start-up with a snapshot grows with the tokens: about 7 s for 1M accounts and
    // webhooks and 5M tokens (goal 2 s; docs/PERFORMANCE.md, evening). Most of it is here:
    // decoding records one at a time, building the id table, the secret index and the username
    // map entry by entry, and first touches of ~1.5 GB of new memory. A snapshot holding those
    // tables as they lie in memory, checked rather than rebuilt, would cut both.
    static domain::State get_state(ByteReader& r) {
        domain::State s;
        s.initialized = r.boolean();
        s.window_ms = r.i64();
        s.store_id = r.text();
        s.last_event_at = r.i64();
        s.ids = get_ids(r);
        s.names = get_ids(r);
        const std::size_t ids = s.ids.size();

        // Records are read one by one into room reserved within the input's size: a damaged count
        // runs out of input (and is refused) before it can take more memory than that.
        std::uint64_t n = r.count();
        reserve_within(s.accounts, n, r);
        for (; n > 0 && r.ok(); --n) {
            domain::Account& a = s.accounts.emplace_back();
            a.id = r.text();
            a.username = r.text();
            a.kind = get_enum(r, domain::AccountKind::service);
            a.roles = static_cast<domain::Roles>(r.u64());
            a.password_hash = r.text();
            a.password_version = static_cast<std::uint32_t>(r.u64());
            a.created_at = r.i64();
            a.last_activity_at = r.i64();
            a.deleted_at = get_optional(r);
            a.tokens = get_id_list(r, ids);
        }
        n = r.count();
        // An entry takes at least two bytes (an empty name and an index).
        s.account_by_username.reserve(std::min<std::uint64_t>(n, r.remaining() / 2));
        for (; n > 0 && r.ok(); --n) {
            std::string username = r.text();
            s.account_by_username.emplace(std::move(username), get_index(r, ids, false));
        }
        n = r.count();
        reserve_within(s.tokens, n, r, kMinTokenBytes);
        for (; n > 0 && r.ok(); --n) {
            domain::Token& t = s.tokens.emplace_back();
            t.id_index = get_index(r, ids, false);
            t.owner_index = get_index(r, ids, true);
            t.webhook_index = get_index(r, ids, true);
            t.name_index = get_index(r, s.names.size(), false);
            t.rotation_index = static_cast<std::uint32_t>(r.u64());  // checked below
            t.calls_index = static_cast<std::uint32_t>(r.u64());
            t.kind = get_enum(r, domain::TokenKind::api);
            t.secret_hash = r.bytes<32>();
            t.created_at = r.i64();
            t.expires_at = get_optional(r);
            t.revoked_at = get_optional(r);
            t.rotated_at = get_optional(r);
            t.last_used_at = get_optional(r);
        }
        for (std::uint64_t n = r.count(); n > 0 && r.ok(); --n) {
            domain::Rotation& rotation = s.rotations.emplace_back();
            rotation.previous_hash = r.bytes<32>();
            rotation.previous_valid_until = r.i64();
        }
        for (std::uint64_t n = r.count(); n > 0 && r.ok(); --n) {
            domain::LastCalls& calls = s.api_calls.emplace_back();
            for (std::uint64_t m = r.count(); m > 0 && r.ok(); --m) {
                const domain::IdIndex webhook = get_index(r, ids, false);
                calls.emplace_back(webhook, r.i64());
            }
        }
        for (const domain::Token& t : s.tokens) {
            auto beyond = [](std::uint32_t index, std::size_t size) {
                return index != domain::IdTable::kNone && index >= size;
            };
            if (beyond(t.rotation_index, s.rotations.size()) ||
                beyond(t.calls_index, s.api_calls.size())) {
                r.reject();
            }
        }
        const auto refs = r.array<domain::SecretIndex::Ref>();
        n = r.count();
        reserve_within(s.webhooks, n, r);
        for (; n > 0 && r.ok(); --n) {
            domain::Webhook& h = s.webhooks.emplace_back();
            h.id = r.text();
            h.name = r.text();
            h.auth = get_enum(r, domain::WebhookAuth::basic);
            h.created_by = r.text();
            h.created_at = r.i64();
            h.uninstalled_at = get_optional(r);
            h.tokens = get_id_list(r, ids);
        }
        for (std::uint64_t n = r.count(); n > 0 && r.ok(); --n) {
            domain::IdempotencyScope scope = get_scope(r);
            domain::IdempotencyEntry entry;
            entry.recorded_at = r.i64();
            entry.body_sha256 = r.bytes<32>();
            entry.status = static_cast<std::uint32_t>(r.u64());
            entry.response_body = r.text();
            s.idempotency.emplace(std::move(scope), std::move(entry));
        }
        for (std::uint64_t n = r.count(); n > 0 && r.ok(); --n) {
            const Instant at = r.i64();
            s.idempotency_order.emplace_back(at, get_scope(r));
        }
        if (!r.ok()) {
            return s;
        }
        place_records(r, s.ids, s.account_at, s.accounts.size(),
                      [&](std::uint32_t i) { return s.ids.find(s.accounts[i].id); });
        place_records(r, s.ids, s.token_at, s.tokens.size(),
                      [&](std::uint32_t i) { return s.tokens[i].id_index; });
        place_records(r, s.ids, s.webhook_at, s.webhooks.size(),
                      [&](std::uint32_t i) { return s.ids.find(s.webhooks[i].id); });
        auto valid = [&](domain::SecretIndex::Ref ref) {
            const std::uint32_t token = ref >> 1;
            return token < s.tokens.size() &&
                   ((ref & 1) == 0 || s.tokens[token].rotation_index != domain::IdTable::kNone);
        };
        constexpr std::size_t kAhead = 8;
        s.secrets.reserve(refs.size());
        for (std::size_t i = 0; i < refs.size(); ++i) {
            if (!valid(refs[i])) {
                r.reject();
                return s;
            }
            if (i + kAhead < refs.size() && valid(refs[i + kAhead])) {
                s.secrets.prefetch(s.secret_digest(refs[i + kAhead]));
            }
            s.secrets.put(s.secret_digest(refs[i]), refs[i], s.digest_of_ref());
        }
        if (s.secrets.size() != refs.size()) {
            r.reject();
        }
        return s;
    }

    // The transfers, as pairs of id indexes of the state; each is checked against it on load.
    static void put_history(ByteWriter& w, const HistoryIndex& h) {
        w.u64(h.transfers().size());
        for (const auto& [account, token] : h.transfers()) {
            w.u64(account);
            w.u64(token);
        }
    }

    static HistoryIndex get_history(ByteReader& r, const domain::State& state) {
        std::vector<std::pair<domain::IdIndex, domain::IdIndex>> transfers(r.count());
        for (auto& [account, token] : transfers) {
            const std::uint64_t a = r.u64();
            const std::uint64_t t = r.u64();
            if (a > std::numeric_limits<std::uint32_t>::max() ||
                t > std::numeric_limits<std::uint32_t>::max()) {
                r.reject();
            }
            account = static_cast<domain::IdIndex>(a);
            token = static_cast<domain::IdIndex>(t);
        }
        HistoryIndex h;
        if (r.ok() && !HistoryIndex::from_transfers(state, std::move(transfers), h)) {
            r.reject();
        }
        return h;
    }

    static std::string encode(const ReadModel& model, const EventHash& event_hash) {
        ByteWriter body;
        body.u64(model.position_);
        body.bytes(event_hash);
        put_state(body, model.state_);
        put_history(body, model.history_);

        std::string out;
        out.reserve(kHeaderBytes + body.output().size());
        out.append(kMagic);
        out.push_back(static_cast<char>(kFormatVersion));
        const auto checksum = sha256(body.output());
        out.append(reinterpret_cast<const char*>(checksum.data()), checksum.size());
        out.append(body.output());
        return out;
    }

    static std::expected<Snapshot, std::string> decode(std::string_view bytes) {
        if (bytes.size() < kHeaderBytes || bytes.substr(0, kMagic.size()) != kMagic) {
            return std::unexpected("not a projection snapshot");
        }
        const auto version = static_cast<std::uint8_t>(bytes[kMagic.size()]);
        if (version != kFormatVersion) {
            return std::unexpected("snapshot format " + std::to_string(version) +
                                   " is not this version's (" + std::to_string(kFormatVersion) +
                                   ")");
        }
        const std::string_view body = bytes.substr(kHeaderBytes);
        const auto checksum = sha256(body);
        if (!std::equal(checksum.begin(), checksum.end(),
                        reinterpret_cast<const std::uint8_t*>(bytes.data()) + kMagic.size() + 1)) {
            return std::unexpected("snapshot checksum does not match its contents");
        }

        ByteReader r(body);
        Snapshot snapshot;
        snapshot.model.position_ = r.u64();
        snapshot.event_hash = r.bytes<32>();
        snapshot.model.state_ = get_state(r);
        snapshot.model.history_ = get_history(r, snapshot.model.state_);
        if (!r.ok() || !r.at_end()) {
            return std::unexpected("snapshot is damaged: its contents do not parse");
        }
        return snapshot;
    }
};

std::string encode_snapshot(const ReadModel& model, const EventHash& event_hash) {
    return SnapshotCodec::encode(model, event_hash);
}

std::expected<Snapshot, std::string> decode_snapshot(std::string_view bytes) {
    return SnapshotCodec::decode(bytes);
}

}  // namespace keyledger::projections
