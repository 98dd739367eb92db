#include "eventstore/detail/chain_verifier.h"

#include <fmt/format.h>
#include <rocksdb/snapshot.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "eventstore/detail/codec.h"
#include "eventstore/detail/errors.h"
#include "security/sha256.h"

namespace keyledger::eventstore::detail {
namespace {

// What is wrong with the chain, and where.
struct Finding {
    std::uint64_t position;
    std::string reason;
};

// nullopt: the check passed. An Error: the check could not read what it needed.
using Check = Result<std::optional<Finding>>;

// How the stream index is checked against the log.
enum class IndexCheck {
    // One sequential scan of the index, compared with the log by a salted fingerprint of every
    // (stream, version, position): fast, but a mismatch does not say where.
    by_scan,
    // A point lookup of each event's own entry and of its predecessor's: slow, and exact.
    by_lookup,
};

// An order-independent digest of a set of (stream, version, position) entries: the sum, in four
// 64-bit lanes, of the SHA-256 of each entry behind a random salt. Equal sums of equally many
// entries mean equal sets; the salt, drawn per verify, keeps anyone who can write the store
// from preparing entries whose sums collide.
class EntrySet {
  public:
    explicit EntrySet(const std::array<std::uint8_t, 16>& salt)
        : buffer_(reinterpret_cast<const char*>(salt.data()), salt.size()) {}

    void add(std::string_view stream, std::uint64_t version, std::uint64_t position) {
        buffer_.resize(kSaltBytes);
        buffer_ += stream;
        buffer_.push_back('\0');
        buffer_ += encode_u64(version);
        buffer_ += encode_u64(position);
        const Hash hash = security::sha256(buffer_);
        for (std::size_t lane = 0; lane < sums_.size(); ++lane) {
            std::uint64_t word = 0;
            std::memcpy(&word, hash.data() + lane * 8, 8);
            sums_[lane] += word;
        }
        ++count_;
    }

    bool operator==(const EntrySet& other) const {
        return count_ == other.count_ && sums_ == other.sums_;
    }
    std::uint64_t count() const { return count_; }

  private:
    static constexpr std::size_t kSaltBytes = 16;
    std::string buffer_;
    std::array<std::uint64_t, 4> sums_{};
    std::uint64_t count_ = 0;
};

std::array<std::uint8_t, 16> random_salt() {
    std::random_device random;
    std::array<std::uint8_t, 16> salt;
    for (std::uint8_t& byte : salt) {
        byte = static_cast<std::uint8_t>(random());
    }
    return salt;
}

class ChainVerifier {
  public:
    ChainVerifier(const Database& database, IndexCheck index_check)
        : database_(database),
          index_check_(index_check),
          salt_(random_salt()),
          logged_(salt_),
          indexed_(salt_) {
        // A secondary's view moves only when it catches up with the primary, so it reads
        // consistently without a snapshot (and RocksDB refuses snapshots on secondaries).
        if (!database.secondary()) {
            snapshot_.emplace(&database.db());
            read_.snapshot = snapshot_->snapshot();
        }
    }

    Result<VerifyReport> run() {
        // The head before the index: a lost tail is better told as missing events than as
        // index entries that point nowhere.
        Check (ChainVerifier::*check_index)() = index_check_ == IndexCheck::by_scan
                                                    ? &ChainVerifier::scan_index
                                                    : &ChainVerifier::check_index_size;
        for (Check (ChainVerifier::*step)() :
             {&ChainVerifier::walk_events, &ChainVerifier::check_head, check_index}) {
            Check finding = (this->*step)();
            if (!finding) {
                return std::unexpected(finding.error());
            }
            if (*finding) {
                return VerifyReport{false, verified_, last_hash_, (*finding)->position,
                                    std::move((*finding)->reason)};
            }
        }
        return VerifyReport{true, verified_, last_hash_, 0, {}};
    }

  private:
    // Every event in position order: density, decoding, links, versions.
    Check walk_events() {
        auto it = iterate(Family::events);
        for (it->SeekToFirst(); it->Valid(); it->Next()) {
            const std::uint64_t expected = verified_ + 1;
            std::optional<std::uint64_t> position = decode_u64(it->key().ToStringView());
            if (!position) {
                return Finding{expected, fmt::format("event {} is missing: the next key in the "
                                                     "events family is not a position",
                                                     expected)};
            }
            if (*position != expected) {
                return Finding{expected, fmt::format("event {} is missing: the next stored event "
                                                     "is event {}",
                                                     expected, *position)};
            }

            auto event = decode_envelope(expected, it->value().ToStringView());
            if (!event) {
                return Finding{expected, event.error().message};
            }
            if (Check link = check_link(*event); !link || *link) {
                return link;
            }
            if (Check versions = check_versions(*event); !versions || *versions) {
                return versions;
            }

            before_last_hash_ = last_hash_;
            last_hash_ = event->hash;
            ++verified_;
        }
        return check_iterator(*it, "walking the events");
    }

    // The event's prev_hash against the hash of the event before it. When the link is broken,
    // either that earlier event's bytes changed, or this event's prev_hash did. If the rest of
    // the chain still vouches for this event, it is intact and the earlier one was altered.
    Check check_link(const StoredEvent& event) {
        if (event.prev_hash == last_hash_) {
            return std::nullopt;
        }
        const std::uint64_t position = event.position;
        if (position == 1) {
            return Finding{1,
                           "event 1: prev_hash is not 32 zero bytes, though it is the first "
                           "event"};
        }

        auto vouched = is_vouched_for(event);
        if (!vouched) {
            return std::unexpected(vouched.error());
        }
        if (!*vouched) {
            return Finding{position, fmt::format("event {}: prev_hash does not match the hash of "
                                                 "event {}",
                                                 position, position - 1)};
        }
        forget_last();
        return Finding{position - 1, fmt::format("event {}: its stored bytes have changed: their "
                                                 "hash no longer matches the prev_hash recorded "
                                                 "in event {}",
                                                 position - 1, position)};
    }

    // True if the next event's prev_hash (or, for the last event, the stored head) matches the
    // hash of `event` as stored now.
    Result<bool> is_vouched_for(const StoredEvent& event) {
        std::string next;
        rocksdb::Status status = database_.db().Get(read_, database_.family(Family::events),
                                                    event_key(event.position + 1), &next);
        if (status.ok()) {
            auto decoded = decode_envelope(event.position + 1, next);
            return decoded && decoded->prev_hash == event.hash;
        }
        if (!status.IsNotFound()) {
            return fail(status, fmt::format("reading event {}", event.position + 1));
        }
        auto head = read_head();
        if (!head) {
            return std::unexpected(head.error());
        }
        return *head && **head == Head{event.position, event.hash};
    }

    // The event's version follows the one before it in its stream, and the index agrees.
    Check check_versions(const StoredEvent& event) {
        const std::uint64_t position = event.position;
        if (event.version == 0) {
            return Finding{
                position, fmt::format("event {}: its version is 0; versions start at 1", position)};
        }
        if (index_check_ == IndexCheck::by_scan) {
            logged_.add(event.stream, event.version, position);  // compared in scan_index
            return std::nullopt;
        }

        auto own = index_lookup(event.stream, event.version);
        if (!own) {
            return std::unexpected(own.error());
        }
        if (!*own) {
            return Finding{position, fmt::format("event {}: the stream index has no entry for "
                                                 "stream '{}' version {}",
                                                 position, event.stream, event.version)};
        }
        if (**own != position) {
            return Finding{position, fmt::format("event {}: the stream index gives stream '{}' "
                                                 "version {} as event {}",
                                                 position, event.stream, event.version, **own)};
        }
        if (event.version == 1) {
            return std::nullopt;
        }

        auto previous = index_lookup(event.stream, event.version - 1);
        if (!previous) {
            return std::unexpected(previous.error());
        }
        if (!*previous || **previous >= position) {
            return Finding{position,
                           fmt::format("event {}: stream '{}' jumps to version {}, but "
                                       "version {} is not earlier in the log",
                                       position, event.stream, event.version, event.version - 1)};
        }
        return std::nullopt;
    }

    // The whole stream index in key order, once: every stream's versions dense from 1 at rising
    // positions within the log, and the entries exactly those of the events walked (compared
    // by fingerprint). Together that is what the lookups of by_lookup check, event by event.
    Check scan_index() {
        const Finding mismatch{verified_ + 1, "the stream index does not match the log"};
        std::string stream;  // of the entry before
        std::uint64_t version = 0;
        std::uint64_t position = 0;
        auto it = iterate(Family::stream_index);
        for (it->SeekToFirst(); it->Valid(); it->Next()) {
            std::optional<NamedKey> key = parse_named_key(it->key().ToStringView());
            std::optional<std::uint64_t> at = decode_u64(it->value().ToStringView());
            if (!key || !at || *at == 0 || *at > verified_) {
                return mismatch;
            }
            const bool same_stream = key->name == stream;
            if (same_stream ? key->number != version + 1 || *at <= position : key->number != 1) {
                return mismatch;
            }
            if (!same_stream) {
                stream = key->name;
            }
            version = key->number;
            position = *at;
            indexed_.add(key->name, version, position);
        }
        if (auto failed = check_iterator(*it, "reading the stream index"); !failed || *failed) {
            return failed;
        }
        if (!(indexed_ == logged_) || logged_.count() != verified_) {
            return mismatch;
        }
        return std::nullopt;
    }

    // Every event has its entry in the stream index (walk_events checked that); an index with
    // more entries than events also lists something that is not in the log.
    Check check_index_size() {
        std::uint64_t entries = 0;
        auto it = iterate(Family::stream_index);
        for (it->SeekToFirst(); it->Valid(); it->Next()) {
            ++entries;
        }
        if (auto failed = check_iterator(*it, "counting the stream index"); !failed || *failed) {
            return failed;
        }
        if (entries == verified_) {
            return std::nullopt;
        }
        return find_stray_index_entry();
    }

    // The first index entry whose event does not claim it.
    Check find_stray_index_entry() {
        auto it = iterate(Family::stream_index);
        for (it->SeekToFirst(); it->Valid(); it->Next()) {
            std::optional<NamedKey> key = parse_named_key(it->key().ToStringView());
            std::optional<std::uint64_t> position = decode_u64(it->value().ToStringView());
            if (!key || !position) {
                return Finding{verified_ + 1,
                               "the stream index holds an entry that is not a "
                               "stream, a version and a position"};
            }
            if (*position == 0 || *position > verified_) {
                return Finding{verified_ + 1, fmt::format("the stream index gives stream '{}' "
                                                          "version {} as event {}, which is not "
                                                          "in the log",
                                                          key->name, key->number, *position)};
            }

            std::string bytes;
            rocksdb::Status status = database_.db().Get(read_, database_.family(Family::events),
                                                        event_key(*position), &bytes);
            if (!status.ok()) {
                return fail(status, fmt::format("reading event {}", *position), *position);
            }
            auto event = decode_envelope(*position, bytes);
            if (!event || event->stream != key->name || event->version != key->number) {
                return Finding{*position, fmt::format("event {}: the stream index also gives "
                                                      "stream '{}' version {} as this event",
                                                      *position, key->name, key->number)};
            }
        }
        if (auto failed = check_iterator(*it, "reading the stream index"); !failed || *failed) {
            return failed;
        }
        return Finding{verified_ + 1, "the stream index has more entries than the log has events"};
    }

    // The stored head names the last event and its hash.
    Check check_head() {
        auto stored = read_head();
        if (!stored) {
            return std::unexpected(stored.error());
        }
        const Head computed{verified_, last_hash_};
        const Head head = stored->value_or(Head{});
        if (head == computed) {
            return std::nullopt;
        }

        if (verified_ == 0 && head.position == 0) {
            return Finding{1, "the log is empty, but the stored head is not"};
        }
        if (!*stored && verified_ > 0) {
            return Finding{verified_, fmt::format("the stored head is missing or unreadable, "
                                                  "though the log holds {} events",
                                                  verified_)};
        }
        if (head.position > verified_) {
            const std::string missing =
                head.position == verified_ + 1
                    ? fmt::format("event {} is", head.position)
                    : fmt::format("events {} to {} are", verified_ + 1, head.position);
            return Finding{verified_ + 1, fmt::format("{} missing: the stored head says the log "
                                                      "ends at event {}",
                                                      missing, head.position)};
        }
        if (head.position < verified_) {
            return Finding{head.position + 1, fmt::format("the log goes on to event {}, past the "
                                                          "stored head at event {}",
                                                          verified_, head.position)};
        }
        forget_last();
        return Finding{head.position, fmt::format("event {}: its hash does not match the stored "
                                                  "head (the event or the head was altered)",
                                                  head.position)};
    }

    // The stored head; nullopt if absent or malformed.
    Result<std::optional<Head>> read_head() {
        std::string bytes;
        rocksdb::Status status = database_.db().Get(read_, database_.family(Family::meta),
                                                    std::string(kHeadKey), &bytes);
        if (status.IsNotFound()) {
            return std::nullopt;
        }
        if (!status.ok()) {
            return fail(status, "reading the stored head");
        }
        return decode_head(bytes);
    }

    // The position the stream index gives for (stream, version); nullopt if none.
    Result<std::optional<std::uint64_t>> index_lookup(std::string_view stream,
                                                      std::uint64_t version) {
        std::string bytes;
        rocksdb::Status status = database_.db().Get(read_, database_.family(Family::stream_index),
                                                    stream_key(stream, version), &bytes);
        if (status.IsNotFound()) {
            return std::nullopt;
        }
        if (!status.ok()) {
            return fail(status, fmt::format("reading the stream index of '{}'", stream));
        }
        return decode_u64(bytes);
    }

    // A damaged file found by RocksDB's own checksums is a finding; anything else an Error.
    Check check_iterator(const rocksdb::Iterator& it, std::string_view doing) {
        const rocksdb::Status& status = it.status();
        if (status.ok()) {
            return std::nullopt;
        }
        if (status.IsCorruption()) {
            return Finding{verified_ + 1, fmt::format("RocksDB found damaged storage while {}: {}",
                                                      doing, status.ToString())};
        }
        return fail(status, doing);
    }

    std::unique_ptr<rocksdb::Iterator> iterate(Family family) {
        return std::unique_ptr<rocksdb::Iterator>(
            database_.db().NewIterator(read_, database_.family(family)));
    }

    // The last verified event turned out altered: take it out of the verified prefix.
    void forget_last() {
        --verified_;
        last_hash_ = before_last_hash_;
    }

    const Database& database_;
    const IndexCheck index_check_;
    std::optional<rocksdb::ManagedSnapshot> snapshot_;
    rocksdb::ReadOptions read_;
    const std::array<std::uint8_t, 16> salt_;
    EntrySet logged_;   // by_scan: the entries the events walked call for
    EntrySet indexed_;  // by_scan: the entries the stream index holds

    std::uint64_t verified_ = 0;  // events 1..verified_ passed every check
    Hash last_hash_{};            // the hash of event verified_ (zero for none)
    Hash before_last_hash_{};     // the hash of event verified_ - 1
};

}  // namespace

Result<VerifyReport> verify_chain(const Database& database) {
    auto fast = ChainVerifier(database, IndexCheck::by_scan).run();
    if (!fast || fast->ok) {
        return fast;
    }
    // Something is wrong: the lookups per event say exactly what, and where it starts.
    return ChainVerifier(database, IndexCheck::by_lookup).run();
}

}  // namespace keyledger::eventstore::detail
