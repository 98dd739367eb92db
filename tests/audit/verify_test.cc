// audit::verify: the hash chain and the projections. A snapshot that disagrees with the rebuild
// of the log up to its position, a damaged snapshot and a damaged event are each reported with
// the first bad position.

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "audit/verify.h"
#include "engine/rebuild.h"
#include "projections/snapshot.h"
#include "tests/audit/ledger.h"
#include "tests/engine/temp_dir.h"
#include "tests/eventstore/test_support.h"

namespace keyledger::testing {
namespace {

using namespace domain;
using nlohmann::json;

// After a broken link nothing folded from the log is judged: each such part says not checked
// and why, none says ok, and all are listed as unchecked.
void expect_untrusted(const json& out, std::uint64_t at) {
    const std::string because = "the chain is broken at event " + std::to_string(at);
    for (const char* part : {"projections", "related_index", "deliveries"}) {
        EXPECT_EQ(out[part]["checked"], false) << part << ": " << out.dump(2);
        EXPECT_NE(out[part].value("ok", false), true) << part;
        EXPECT_NE(out[part]["reason"].get<std::string>().find(because), std::string::npos)
            << part << ": " << out.dump(2);
    }
    EXPECT_EQ(out["unchecked"],
              json::array({"projections", "related_index", "deliveries", "checkpoints"}));
}

class Verify : public ::testing::Test {
  protected:
    void SetUp() override {
        ledger = std::make_unique<Ledger>(dir.path());
        ledger->shop();
        const auto& model = ledger->model();
        alice_created = projections::read_positions(
                            ledger->store(),
                            model.history().sources_for_account(model.state(), "usr_alice"), 1000)
                            ->front();
        ledger->clock.advance(kDay);
        ledger->call("s-shop", "whk_shop");
        ledger->must(CreateUser{"usr_bob", "bob", AccountKind::person, 0, ""});
    }
    // Closes the engine, so that the store may be opened for writing (or tampering).
    void close() { ledger.reset(); }
    // Closes the engine, writes every memtable to table files and returns those of `family`.
    std::vector<std::filesystem::path> close_and_flush(eventstore::detail::Family family) {
        close();
        eventstore::testing::RawStore raw(dir.path());
        return raw.flushed_table_files(family);
    }
    std::unique_ptr<eventstore::EventStore> open(eventstore::OpenOptions options = {
                                                     .secondary = true}) {
        auto store = eventstore::open_rocksdb_store(dir.path(), options);
        EXPECT_TRUE(store.has_value()) << (store ? "" : store.error().message);
        return std::move(*store);
    }
    json verify() {
        auto store = open();
        auto out = audit::verify(*store);
        EXPECT_TRUE(out.has_value()) << (out ? "" : out.error().message);
        return out ? *out : json();
    }

    TempDir dir{memory_backed_temp()};
    std::unique_ptr<Ledger> ledger;
    std::uint64_t alice_created = 0;
};

TEST_F(Verify, AnIntactStoreWithoutASnapshotIsOk) {
    const std::uint64_t head = ledger->head();
    close();
    json out = verify();
    EXPECT_EQ(out["ok"], true) << out.dump(2);
    EXPECT_EQ(out["events"], head);
    EXPECT_EQ(out["projections"]["rebuilt_to"], head);
    EXPECT_FALSE(out["projections"].contains("snapshot_position"));
    EXPECT_EQ(out["side_families"]["ok"], true) << out.dump(2);
    // Nothing was left out but the checkpoints, none of which was given (decision 117).
    EXPECT_EQ(out["unchecked"], json::array({"checkpoints"})) << out.dump(2);
}

TEST_F(Verify, AGoodSnapshotIsComparedAtItsPosition) {
    ASSERT_TRUE(ledger->engine().write_snapshot());
    const std::uint64_t at = ledger->head();
    ledger->clock.advance(kDay);
    ledger->call("s-shop", "whk_shop");  // the snapshot is now behind the log
    close();
    json out = verify();
    EXPECT_EQ(out["ok"], true) << out.dump(2);
    EXPECT_EQ(out["projections"]["snapshot_position"], at);
    EXPECT_EQ(out["projections"]["rebuilt_to"], at + 1);
}

// A snapshot whose bytes and event hash are genuine, but whose state was folded from an altered
// fact: load_snapshot trusts it, verify must not.
TEST_F(Verify, ASnapshotThatDisagreesWithTheRebuildNamesItsPositionAndTheEntity) {
    close();
    {
        auto store = open({.sync = false});
        auto model = engine::rebuild(*store, alice_created - 1);
        ASSERT_TRUE(model.has_value());
        auto stored = store->read_at(alice_created);
        ASSERT_TRUE(stored.has_value());
        auto fact = engine::decode_fact(*stored);
        ASSERT_TRUE(fact.has_value());
        auto& created = std::get<UserCreated>(fact->event);
        created.roles = static_cast<Roles>(Role::user_admin);  // what the log never said
        model->apply(alice_created, *fact);
        ASSERT_TRUE(store
                        ->put_meta(projections::kSnapshotMetaKey,
                                   projections::encode_snapshot(*model, stored->hash))
                        .has_value());
        // The planted snapshot passes every check load_snapshot makes.
        auto loaded = engine::load_snapshot(*store);
        ASSERT_TRUE(loaded.has_value() && loaded->has_value());
    }
    json out = verify();
    EXPECT_EQ(out["ok"], false);
    EXPECT_EQ(out["chain"]["ok"], true);
    EXPECT_EQ(out["first_bad_position"], alice_created);
    EXPECT_EQ(out["projections"]["first_bad_position"], alice_created);
    const std::string reason = out["reason"];
    EXPECT_NE(reason.find("account usr_alice differs"), std::string::npos) << reason;
}

TEST_F(Verify, ADamagedSnapshotIsAFinding) {
    ASSERT_TRUE(ledger->engine().write_snapshot());
    close();
    {
        auto store = open({.sync = false});
        auto bytes = store->get_meta(projections::kSnapshotMetaKey);
        ASSERT_TRUE(bytes.has_value() && bytes->has_value());
        std::string bad = **bytes;
        bad[bad.size() / 2] ^= 0x20;
        ASSERT_TRUE(store->put_meta(projections::kSnapshotMetaKey, bad).has_value());
    }
    json out = verify();
    EXPECT_EQ(out["ok"], false);
    EXPECT_EQ(out["chain"]["ok"], true);
    EXPECT_NE(out["reason"].get<std::string>().find("cannot be trusted"), std::string::npos)
        << out.dump(2);
}

TEST_F(Verify, AFlippedByteInAnEventNamesThatPosition) {
    const std::uint64_t head = ledger->head();
    close();
    const std::uint64_t victim = head - 1;
    {
        eventstore::testing::RawStore raw(dir.path());
        const std::string key = eventstore::detail::event_key(victim);
        std::string envelope = raw.get(eventstore::detail::Family::events, key);
        const std::size_t at = envelope.find("usr_");  // a text field: still decodable
        ASSERT_NE(at, std::string::npos);
        envelope[at + 4] ^= 0x01;
        raw.put(eventstore::detail::Family::events, key, envelope);
    }
    json out = verify();
    EXPECT_EQ(out["ok"], false);
    EXPECT_EQ(out["chain"]["ok"], false);
    EXPECT_EQ(out["first_bad_position"], victim) << out.dump(2);
    expect_untrusted(out, victim);
}

// A flipped byte in a table file of a family no other check walks (here the delivery time
// index) is a finding, not "ok" on a store the server would then refuse to read.
TEST_F(Verify, ADamagedTableOfTheDeliveryTimeIndexIsAFinding) {
    const std::vector<std::filesystem::path> tables =
        close_and_flush(eventstore::detail::Family::delivery_time);
    ASSERT_FALSE(tables.empty());
    // Once a flipped byte in its first data block, once cut to half its length (the footer, index
    // and properties gone: blocks no iteration reads).
    const std::string intact = [&] {
        std::ifstream in(tables.front(), std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), {});
    }();
    for (const bool cut : {false, true}) {
        std::string damaged = intact;
        if (cut) {
            damaged.resize(damaged.size() / 2);
        } else {
            damaged[16] = static_cast<char>(damaged[16] ^ 0x40);
        }
        std::ofstream(tables.front(), std::ios::binary | std::ios::trunc) << damaged;
        json out = verify();
        EXPECT_EQ(out["ok"], false) << out.dump(2);
        EXPECT_EQ(out["side_families"]["ok"], false);
        // Named by its file (and family, when RocksDB could still load the table).
        const std::string reason = out.value("reason", "");
        EXPECT_EQ(reason.find("table file " + tables.front().filename().string()), 0u) << reason;
        EXPECT_NE(reason.find("is damaged"), std::string::npos) << reason;
    }
}

// A damaged table of the log itself: the finding names the file first, not only the events it
// seems to lack.
TEST_F(Verify, ADamagedTableOfTheLogIsNamed) {
    const std::vector<std::filesystem::path> tables =
        close_and_flush(eventstore::detail::Family::events);
    ASSERT_FALSE(tables.empty());
    std::filesystem::resize_file(tables.front(), std::filesystem::file_size(tables.front()) / 2);
    json out = verify();
    EXPECT_EQ(out["ok"], false) << out.dump(2);
    const std::string reason = out.value("reason", "");
    EXPECT_EQ(reason.find("table file " + tables.front().filename().string()), 0u) << reason;
    EXPECT_NE(reason.find("what the checks saw: events 1 to"), std::string::npos) << reason;
    ASSERT_TRUE(out.contains("damaged_tables"));
}

// An event planted past the head breaks the chain at the head: nothing folded is judged.
TEST_F(Verify, AnEventPlantedPastTheHeadLeavesTheFoldedChecksUnrun) {
    const std::uint64_t head = ledger->head();
    close();
    {
        eventstore::testing::RawStore raw(dir.path());
        raw.put(eventstore::detail::Family::events, eventstore::detail::event_key(head + 1),
                raw.get(eventstore::detail::Family::events, eventstore::detail::event_key(head)));
    }
    json out = verify();
    EXPECT_EQ(out["ok"], false);
    EXPECT_EQ(out["chain"]["ok"], false) << out.dump(2);
    expect_untrusted(out, out["chain"].value("first_bad_position", std::uint64_t{0}));
}

// A call event altered in the middle of the log: the deliveries check would fold the forged
// call id and call the genuine delivery's call missing. It is not run at all.
TEST_F(Verify, AnAlteredCallIsNeverTheSourceOfADeliveryFinding) {
    ledger->clock.advance(kDay);
    const std::string call_id = ledger->deliver("s-shop", "whk_shop", "{\"order\":1}");
    const std::uint64_t call = ledger->head();
    ledger->must(CreateUser{"usr_carol", "carol", AccountKind::person, 0, ""});
    close();
    {
        eventstore::testing::RawStore raw(dir.path());
        const std::string key = eventstore::detail::event_key(call);
        std::string envelope = raw.get(eventstore::detail::Family::events, key);
        const std::size_t at = envelope.find(call_id);
        ASSERT_NE(at, std::string::npos);
        envelope[at + call_id.size() - 1] ^= 0x01;  // still a decodable call, with a forged id
        raw.put(eventstore::detail::Family::events, key, envelope);
    }
    json out = verify();
    EXPECT_EQ(out["ok"], false);
    EXPECT_EQ(out["first_bad_position"], call) << out.dump(2);
    expect_untrusted(out, call);
    EXPECT_EQ(out["reason"].get<std::string>().find("missing"), std::string::npos) << out.dump(2);
}

// The whole related index emptied (entries and mark) on a store whose index family this
// version created: a finding, not "predates the index" (decision 116). A store without the
// family is older than the index and stays not checked.
TEST_F(Verify, ARelatedIndexEmptiedOnAStoreThatKeptOneIsAFinding) {
    close();
    const auto family = eventstore::detail::Family::related_index;
    {
        eventstore::testing::RawStore raw(dir.path());
        for (const std::string& key : raw.keys(family)) {
            raw.remove(family, key);
        }
    }
    json out = verify();
    EXPECT_EQ(out["ok"], false) << out.dump(2);
    EXPECT_EQ(out["related_index"]["checked"], true);
    EXPECT_EQ(out["related_index"]["ok"], false);
    EXPECT_NE(out["reason"].get<std::string>().find("holds no entry and no mark"),
              std::string::npos)
        << out.dump(2);
    {
        eventstore::testing::RawStore raw(dir.path());
        raw.drop(family);
    }
    out = verify();
    EXPECT_EQ(out["ok"], true) << out.dump(2);
    EXPECT_EQ(out["related_index"]["checked"], false);
    EXPECT_EQ(out["unchecked"], json::array({"related_index", "checkpoints"}));
}

// An event that no longer decodes stops the rebuild there: what is judged against the rebuilt
// state is then said not checked, never ok.
TEST_F(Verify, ChecksThatCouldNotRunAreNotSaidOk) {
    const std::uint64_t head = ledger->head();
    close();
    {
        eventstore::testing::RawStore raw(dir.path());
        raw.put(eventstore::detail::Family::events, eventstore::detail::event_key(head - 1),
                "not an envelope");
    }
    json out = verify();
    EXPECT_EQ(out["ok"], false);
    EXPECT_EQ(out["first_bad_position"], head - 1) << out.dump(2);
    for (const char* part : {"related_index", "deliveries"}) {
        EXPECT_EQ(out[part]["checked"], false) << part << ": " << out.dump(2);
        EXPECT_FALSE(out[part].contains("ok")) << part;
        EXPECT_NE(out[part]["reason"].get<std::string>().find("not checked"), std::string::npos);
    }
}

// The related index is outside the chain: an entry removed or planted is a finding too, naming
// the event and the id.
TEST_F(Verify, ARelatedIndexEntryRemovedOrPlantedIsAFinding) {
    ledger->clock.advance(kDay);
    ledger->call("s-shop", "whk_shop");
    const std::uint64_t call = ledger->head();
    const domain::State& state = ledger->model().state();
    const std::string owner(state.owner_id(*state.token("tok_shop")));
    ledger->must(CreateUser{"usr_carol", "carol", AccountKind::person, 0, ""});
    const std::uint64_t carol = ledger->head();
    close();
    const auto family = eventstore::detail::Family::related_index;
    {
        eventstore::testing::RawStore raw(dir.path());
        raw.remove(family, eventstore::detail::stream_key(owner, call));
    }
    json out = verify();
    EXPECT_EQ(out["ok"], false);
    EXPECT_EQ(out["related_index"]["ok"], false);
    EXPECT_EQ(out["first_bad_position"], call) << out.dump(2);
    EXPECT_NE(out["reason"].get<std::string>().find("lacks event " + std::to_string(call)),
              std::string::npos)
        << out.dump(2);
    {
        eventstore::testing::RawStore raw(dir.path());
        raw.put(family, eventstore::detail::stream_key(owner, call), "");
        raw.put(family, eventstore::detail::stream_key("usr_alice", carol), "");
    }
    out = verify();
    EXPECT_EQ(out["ok"], false);
    EXPECT_EQ(out["first_bad_position"], carol) << out.dump(2);
    EXPECT_NE(out["reason"].get<std::string>().find("foreign event " + std::to_string(carol) +
                                                    " for usr_alice"),
              std::string::npos)
        << out.dump(2);
    {
        eventstore::testing::RawStore raw(dir.path());
        raw.remove(family, eventstore::detail::stream_key("usr_alice", carol));
    }
    EXPECT_EQ(verify()["ok"], true);
}

// Deliveries are outside the chain too: the accepted call event holds the body's length and
// SHA-256, so a delivery altered, or planted under a call the log does not record, is a finding.
TEST_F(Verify, AnAlteredOrPlantedDeliveryIsAFinding) {
    ledger->clock.advance(kDay);
    const std::string call_id = ledger->deliver("s-shop", "whk_shop", "{\"order\":1}");
    ledger->deliver("s-shop", "whk_shop", "{\"order\":2}");
    close();
    json out = verify();
    EXPECT_EQ(out["ok"], true) << out.dump(2);
    EXPECT_EQ(out["deliveries"]["deliveries_checked"], 2);

    const auto family = eventstore::detail::Family::deliveries;
    const std::string key = eventstore::detail::delivery_key("whk_shop", 1);
    std::string original;
    {
        eventstore::testing::RawStore raw(dir.path());
        original = raw.get(family, key);
        auto stored = eventstore::detail::decode_delivery("whk_shop", 1, original);
        ASSERT_TRUE(stored.has_value());
        ASSERT_EQ(stored->call_id, call_id);
        raw.put(family, key,
                eventstore::detail::encode_delivery(1, {"whk_shop", call_id, stored->received_at_ms,
                                                        stored->content_type, "{\"order\":9}"}));
    }
    out = verify();
    EXPECT_EQ(out["ok"], false);
    EXPECT_EQ(out["chain"]["ok"], true);
    EXPECT_EQ(out["deliveries"]["ok"], false);
    EXPECT_NE(out["reason"].get<std::string>().find("delivery 1 of webhook whk_shop (call " +
                                                    call_id + ") was altered"),
              std::string::npos)
        << out.dump(2);

    const auto seqs = eventstore::detail::Family::delivery_seq;
    {
        eventstore::testing::RawStore raw(dir.path());
        raw.put(family, key, original);
        raw.put(family, eventstore::detail::delivery_key("whk_shop", 3),
                eventstore::detail::encode_delivery(
                    3, {"whk_shop", "call_planted", kStart + kDay, "text/plain", "{}"}));
        raw.put(seqs, "whk_shop", eventstore::detail::encode_u64(3));
    }
    out = verify();
    EXPECT_EQ(out["ok"], false);
    EXPECT_NE(out["reason"].get<std::string>().find("call_planted) names a call that the log "
                                                    "does not record"),
              std::string::npos)
        << out.dump(2);
    {
        eventstore::testing::RawStore raw(dir.path());
        raw.remove(family, eventstore::detail::delivery_key("whk_shop", 3));
        raw.put(seqs, "whk_shop", eventstore::detail::encode_u64(2));
    }
    EXPECT_EQ(verify()["ok"], true);

    // The last seq given, lowered: the next call would overwrite a stored delivery.
    {
        eventstore::testing::RawStore raw(dir.path());
        raw.put(seqs, "whk_shop", eventstore::detail::encode_u64(1));
    }
    out = verify();
    EXPECT_EQ(out["ok"], false);
    EXPECT_NE(out["reason"].get<std::string>().find("delivery 2 of webhook whk_shop"),
              std::string::npos)
        << out.dump(2);
    EXPECT_NE(out["reason"].get<std::string>().find("lies outside the seqs the store ever gave"),
              std::string::npos)
        << out.dump(2);
}

// The whole deliveries family is read, not only seqs 1..last of the webhooks the log knows: an
// entry under a webhook the log does not record (whatever its last seq says), one with seq 0 and
// a key that is no webhook id and seq are each a finding, named by their escaped key.
// Pruning reaches deliveries through the time index: one whose entry was lost is never pruned,
// and its body outlives the retention. Once a prune has passed its instant, that is a finding.
TEST_F(Verify, ADeliveryPruningPassedButCouldNotReachIsAFinding) {
    ledger->clock.advance(kDay);
    const std::string lost = ledger->deliver("s-shop", "whk_shop", "{\"order\":1}");
    ledger->clock.advance(kDay);
    ledger->deliver("s-shop", "whk_shop", "{\"order\":2}");
    close();
    std::int64_t received = 0;
    {
        eventstore::testing::RawStore raw(dir.path());
        const std::string key = eventstore::detail::delivery_key("whk_shop", 1);
        auto stored = eventstore::detail::decode_delivery(
            "whk_shop", 1, raw.get(eventstore::detail::Family::deliveries, key));
        ASSERT_TRUE(stored.has_value());
        received = stored->received_at_ms;
        raw.remove(eventstore::detail::Family::delivery_time,
                   eventstore::detail::delivery_time_key(received, key));
    }
    {
        // A prune past the first delivery but not the second: it cannot reach the first.
        auto store = open({});
        auto pruned = store->prune_deliveries(received + 1);
        ASSERT_TRUE(pruned.has_value()) << pruned.error().message;
        EXPECT_EQ(*pruned, 0u);
    }
    json out = verify();
    EXPECT_EQ(out["ok"], false) << out.dump(2);
    EXPECT_EQ(out["deliveries"]["ok"], false) << out.dump(2);
    EXPECT_NE(out["reason"].get<std::string>().find("delivery 1 of webhook whk_shop (call " + lost +
                                                    ") was received at"),
              std::string::npos)
        << out.dump(2);
    EXPECT_NE(out["reason"].get<std::string>().find("delivery time index is missing or wrong"),
              std::string::npos)
        << out.dump(2);
}

TEST_F(Verify, EveryDeliveryEntryOutsideTheKnownSeqsIsAFinding) {
    ledger->clock.advance(kDay);
    ledger->deliver("s-shop", "whk_shop", "{\"order\":1}");
    close();
    const auto family = eventstore::detail::Family::deliveries;
    {
        eventstore::testing::RawStore raw(dir.path());
        raw.put(family, eventstore::detail::delivery_key("whk_ghost", 1),
                eventstore::detail::encode_delivery(
                    1, {"whk_ghost", "call_ghost", kStart + kDay, "text/plain", "{}"}));
        raw.put(eventstore::detail::Family::delivery_seq, "whk_ghost", "garbage");
        raw.put(family, eventstore::detail::delivery_key("whk_shop", 0),
                eventstore::detail::encode_delivery(
                    0, {"whk_shop", "call_zero", kStart + kDay, "text/plain", "{}"}));
        raw.put(family, "zzz\xff", "anything");
    }
    json out = verify();
    EXPECT_EQ(out["ok"], false) << out.dump(2);
    const json& deliveries = out["deliveries"];
    EXPECT_EQ(deliveries["ok"], false);
    ASSERT_EQ(deliveries["findings_count"], 3) << deliveries.dump(2);
    const json& findings = deliveries["findings"];
    EXPECT_EQ(findings[0]["key"], "whk_ghost\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x01");
    EXPECT_NE(
        findings[0]["reason"].get<std::string>().find("belongs to no webhook the log records"),
        std::string::npos);
    EXPECT_NE(findings[1]["reason"].get<std::string>().find("delivery 0 of webhook whk_shop"),
              std::string::npos);
    EXPECT_EQ(findings[2]["key"], "zzz\\xff");
    EXPECT_NE(findings[2]["reason"].get<std::string>().find("is not a webhook id and a seq"),
              std::string::npos);
    EXPECT_EQ(out["reason"], findings[0]["reason"]);
    // The JSON holds only what it can print: a key's raw bytes never reach it.
    EXPECT_NO_THROW((void)out.dump());
}

// serve refuses to start without keys/token.key, so verify does not call such a directory ok,
// unless the auditor says the copy has no key on purpose (decision 118).
TEST_F(Verify, AMissingTokenKeyIsAFindingUnlessTheCopyHasNoneOnPurpose) {
    close();
    auto store = open();
    const json missing = audit::check_token_key_as_serve(dir.path(), *store, false);
    EXPECT_EQ(missing["checked"], true) << missing.dump(2);
    EXPECT_EQ(missing["ok"], false);
    EXPECT_NE(missing["reason"].get<std::string>().find("serve refuses to start without it"),
              std::string::npos)
        << missing.dump(2);
    const json waived = audit::check_token_key_as_serve(dir.path(), *store, true);
    EXPECT_EQ(waived["checked"], false) << waived.dump(2);
    EXPECT_EQ(waived["ok"], true);
    EXPECT_NE(waived["reason"].get<std::string>().find("--without-token-key"), std::string::npos);
}

}  // namespace
}  // namespace keyledger::testing
