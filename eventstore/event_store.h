#pragma once
// The append-only event log of keyledger and the stores that live beside it.
//
// The log is a hash chain: every event's envelope records the SHA-256 of the previous event's
// envelope bytes as stored, so verify() can prove that no stored byte changed since it was
// written. Webhook deliveries and named meta blobs live beside the log, outside the chain.
//
// Errors: every operation that can fail returns a Result (std::expected); none throws for an
// expected failure (a conflict, a corrupt record, a full disk). Exceptions escape only for
// programming errors of the library itself (std::bad_alloc aside).
//
// Threading: an EventStore has one writer. append(), prune_deliveries() and put_meta() are the
// writes; they are serialised internally, so two threads writing at once is slow but safe. All
// const functions are reads and may run on any number of threads, concurrently with each other
// and with the writer. A read never sees half a batch. The store must outlive every call on it.

#include <array>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace keyledger::eventstore {

using Hash = std::array<std::uint8_t, 32>;

// Largest payload (events) or body (deliveries) the store accepts, in bytes. The limit keeps
// every record well under the size that Cap'n Proto's reader agrees to traverse, so whatever
// append() accepts stays readable forever.
inline constexpr std::size_t kMaxPayloadBytes = 16 * 1024 * 1024;
// Largest text field (stream, type, actor, ids, content type) the store accepts, in bytes.
inline constexpr std::size_t kMaxTextBytes = 64 * 1024;

// An event as the engine appends it. Text fields must not contain NUL bytes nor exceed
// kMaxTextBytes; `stream` and `type` must not be empty. The payload is opaque to the store.
struct NewEvent {
    std::string stream;              // e.g. "user-abc"
    std::uint64_t expected_version;  // version the stream has before this event; 0 = new stream
    std::string type;                // e.g. "UserCreated"
    std::int64_t at_ms;              // decision instant, ms since the Unix epoch, UTC
    std::string actor;               // account id, "operator" or "anonymous"
    std::string correlation_id;
    std::string payload;  // opaque bytes (the Cap'n Proto encoding of the domain event)
    // Ids of other entities whose history this event also belongs to (an accepted call belongs
    // to its token's stream and to the owner's history, say): indexed in the same batch, for
    // related_positions(). Same limits as the text fields; not part of the hashed envelope.
    std::vector<std::string> related = {};
};

// An event as stored. `version` is expected_version + 1; `hash` is the SHA-256 of the stored
// envelope bytes; `prev_hash` is the hash of event position - 1 (all zero for position 1).
struct StoredEvent {
    std::uint64_t position;
    std::string stream;
    std::uint64_t version;
    std::string type;
    std::int64_t at_ms;
    std::string actor;
    std::string correlation_id;
    std::string payload;
    Hash prev_hash;
    Hash hash;
};

// An event lent to a reader of the log (see EventStore::for_each_event): the same fields as a
// StoredEvent, but the text and payload point into the store's buffers and are valid only during
// the call that receives them.
struct EventView {
    std::uint64_t position;
    std::string_view stream;
    std::uint64_t version;
    std::string_view type;
    std::int64_t at_ms;
    std::string_view actor;
    std::string_view correlation_id;
    std::string_view payload;
    Hash prev_hash;
    Hash hash;  // all zero unless the read asked for hashes
};

// Whether a read of the log computes each event's hash. Hashing every envelope is the costliest
// part of a read; only readers of the chain (verify, the Merkle leaves) need it.
enum class Hashes { skip, compute };

// Called with each event of a read in position order; returns false to stop the read there.
using EventVisitor = std::function<bool(const EventView&)>;

// A webhook call as received. `webhook_id` must not be empty; text fields must not contain NUL
// nor exceed kMaxTextBytes.
struct NewDelivery {
    std::string webhook_id;
    std::string call_id;
    std::int64_t received_at_ms;
    std::string content_type;
    std::string body;
};

struct StoredDelivery {
    std::uint64_t seq;  // from 1 per webhook, dense, never reused (not even after pruning)
    std::string webhook_id;
    std::string call_id;
    std::int64_t received_at_ms;
    std::string content_type;
    std::string body;
};

// One entry of the deliveries family as stored, whatever it holds (for `audit verify`): its raw
// key, and the delivery when the key is a webhook id and a seq and the value decodes, or why not.
struct DeliveryEntry {
    std::string key;
    std::expected<StoredDelivery, std::string> delivery;
};

struct AppendBatch {
    std::vector<NewEvent> events;
    std::vector<NewDelivery> deliveries;
};

// Positions first_position..last_position (inclusive) were given to the batch's events, in
// order. A batch without events gets the empty range first_position = last_position + 1 =
// head_position() + 1. `head` is the hash of the last event of the log after the append.
struct AppendResult {
    std::uint64_t first_position;
    std::uint64_t last_position;
    Hash head;
};

enum class ErrorCode {
    version_conflict,  // an expected_version did not match; nothing was written
    corruption,        // stored bytes are not what the store wrote (`position` names the event)
    io_error,          // the disk or RocksDB failed, or the store refuses writes after a failure
    no_space,          // the disk is full: the write was not made; writes resume once space returns
    locked,            // another process (or another open in this one) holds the store
    not_a_store,       // the directory holds no keyledger store
    already_exists,    // create was asked where a store already exists
    invalid_argument,  // the caller broke a documented precondition; nothing was written
};

struct Error {
    ErrorCode code;
    std::string message;         // plain words, meant for an operator
    std::uint64_t position = 0;  // the event concerned, when there is one; 0 otherwise
};

template <class T>
using Result = std::expected<T, Error>;

// "version_conflict", "corruption", ...
[[nodiscard]] std::string_view to_string(ErrorCode code);

// The outcome of walking the whole chain. When ok is false, first_bad_position names the first
// event found wrong and reason says what is wrong with it in plain words; `events` and `head`
// then describe the verified prefix before it.
struct VerifyReport {
    bool ok;
    std::uint64_t events;
    Hash head;
    std::uint64_t first_bad_position;
    std::string reason;
};

inline constexpr std::size_t kDefaultBlockCacheBytes = 4 * 1024 * 1024;
inline constexpr std::size_t kDefaultRememberedStreams = 1 << 18;
// Memtables of all families together (RocksDB's default is 64 MiB per family). The log is
// append-only and read back through the block cache, so big memtables buy a server nothing but
// resident memory that swings with every flush (about 1 KB is written per call). 8 MiB keeps that
// swing within a few percent of the server's footprint for about 6% fewer calls per second than
// 16 MiB (scripts/load-test, 20 s runs side by side, 2026-12-05).
inline constexpr std::size_t kDefaultWriteBufferBytes = 8 * 1024 * 1024;
inline constexpr int kDefaultMaxOpenTableFiles = 512;

struct OpenOptions {
    bool create = false;     // create a new store; the directory must not hold one
    bool sync = true;        // fsync the write-ahead log on every append and prune
    bool read_only = false;  // no writes; does not take the lock, so it works beside a server
    // A RocksDB secondary instance (implies read_only): made for reading beside a running server,
    // whose files may change under a read_only open. It keeps its own files in a fresh temporary
    // directory, removed on close, and sees what the server had written when it was opened.
    bool secondary = false;
    // RocksDB's block cache, shared by every family, holding the index and filter blocks too.
    // The server's small default keeps its resident memory level (rocksdb_options.cc says why);
    // a bulk writer of a big store wants its indexes cached (bench/scale/generate.cc).
    std::size_t block_cache_bytes = kDefaultBlockCacheBytes;
    // How many streams' versions an append remembers (~115 bytes each) before it forgets them
    // all and reads each from the stream index again once: the server's default bounds its
    // memory; a bulk writer touching millions of streams at random sets more.
    std::size_t remembered_streams = kDefaultRememberedStreams;
    // All memtables together, half of it the most one family holds before it is flushed to a
    // table: the server's small default keeps its memory level; a bulk writer sets more, so that
    // its tables are written bigger and rewritten fewer times on their way down the levels.
    std::size_t write_buffer_bytes = kDefaultWriteBufferBytes;
    // Table files RocksDB keeps open at once (its table cache); past it, the least recently read
    // is closed and opened again when next read. The log's families take a table file per
    // memtable flush that never merges with its neighbours (their keys only grow), so an
    // unbounded cache would hold one descriptor per few MiB of log: thousands on a big store,
    // past the server's reserve (app/serve.cc). A secondary instance ignores it: RocksDB needs
    // every file of the primary open there.
    int max_open_table_files = kDefaultMaxOpenTableFiles;
};

class EventStore {
  public:
    virtual ~EventStore() = default;

    // Appends all events and deliveries of `batch` atomically: one RocksDB WriteBatch, write-ahead
    // log always on, synced when OpenOptions::sync. Positions are dense from 1 across batches;
    // delivery seqs are dense from 1 per webhook.
    //
    // Every event's expected_version is checked against the stored stream and against earlier
    // events of the same batch. Any conflict writes nothing and returns version_conflict; a
    // broken precondition (see NewEvent, NewDelivery and the limits above) writes nothing and
    // returns invalid_argument. A read-only store returns invalid_argument.
    //
    // If the disk is full, returns no_space and the batch is not in the store; every later write
    // first tries to resume RocksDB and succeeds again within seconds of space being freed. If
    // RocksDB fails to write for any other reason (a failed fsync, say), the batch may or may not
    // be found after reopening, and this store refuses every further write with io_error: reopen it
    // to go on.
    [[nodiscard]] virtual Result<AppendResult> append(const AppendBatch& batch) = 0;

    // Up to `limit` events with position > after_position, in position order. Fewer (or none)
    // at the end of the log. corruption if a record cannot be decoded or is not where it should
    // be; Error::position names the event.
    [[nodiscard]] virtual Result<std::vector<StoredEvent>> read_all(std::uint64_t after_position,
                                                                    std::size_t limit) const = 0;

    // Lends each event with position > after_position to `visit`, in position order, without
    // copying it: up to `limit` events, fewer at the end of the log or where `visit` returns
    // false. Returns how many events were visited. With Hashes::skip, EventView::hash is all
    // zero. Errors as read_all; the events before the one named were visited.
    [[nodiscard]] virtual Result<std::uint64_t> for_each_event(std::uint64_t after_position,
                                                               std::uint64_t limit, Hashes hashes,
                                                               const EventVisitor& visit) const = 0;

    // Up to `limit` events of `stream` with version > after_version, in version order. An
    // unknown stream gives an empty vector. Errors as read_all.
    [[nodiscard]] virtual Result<std::vector<StoredEvent>> read_stream(std::string_view stream,
                                                                       std::uint64_t after_version,
                                                                       std::size_t limit) const = 0;

    // The event at `position`; invalid_argument if there is none (0 or past the head).
    [[nodiscard]] virtual Result<StoredEvent> read_at(std::uint64_t position) const = 0;

    // The position and hash of the last event; 0 and all zero for an empty log.
    [[nodiscard]] virtual std::uint64_t head_position() const = 0;
    [[nodiscard]] virtual Hash head_hash() const = 0;

    // The version of `stream`: 0 when it does not exist. Also 0 if the lookup fails; an append
    // built on that value is refused, so it is safe, and read_stream_version() tells the two
    // cases apart.
    [[nodiscard]] virtual std::uint64_t stream_version(std::string_view stream) const = 0;

    // The positions of `stream`'s events, and of the events that named `id` as related, up to
    // and including position `up_to`, in position order. They read only the index (O(events
    // found)). An unknown stream or id gives an empty vector. A store written before the
    // related index existed and opened read-only has none: not_a_store says so.
    [[nodiscard]] virtual Result<std::vector<std::uint64_t>> stream_positions(
        std::string_view stream, std::uint64_t up_to) const = 0;
    [[nodiscard]] virtual Result<std::vector<std::uint64_t>> related_positions(
        std::string_view id, std::uint64_t up_to) const = 0;

    // The last position among 1..up_to whose event was decided at or before `at_ms`; 0 when
    // none. Decision instants never go back along the log (the engine's clock only moves
    // forward), so this is a binary search: O(log up_to) reads.
    [[nodiscard]] virtual Result<std::uint64_t> position_at(std::int64_t at_ms,
                                                            std::uint64_t up_to) const = 0;

    // Whether the related index covers every event of the log: set by
    // mark_related_index_complete() once a writer filled NewEvent::related from the first event
    // on, or a backfill added the rest. The mark is kept in the index itself, so an index lost
    // (its family dropped, say) loses the mark too. A read-only store without the index: false.
    [[nodiscard]] virtual Result<bool> related_index_complete() const = 0;
    [[nodiscard]] virtual Result<void> mark_related_index_complete() = 0;

    // Adds entries to the related index for events already in the log (a store written before
    // the index existed): `related` names the ids of each position. Synced. invalid_argument
    // for a position past the head or an id that breaks the text limits.
    [[nodiscard]] virtual Result<void> add_related(
        const std::vector<std::pair<std::uint64_t, std::string>>& related) = 0;
    [[nodiscard]] virtual Result<std::uint64_t> read_stream_version(
        std::string_view stream) const = 0;

    // Walks the whole chain and trusts nothing stored about it: recomputes every hash, checks
    // that positions are dense from 1, that the prev_hash links hold, that each stream's
    // versions are dense from 1 with the stream index agreeing, and that the stored head is the
    // last event. Reads everything: O(events). A broken chain is a report, not an Error; an
    // Error means verify could not read the store.
    [[nodiscard]] virtual Result<VerifyReport> verify() const = 0;

    // Up to `limit` deliveries of `webhook_id` with seq > after_seq, in seq order.
    [[nodiscard]] virtual Result<std::vector<StoredDelivery>> read_deliveries(
        std::string_view webhook_id, std::uint64_t after_seq, std::size_t limit) const = 0;

    // The last seq ever given to a delivery of `webhook_id` (0: none), as stored: appends give
    // the next one, so no stored delivery may have a seq above it. For `audit verify`.
    [[nodiscard]] virtual Result<std::uint64_t> read_last_delivery_seq(
        std::string_view webhook_id) const = 0;

    // Reads every table file of the families that verify() and read_delivery_entries() do not
    // walk (the delivery seqs, the delivery time index, meta), or of every family, whole: each
    // block against its checksum, the index, filter and properties blocks included, which no
    // iteration reads. Empty when all read whole; else one sentence per damaged file (damage is a
    // finding for `audit verify`, not an Error). O(the files read).
    [[nodiscard]] virtual Result<std::vector<std::string>> damaged_tables(
        bool every_family) const = 0;

    // Up to `limit` entries of the deliveries family after the key `after` (from the first
    // without), in key order, whether or not they decode. For `audit verify`.
    [[nodiscard]] virtual Result<std::vector<DeliveryEntry>> read_delivery_entries(
        const std::optional<std::string>& after, std::size_t limit) const = 0;

    // Removes every delivery received before `received_before_ms` (retention) and returns how
    // many. Seqs are never reused afterwards. Synced when OpenOptions::sync. O(deliveries).
    // An entry that cannot be decoded (its key or its value) is kept, never deleted, and the
    // others are pruned all the same; how many were kept so is added to `*undecodable`.
    [[nodiscard]] virtual Result<std::size_t> prune_deliveries(
        std::int64_t received_before_ms, std::size_t* undecodable = nullptr) = 0;

    // Small named blobs beside the log, outside the chain (snapshots, markers); put_meta is always
    // synced. The keys "format" and "head" are the store's own: put_meta refuses them with
    // invalid_argument (get_meta may read them), and an empty key is refused too.
    [[nodiscard]] virtual Result<void> put_meta(std::string_view key, std::string_view value) = 0;
    [[nodiscard]] virtual Result<std::optional<std::string>> get_meta(
        std::string_view key) const = 0;
};

// Opens the RocksDB store in `dir`, or with options.create creates it (and the directory).
//
//   not_a_store     `dir` does not exist, or exists but holds no keyledger store (no RocksDB,
//                   another RocksDB, another format), or create was asked in a non-empty
//                   directory that holds no store
//   already_exists  create was asked where a store already is
//   locked          another process (probably a running server) or another open store object
//                   in this process holds the store; read_only and secondary opens never lock
//   corruption      (writable opens only) the stored head disagrees with the last stored event;
//                   open read_only and run verify() to find out more
//   io_error        anything else RocksDB or the file system reported
//
// The returned store owns the database; destroying it closes the database.
[[nodiscard]] Result<std::unique_ptr<EventStore>> open_rocksdb_store(
    const std::filesystem::path& dir, const OpenOptions& options);

}  // namespace keyledger::eventstore
