// `keyledger audit checkpoint|prove|consistency` as an operator runs them: the real binary, a
// store made by `keyledger init`, beside a running server, and the proofs checked by
// keyledger-verify.

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

#include "tests/e2e/server_process.h"
#include "tests/transparency/real_store.h"

namespace keyledger::transparency::testing {
namespace {

using keyledger::testing::run_keyledger;
using keyledger::testing::ServerProcess;

int run_verifier(const std::vector<std::string>& args) {
    std::string command = KEYLEDGER_VERIFY;
    for (const auto& arg : args) {
        command += " " + arg;
    }
    const int status = std::system((command + " > /dev/null 2>&1").c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class CliTest : public ::testing::Test {
  protected:
    void SetUp() override {
        data_ = dir_.path() / "data";
        auto init = run_keyledger({"init", "--data-dir", data_.string()});
        ASSERT_EQ(init.exit_code, 0) << init.err;
    }

    std::string path(const std::string& name) { return (dir_.path() / name).string(); }

    TempDir dir_;
    fs::path data_;
};

TEST_F(CliTest, InitCreatesTheCheckpointKeyPair) {
    struct stat key_stat {};
    ASSERT_EQ(::stat(checkpoint_key_path(data_).c_str(), &key_stat), 0);
    EXPECT_EQ(key_stat.st_mode & 0777, 0600u);
    EXPECT_EQ(fs::file_size(checkpoint_key_path(data_)), 32u);
    auto key = load_public_key(checkpoint_public_key_path(data_));
    ASSERT_TRUE(key) << key.error();
    EXPECT_TRUE(key->name.starts_with("keyledger/kls_")) << key->name;
}

TEST_F(CliTest, CheckpointProveAndConsistencyBesideARunningServer) {
    ServerProcess server({"--data-dir", data_.string()});
    ASSERT_TRUE(server.started()) << server.startup_error();

    auto checkpoint = run_keyledger({"audit", "checkpoint", "--data-dir", data_.string()});
    ASSERT_EQ(checkpoint.exit_code, 0) << checkpoint.err;
    std::ofstream(path("old.checkpoint")) << checkpoint.out;
    auto as_json =
        run_keyledger({"audit", "checkpoint", "--data-dir", data_.string(), "--format", "json"});
    ASSERT_EQ(as_json.exit_code, 0) << as_json.err;
    const auto parsed = nlohmann::json::parse(as_json.out);
    const std::uint64_t old_size = parsed.at("tree_size").get<std::uint64_t>();
    EXPECT_GE(old_size, 3u);
    EXPECT_EQ(parsed.at("checkpoint").get<std::string>(), checkpoint.out);

    auto prove =
        run_keyledger({"audit", "prove", "--data-dir", data_.string(), "--position", "2",
                       "--checkpoint", path("old.checkpoint"), "--output", path("inclusion.json")});
    ASSERT_EQ(prove.exit_code, 0) << prove.err;
    EXPECT_NE(prove.out.find("event 2 (hash "), std::string::npos) << prove.out;
    EXPECT_EQ(server.stop(), 0);

    auto issued = run_keyledger(
        {"admin", "issue-token", "--data-dir", data_.string(), "--username", "admin"});
    ASSERT_EQ(issued.exit_code, 0) << issued.err;

    auto consistency = run_keyledger({"audit", "consistency", "--data-dir", data_.string(),
                                      "--from", path("old.checkpoint"), "--format", "json"});
    ASSERT_EQ(consistency.exit_code, 0) << consistency.err;
    std::ofstream(path("consistency.json")) << consistency.out;
    EXPECT_GT(nlohmann::json::parse(consistency.out).at("new_size").get<std::uint64_t>(), old_size);

    fs::copy_file(checkpoint_public_key_path(data_), path("store.pub"));
    EXPECT_EQ(run_verifier({"inclusion", "--public-key", path("store.pub"), "--proof",
                            path("inclusion.json"), "--checkpoint", path("old.checkpoint")}),
              0);
    EXPECT_EQ(run_verifier({"consistency", "--public-key", path("store.pub"), "--proof",
                            path("consistency.json"), "--old", path("old.checkpoint")}),
              0);
}

TEST_F(CliTest, RefusalsAreOneLineAndExitOne) {
    auto past_end =
        run_keyledger({"audit", "prove", "--data-dir", data_.string(), "--position", "1000"});
    EXPECT_EQ(past_end.exit_code, 1);
    EXPECT_NE(past_end.err.find("position 1000 is not in the"), std::string::npos) << past_end.err;

    auto no_store = run_keyledger({"audit", "checkpoint", "--data-dir", path("nowhere")});
    EXPECT_EQ(no_store.exit_code, 1);
    EXPECT_NE(no_store.err.find("is not a keyledger data directory"), std::string::npos)
        << no_store.err;

    auto missing_from = run_keyledger({"audit", "consistency", "--data-dir", data_.string(),
                                       "--from", path("missing.checkpoint")});
    EXPECT_EQ(missing_from.exit_code, 1);
    EXPECT_NE(missing_from.err.find("cannot read"), std::string::npos) << missing_from.err;

    auto no_position = run_keyledger({"audit", "prove", "--data-dir", data_.string()});
    EXPECT_EQ(no_position.exit_code, 2);

    auto help = run_keyledger({"audit", "prove", "--help"});
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_NE(help.out.find("--position"), std::string::npos);

    auto version = run_keyledger({"--version"});
    EXPECT_EQ(version.exit_code, 0);
    EXPECT_EQ(version.out, "keyledger 0.1.0\n");

    fs::remove(checkpoint_key_path(data_));
    fs::remove(checkpoint_public_key_path(data_));
    auto keyless = run_keyledger({"audit", "checkpoint", "--data-dir", data_.string()});
    EXPECT_EQ(keyless.exit_code, 1);
    EXPECT_NE(keyless.err.find("has no checkpoint key"), std::string::npos) << keyless.err;
}

// The insider truncates a store made by `keyledger init`: the tail deleted, the head record
// rewritten, a valid chain again. `keyledger audit verify` catches it through the auditor's
// checkpoint and names it.
TEST_F(CliTest, AuditVerifyCatchesATruncatedStoreThroughAKeptCheckpoint) {
    for (int i = 0; i < 2; ++i) {
        auto issued = run_keyledger(
            {"admin", "issue-token", "--data-dir", data_.string(), "--username", "admin"});
        ASSERT_EQ(issued.exit_code, 0) << issued.err;
    }
    auto checkpoint = run_keyledger({"audit", "checkpoint", "--data-dir", data_.string()});
    ASSERT_EQ(checkpoint.exit_code, 0) << checkpoint.err;
    std::ofstream(path("kept.checkpoint")) << checkpoint.out;
    auto intact = run_keyledger(
        {"audit", "verify", "--data-dir", data_.string(), "--checkpoint", path("kept.checkpoint")});
    ASSERT_EQ(intact.exit_code, 0) << intact.out << intact.err;

    std::uint64_t head = 0;
    {
        auto store = open_store(data_, {.read_only = true});
        head = store->head_position();
    }
    const std::uint64_t kept = head - 1;
    {
        Insider insider(data_);
        insider.delete_stream_entry(insider.event(head));
        insider.delete_event(head);
        insider.put_head(kept, insider.event(kept).hash);
    }
    {
        auto store = open_store(data_, {.read_only = true});
        ASSERT_TRUE(store->verify()->ok);  // the chain alone sees nothing
    }
    auto verify = run_keyledger({"audit", "verify", "--data-dir", data_.string(), "--checkpoint",
                                 path("kept.checkpoint"), "--format", "json"});
    EXPECT_EQ(verify.exit_code, 1) << verify.out << verify.err;
    EXPECT_NE(verify.out.find("log truncated: checkpoint covers " + std::to_string(head) +
                              " events, log has " + std::to_string(kept)),
              std::string::npos)
        << verify.out;
}

}  // namespace
}  // namespace keyledger::transparency::testing
