// Proof files: the JSON shapes round-trip, and anything malformed is refused with the field
// named, never half-read.

#include <gtest/gtest.h>

#include "audit/transparency/merkle_tree.h"
#include "audit/transparency/proof_file.h"

namespace keyledger::transparency {
namespace {

InclusionProof sample_inclusion() {
    MerkleTree tree;
    for (std::uint8_t i = 0; i < 9; ++i) {
        tree.append(Hash{i});
    }
    return {4, Hash{3}, 9, tree.inclusion_proof(3, 9), "checkpoint text\n"};
}

TEST(ProofFile, InclusionRoundTrips) {
    const InclusionProof proof = sample_inclusion();
    const std::string json = to_json(proof);
    EXPECT_NE(json.find("\"format\": \"keyledger-inclusion-proof/1\""), std::string::npos);
    auto parsed = parse_inclusion_proof(json);
    ASSERT_TRUE(parsed) << parsed.error();
    EXPECT_EQ(parsed->position, proof.position);
    EXPECT_EQ(parsed->event_hash, proof.event_hash);
    EXPECT_EQ(parsed->tree_size, proof.tree_size);
    EXPECT_EQ(parsed->path, proof.path);
    EXPECT_EQ(parsed->checkpoint, proof.checkpoint);
}

TEST(ProofFile, ConsistencyRoundTrips) {
    const ConsistencyProof proof{3, 9, {Hash{1}, Hash{2}}, "old\n", "new\n"};
    auto parsed = parse_consistency_proof(to_json(proof));
    ASSERT_TRUE(parsed) << parsed.error();
    EXPECT_EQ(parsed->old_size, 3u);
    EXPECT_EQ(parsed->new_size, 9u);
    EXPECT_EQ(parsed->path, proof.path);
    EXPECT_EQ(parsed->old_checkpoint, "old\n");
    EXPECT_EQ(parsed->new_checkpoint, "new\n");
}

TEST(ProofFile, MalformedInclusionProofsNameTheField) {
    const std::string hash(64, 'a');
    const auto refused = [](const std::string& json, const std::string& needle) {
        auto parsed = parse_inclusion_proof(json);
        ASSERT_FALSE(parsed) << json;
        EXPECT_NE(parsed.error().find(needle), std::string::npos) << parsed.error();
    };
    refused("not json", "not a JSON object");
    refused("[1,2]", "not a JSON object");
    refused(R"({"format":"keyledger-consistency-proof/1"})", "not a proof file of format");
    const std::string head = R"({"format":"keyledger-inclusion-proof/1",)";
    refused(head + R"("position":-1})", "\"position\"");
    refused(head + R"("position":1.5})", "\"position\"");
    refused(head + R"("position":1,"event_hash":"AA"})", "\"event_hash\"");
    refused(head + R"("position":1,"event_hash":")" + std::string(64, 'A') + "\"}",
            "\"event_hash\"");
    refused(head + R"("position":1,"event_hash":")" + hash + R"(","tree_size":2,"path":"x"})",
            "\"path\"");
    refused(head + R"("position":1,"event_hash":")" + hash + R"(","tree_size":2,"path":[1]})",
            "\"path\"");
    std::string long_path = "[";
    for (int i = 0; i < 129; ++i) {
        long_path += (i ? ",\"" : "\"") + hash + "\"";
    }
    long_path += "]";
    refused(head + R"("position":1,"event_hash":")" + hash + R"(","tree_size":2,"path":)" +
                long_path + "}",
            "\"path\"");
    refused(head + R"("position":1,"event_hash":")" + hash + R"(","tree_size":2,"path":[]})",
            "\"checkpoint\"");
}

}  // namespace
}  // namespace keyledger::transparency
