// audit::export_events: the events as NDJSON or CSV, with the chain's hashes and without any
// password hash or token secret hash. The leak check is shown to find a planted hash where it
// is (the raw store), so its silence on the export means something.

#include <gtest/gtest.h>

#include <sstream>

#include "audit/export.h"
#include "security/digest.h"
#include "tests/audit/ledger.h"
#include "tests/engine/temp_dir.h"

namespace keyledger::testing {
namespace {

using namespace domain;
using nlohmann::json;

const std::string kPlantedPasswordHash = "$argon2id$v=19$m=65536,t=2,p=1$PLANTEDsalt$PLANTEDhash";
const std::string kPlantedSecret = "klg_app_PLANTEDsecret0000000000000000000000";

// Every form in which a planted secret or hash could leak, and where it was found.
std::vector<std::string> leaks(const std::string& text) {
    const Digest secret_hash = digest_of(kPlantedSecret);
    const std::string hex = security::to_hex(secret_hash);
    std::string upper_hex = hex;
    for (char& c : upper_hex)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const std::string raw(secret_hash.begin(), secret_hash.end());
    std::vector<std::string> found;
    for (const auto& [name, needle] :
         std::vector<std::pair<std::string, std::string>>{{"password hash", kPlantedPasswordHash},
                                                          {"PLANTEDhash", "PLANTEDhash"},
                                                          {"secret", kPlantedSecret},
                                                          {"secret hash hex", hex},
                                                          {"secret hash HEX", upper_hex},
                                                          {"secret hash bytes", raw},
                                                          {"field password_hash", "password_hash"},
                                                          {"field secret_hash", "secret_hash"}}) {
        if (text.find(needle) != std::string::npos)
            found.push_back(name);
    }
    return found;
}

class Export : public ::testing::Test {
  protected:
    void SetUp() override {
        ledger.must(CreateUser{"usr_carol", "carol", AccountKind::person, 0, kPlantedPasswordHash});
        ledger.must(InstallWebhook{"whk_shop", "shop, \"quoted\"\nname", WebhookAuth::bearer,
                                   std::nullopt, "tok_shop", digest_of(kPlantedSecret)});
        ledger.clock.advance(kDay);
        ledger.must(ChangePassword{"usr_carol", kPlantedPasswordHash + "2", false, false, 0});
        ledger.call(kPlantedSecret, "whk_shop");
        ledger.must(RotateToken{"tok_shop", digest_of(kPlantedSecret), kHourMs});
    }
    std::string exported(audit::ExportFormat format, std::optional<Instant> from = std::nullopt,
                         std::optional<Instant> to = std::nullopt) {
        std::ostringstream out;
        auto written = audit::export_events(ledger.store(), from, to, format, out);
        EXPECT_TRUE(written.has_value()) << (written ? "" : written.error().message);
        return out.str();
    }

    TempDir dir{memory_backed_temp()};
    Ledger ledger{dir.path()};
};

TEST_F(Export, TheCheckFindsThePlantedHashesInTheStoreItself) {
    auto events = ledger.store().read_all(0, 1000);
    ASSERT_TRUE(events.has_value());
    std::string raw;
    for (const auto& event : *events)
        raw += event.payload;
    const auto found = leaks(raw);
    EXPECT_NE(std::find(found.begin(), found.end(), "password hash"), found.end());
    EXPECT_NE(std::find(found.begin(), found.end(), "secret hash bytes"), found.end());
    // And in a rendering that would show the digest.
    EXPECT_FALSE(leaks(security::to_hex(digest_of(kPlantedSecret))).empty());
}

TEST_F(Export, NeitherFormatCarriesAHashOfASecretOrPassword) {
    const std::string ndjson = exported(audit::ExportFormat::ndjson);
    const std::string csv = exported(audit::ExportFormat::csv);
    EXPECT_TRUE(leaks(ndjson).empty()) << ::testing::PrintToString(leaks(ndjson));
    EXPECT_TRUE(leaks(csv).empty()) << ::testing::PrintToString(leaks(csv));
    // The events are there nonetheless, saying that a password exists.
    EXPECT_NE(ndjson.find("\"has_password\":true"), std::string::npos);
    EXPECT_NE(ndjson.find("PasswordChanged"), std::string::npos);
}

TEST_F(Export, NdjsonIsTheChainWithItsHashes) {
    std::istringstream lines(exported(audit::ExportFormat::ndjson));
    std::string line;
    std::uint64_t position = 0;
    std::string previous_hash(64, '0');
    while (std::getline(lines, line)) {
        json event = json::parse(line);
        EXPECT_EQ(event["position"], ++position);
        EXPECT_EQ(event["prev_hash"], previous_hash);
        auto stored = ledger.store().read_at(position);
        ASSERT_TRUE(stored.has_value());
        EXPECT_EQ(event["hash"], security::to_hex(stored->hash));
        previous_hash = event["hash"];
    }
    EXPECT_EQ(position, ledger.head());
}

TEST_F(Export, CsvHasAHeaderAndQuotesWhatNeedsIt) {
    const std::string csv = exported(audit::ExportFormat::csv);
    EXPECT_EQ(csv.substr(0, csv.find("\r\n")),
              "position,stream,version,type,at,actor,correlation_id,hash,prev_hash,data");
    // The webhook's name holds a comma, quotes and a line break: one quoted field.
    EXPECT_NE(csv.find(R"(""shop, \""quoted\""\nname"")"), std::string::npos) << csv;
    std::size_t rows = 0;
    for (std::size_t at = 0; (at = csv.find("\r\n", at)) != std::string::npos; at += 2)
        ++rows;
    EXPECT_EQ(rows, ledger.head() + 1);
}

TEST_F(Export, TheRangeIsByDecisionInstant) {
    const std::string later = exported(audit::ExportFormat::ndjson, kStart + kDay);
    std::istringstream lines(later);
    std::string line;
    std::vector<json> events;
    while (std::getline(lines, line))
        events.push_back(json::parse(line));
    ASSERT_EQ(events.size(), 3u);  // the password change, the call and the rotation
    EXPECT_EQ(events.front()["type"], "PasswordChanged");
    EXPECT_TRUE(exported(audit::ExportFormat::ndjson, std::nullopt, kStart).empty());
    std::ostringstream out;
    auto backwards = audit::export_events(ledger.store(), kStart + kDay, kStart,
                                          audit::ExportFormat::ndjson, out);
    ASSERT_FALSE(backwards.has_value());
    EXPECT_EQ(backwards.error().failure, audit::Failure::bad_request);
}

}  // namespace
}  // namespace keyledger::testing
