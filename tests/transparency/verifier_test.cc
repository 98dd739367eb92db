// keyledger-verify as an auditor runs it: the process, its exit codes and its output, on files
// made from a real store.

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <fstream>

#include "audit/transparency/log_proofs.h"
#include "tests/transparency/real_store.h"

namespace keyledger::transparency::testing {
namespace {

struct Run {
    int exit_code;
    std::string output;
};

// Runs keyledger-verify with `arguments` (no shell metacharacters in them), stdout and stderr
// together.
Run verify(const std::string& arguments) {
    const std::string command = std::string(KEYLEDGER_VERIFY) + " " + arguments + " 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    EXPECT_NE(pipe, nullptr);
    std::string output;
    char buffer[4096];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) {
        output.append(buffer, n);
    }
    const int status = ::pclose(pipe);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

class VerifierTest : public ::testing::Test {
  protected:
    void SetUp() override {
        make_data_dir(dir_.path(), 6);
        auto store = open_store(dir_.path(), {.read_only = true});
        auto head = current_checkpoint(stopped_store_source(*store, dir_.path()));
        ASSERT_TRUE(head) << head.error();
        write("old.checkpoint", head->text);
        store.reset();
        {
            engine::ManualClock clock(1'790'000'000'000);
            auto engine = open_engine(dir_.path(), clock, false);
            add_users(*engine, 5, 100);
        }
        store = open_store(dir_.path(), {.read_only = true});
        auto now = current_checkpoint(stopped_store_source(*store, dir_.path()));
        ASSERT_TRUE(now);
        write("new.checkpoint", now->text);
        auto inclusion =
            prove_inclusion(stopped_store_source(*store, dir_.path()), 4, std::nullopt);
        ASSERT_TRUE(inclusion);
        write("inclusion.json", to_json(*inclusion));
        event_hash_ = to_hex(inclusion->event_hash);
        auto consistency = prove_consistency(stopped_store_source(*store, dir_.path()),
                                             file("old.checkpoint"), std::nullopt);
        ASSERT_TRUE(consistency) << consistency.error();
        write("consistency.json", to_json(*consistency));
        fs::copy_file(checkpoint_public_key_path(dir_.path()), file("store.pub"));
    }

    fs::path file(const std::string& name) { return auditor_.path() / name; }
    void write(const std::string& name, const std::string& text) {
        std::ofstream(file(name), std::ios::binary) << text;
    }
    std::string key() { return "--public-key " + file("store.pub").string(); }

    TempDir dir_;
    TempDir auditor_;
    std::string event_hash_;
};

TEST_F(VerifierTest, ValidFilesExitZero) {
    auto checkpoint =
        verify("checkpoint " + key() + " --checkpoint " + file("new.checkpoint").string());
    EXPECT_EQ(checkpoint.exit_code, 0) << checkpoint.output;
    EXPECT_NE(checkpoint.output.find("valid: signed by keyledger/kls_test: 11 events"),
              std::string::npos)
        << checkpoint.output;

    auto inclusion =
        verify("inclusion " + key() + " --proof " + file("inclusion.json").string() +
               " --checkpoint " + file("new.checkpoint").string() + " --event-hash " + event_hash_);
    EXPECT_EQ(inclusion.exit_code, 0) << inclusion.output;

    auto consistency =
        verify("consistency " + key() + " --proof " + file("consistency.json").string() +
               " --old " + file("old.checkpoint").string() + " --format json");
    EXPECT_EQ(consistency.exit_code, 0) << consistency.output;
    EXPECT_TRUE(consistency.output.starts_with("{\"kind\":\"consistency\",")) << consistency.output;
    EXPECT_NE(consistency.output.find("\"valid\":true"), std::string::npos);
}

TEST_F(VerifierTest, InvalidFilesExitOne) {
    auto text = *read_text_file(file("new.checkpoint"));
    text.replace(text.find("\n11\n"), 4, "\n12\n");
    write("altered.checkpoint", text);
    auto altered =
        verify("checkpoint " + key() + " --checkpoint " + file("altered.checkpoint").string());
    EXPECT_EQ(altered.exit_code, 1) << altered.output;
    EXPECT_TRUE(altered.output.starts_with("INVALID: ")) << altered.output;

    // The proof is for event 4; the auditor asks about another hash.
    auto other = verify("inclusion " + key() + " --proof " + file("inclusion.json").string() +
                        " --event-hash " + std::string(64, 'a') + " --format json");
    EXPECT_EQ(other.exit_code, 1) << other.output;
    EXPECT_NE(other.output.find("\"valid\":false"), std::string::npos) << other.output;

    // The new checkpoint where the old one should be.
    auto swapped = verify("consistency " + key() + " --proof " + file("consistency.json").string() +
                          " --old " + file("new.checkpoint").string());
    EXPECT_EQ(swapped.exit_code, 1) << swapped.output;

    write("broken.json", "{\"format\":\"keyledger-inclusion-proof/1\",\"position\":1}");
    auto broken = verify("inclusion " + key() + " --proof " + file("broken.json").string());
    EXPECT_EQ(broken.exit_code, 1) << broken.output;
    EXPECT_NE(broken.output.find("malformed inclusion proof"), std::string::npos) << broken.output;
}

TEST_F(VerifierTest, UsageErrorsExitTwo) {
    EXPECT_EQ(verify("").exit_code, 2);
    EXPECT_EQ(verify("inclusion --proof " + file("inclusion.json").string()).exit_code, 2);
    EXPECT_EQ(verify("inclusion " + key() + " --proof " + file("missing.json").string()).exit_code,
              2);
    write("bad.pub", "not a key\n");
    auto bad_key = verify("checkpoint --public-key " + file("bad.pub").string() + " --checkpoint " +
                          file("new.checkpoint").string());
    EXPECT_EQ(bad_key.exit_code, 2) << bad_key.output;
    EXPECT_EQ(verify("inclusion " + key() + " --proof " + file("inclusion.json").string() +
                     " --event-hash XYZ")
                  .exit_code,
              2);
    auto help = verify("--help");
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_NE(help.output.find("consistency"), std::string::npos);
}

}  // namespace
}  // namespace keyledger::transparency::testing
