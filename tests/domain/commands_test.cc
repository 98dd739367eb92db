#include <gtest/gtest.h>

#include "tests/domain/world.h"

namespace keyledger::testing {
namespace {

Reason reason_of(const Decision& d) {
    EXPECT_FALSE(d.accepted());
    return d.refusal ? d.refusal->reason : Reason::bad_request;
}

constexpr Roles kUserAdmin = static_cast<Roles>(Role::user_admin);
constexpr Roles kWebhookAdmin = static_cast<Roles>(Role::webhook_admin);
constexpr Roles kAuditor = static_cast<Roles>(Role::auditor);

TEST(CreateUser, UsernameMustBeNewDeletedOnesStayReserved) {
    World w;
    const std::string ann = w.create_person("ann");
    EXPECT_EQ(
        reason_of(w.run(w.as_admin(), CreateUser{"usr_x", "ann", AccountKind::person, 0, ""})),
        Reason::username_taken);
    ASSERT_TRUE(w.run(w.as_admin(), DeleteUser{ann}).accepted());
    EXPECT_EQ(
        reason_of(w.run(w.as_admin(), CreateUser{"usr_y", "ann", AccountKind::person, 0, ""})),
        Reason::username_taken);
}

TEST(CreateUser, RefusalIsRecordedForTheAuditor) {
    World w;
    const std::string viewer = w.create_person("viewer", kAuditor);
    Decision d = w.run(w.as(viewer), CreateUser{"usr_z", "zed", AccountKind::person, 0, ""});
    EXPECT_EQ(reason_of(d), Reason::missing_role);
    ASSERT_EQ(d.events.size(), 1u);
    EXPECT_EQ(std::get<CommandRefused>(d.events.front()).reason, Reason::missing_role);
}

TEST(CreateUser, RoleIsCheckedBeforeTheBody) {
    World w;
    const std::string viewer = w.create_person("viewer", kAuditor);
    BodyError bad{Reason::bad_request, "bad"};
    EXPECT_EQ(reason_of(w.run(w.as(viewer), CreateUser{}, bad)), Reason::missing_role);
    EXPECT_EQ(reason_of(w.run(w.as_admin(), CreateUser{}, bad)), Reason::bad_request);
}

TEST(ChangePassword, AdminLocksAPersonOutWhileHerTokensKeepWorking) {
    World w;
    const std::string ida = w.create_person("ida", kWebhookAdmin);
    auto hook = w.install(w.as(ida));
    w.now += kDayMs;
    const Account before = w.account(ida);
    ASSERT_TRUE(w.run(w.as_admin(), ChangePassword{ida, "new-hash", false, false, 0}).accepted());
    const Account& after = w.account(ida);
    EXPECT_EQ(after.password_hash, "new-hash");
    EXPECT_EQ(after.last_activity_at, before.last_activity_at);
    EXPECT_EQ(after.tokens, before.tokens);
    EXPECT_EQ(w.call(hook.token, hook.webhook).outcome, CallDecision::Outcome::accepted);
    // The old password, checked against the old version, no longer logs in.
    EXPECT_EQ(reason_of(w.run(w.as_admin(), ReactivateUser{"nobody"})), Reason::not_found);
    Decision login = decide_login(w.state, Login{"ida", true, 0}, w.now);
    EXPECT_EQ(login.refusal->reason, Reason::invalid_credentials);
    EXPECT_TRUE(decide_login(w.state, Login{"ida", true, 1}, w.now).accepted());
}

TEST(ChangePassword, SelfNeedsTheRightOldPassword) {
    World w;
    const std::string jo = w.create_person("jo");
    EXPECT_EQ(reason_of(w.run(w.as(jo), ChangePassword{jo, "h", false, false, 0})),
              Reason::missing_role);
    EXPECT_EQ(reason_of(w.run(w.as(jo), ChangePassword{jo, "h", true, false, 0})),
              Reason::missing_role);
    EXPECT_TRUE(w.run(w.as(jo), ChangePassword{jo, "h", true, true, 0}).accepted());
    // Checked against a hash that has since changed: refused.
    EXPECT_EQ(reason_of(w.run(w.as(jo), ChangePassword{jo, "h2", true, true, 0})),
              Reason::missing_role);
}

TEST(ChangePassword, OthersWithoutUserAdminAreRefused) {
    World w;
    const std::string kim = w.create_person("kim");
    const std::string lee = w.create_person("lee", kAuditor | kWebhookAdmin);
    EXPECT_EQ(reason_of(w.run(w.as(lee), ChangePassword{kim, "h", true, true, 0})),
              Reason::missing_role);
    ASSERT_TRUE(w.run(w.as_admin(), DeleteUser{kim}).accepted());
    EXPECT_EQ(reason_of(w.run(w.as_admin(), ChangePassword{kim, "h", false, false, 0})),
              Reason::user_deleted);
}

TEST(Login, SucceedsOnlyForAnActiveAccountWithThatPassword) {
    World w;
    const std::string mo = w.create_person("mo");
    w.now += kDayMs;
    Decision ok = decide_login(w.state, Login{"mo", true, 0}, w.now);
    ASSERT_TRUE(ok.accepted());
    ASSERT_EQ(ok.events.size(), 1u);
    w.apply(ok.events, "anonymous");
    EXPECT_EQ(w.account(mo).last_activity_at, w.now);

    Decision wrong = decide_login(w.state, Login{"mo", false, 0}, w.now);
    EXPECT_EQ(wrong.refusal->reason, Reason::invalid_credentials);
    ASSERT_EQ(wrong.events.size(), 1u);
    EXPECT_EQ(std::get<LoginFailed>(wrong.events.front()).user_id, mo);

    w.now += 60 * kDayMs;
    Decision inactive = decide_login(w.state, Login{"mo", true, 0}, w.now);
    EXPECT_EQ(inactive.refusal->reason, Reason::account_inactive);
    // Only the right password learns that the account is inactive.
    Decision inactive_wrong = decide_login(w.state, Login{"mo", false, 0}, w.now);
    EXPECT_EQ(inactive_wrong.refusal->reason, Reason::invalid_credentials);
}

TEST(Login, UnknownAndDeletedAccountsAreNotRecorded) {
    World w;
    const std::string ned = w.create_person("ned");
    Decision unknown = decide_login(w.state, Login{"nobody", true, 0}, w.now);
    EXPECT_EQ(unknown.refusal->reason, Reason::invalid_credentials);
    EXPECT_TRUE(unknown.events.empty());
    ASSERT_TRUE(w.run(w.as_admin(), DeleteUser{ned}).accepted());
    Decision deleted = decide_login(w.state, Login{"ned", true, 0}, w.now);
    EXPECT_EQ(deleted.refusal->reason, Reason::invalid_credentials);
    EXPECT_TRUE(deleted.events.empty());
}

TEST(Reactivate, AnyNonDeletedAccountOnlyByUserAdmin) {
    World w;
    const std::string oli = w.create_person("oli", kWebhookAdmin | kAuditor);
    EXPECT_EQ(reason_of(w.run(w.as(oli), ReactivateUser{oli})), Reason::missing_role);
    ASSERT_TRUE(w.run(w.as_admin(), DeleteUser{oli}).accepted());
    EXPECT_EQ(reason_of(w.run(w.as_admin(), ReactivateUser{oli})), Reason::user_deleted);
}

TEST(InstallWebhook, CreatesTheWebhookAndItsFirstAppToken) {
    World w;
    const std::string pam = w.create_person("pam", kWebhookAdmin);
    auto hook = w.install(w.as(pam));
    ASSERT_FALSE(hook.webhook.empty());
    EXPECT_EQ(w.owner_of(hook.token), pam);
    EXPECT_EQ(w.token(hook.token).kind, TokenKind::app);
    EXPECT_EQ(w.state.token_ids(w.state.webhook(hook.webhook)->tokens),
              std::vector<std::string>{hook.token});
}

TEST(InstallWebhook, AnotherOwnerNeedsUserAdminAndAnActiveAccount) {
    World w;
    const std::string quin = w.create_person("quin", kWebhookAdmin);
    const std::string svc = w.create("svc", AccountKind::service, 0, w.as_admin());
    InstallWebhook command{"whk_a", "n", WebhookAuth::basic, svc, "tok_a", digest_of("tok_a")};
    EXPECT_EQ(reason_of(w.run(w.as(quin), command)), Reason::missing_role);
    command.owner_id = "usr_missing";
    EXPECT_EQ(reason_of(w.run(w.as_admin(), command)), Reason::not_found);
    command.owner_id = svc;
    w.now += 60 * kDayMs;
    w.run(w.as_admin(), ReactivateUser{w.admin});
    EXPECT_EQ(reason_of(w.run(w.as_admin(), command)), Reason::owner_not_active);
    w.run(w.as_admin(), ReactivateUser{svc});
    EXPECT_TRUE(w.run(w.as_admin(), command).accepted());
    EXPECT_EQ(w.owner_of("tok_a"), svc);
}

TEST(InstallWebhook, NeedsWebhookAdmin) {
    World w;
    const std::string ua = w.create_person("ua", kUserAdmin | kAuditor);
    EXPECT_EQ(reason_of(w.run(w.as(ua), InstallWebhook{"w", "n", WebhookAuth::bearer, std::nullopt,
                                                       "t", digest_of("t")})),
              Reason::missing_role);
}

TEST(UninstallWebhook, RevokesItsAppTokensAndKeepsTheId) {
    World w;
    auto hook = w.install(w.as_admin());
    ASSERT_TRUE(w.run(w.as_admin(), UninstallWebhook{hook.webhook}).accepted());
    EXPECT_TRUE(w.token(hook.token).revoked_at.has_value());
    EXPECT_TRUE(w.state.webhook(hook.webhook)->uninstalled_at.has_value());
    Decision again = w.run(w.as_admin(), UninstallWebhook{hook.webhook});
    EXPECT_TRUE(again.accepted());
    EXPECT_TRUE(again.events.empty());
    EXPECT_EQ(reason_of(w.run(w.as_admin(),
                              IssueAppToken{hook.webhook, std::nullopt, "t2", digest_of("t2")})),
              Reason::webhook_uninstalled);
}

TEST(IssueAppToken, OtherOwnerNeedsUserAdmin) {
    World w;
    const std::string ray = w.create_person("ray", kWebhookAdmin);
    const std::string svc = w.create("svc", AccountKind::service, 0, w.as_admin());
    auto hook = w.install(w.as(ray));
    EXPECT_EQ(reason_of(w.run(w.as(ray), IssueAppToken{hook.webhook, svc, "t", digest_of("t")})),
              Reason::missing_role);
    EXPECT_TRUE(w.run(w.as(ray), IssueAppToken{hook.webhook, ray, "t", digest_of("t")}).accepted());
    EXPECT_TRUE(
        w.run(w.as_admin(), IssueAppToken{hook.webhook, svc, "t3", digest_of("t3")}).accepted());
    EXPECT_EQ(reason_of(w.run(w.as_admin(), IssueAppToken{"whk_none", svc, "t4", digest_of("t4")})),
              Reason::not_found);
}

TEST(IssueApiToken, ExpiryMustLieAfterNowAndOwnerMustBeActive) {
    World w;
    const std::string sam = w.create_person("sam");
    EXPECT_EQ(reason_of(w.run(w.as_admin(), IssueApiToken{sam, "t", "", w.now, digest_of("t")})),
              Reason::bad_request);
    EXPECT_TRUE(
        w.run(w.as_admin(), IssueApiToken{sam, "t", "", w.now + 1, digest_of("t")}).accepted());
    w.now += 60 * kDayMs;
    w.run(w.as_admin(), ReactivateUser{w.admin});
    EXPECT_EQ(reason_of(w.run(w.as_admin(), IssueApiToken{sam, "u", "", {}, digest_of("u")})),
              Reason::owner_not_active);
    const std::string tia = w.create_person("tia");
    ASSERT_TRUE(w.run(w.as_admin(), DeleteUser{tia}).accepted());
    EXPECT_EQ(reason_of(w.run(w.as_admin(), IssueApiToken{tia, "v", "", {}, digest_of("v")})),
              Reason::owner_not_active);
    EXPECT_EQ(reason_of(w.run(w.as(sam), IssueApiToken{sam, "x", "", {}, digest_of("x")})),
              Reason::missing_role);
}

TEST(RevokeToken, OwnerOrUserAdminAndPermanent) {
    World w;
    const std::string uma = w.create_person("uma");
    const std::string vic = w.create_person("vic");
    const std::string token = w.issue_api(uma, w.as_admin());
    EXPECT_EQ(reason_of(w.run(w.as(vic), RevokeToken{token})), Reason::missing_role);
    // Without the role a missing token is 403 too, so ids cannot be probed.
    EXPECT_EQ(reason_of(w.run(w.as(vic), RevokeToken{"tok_missing"})), Reason::missing_role);
    EXPECT_EQ(reason_of(w.run(w.as_admin(), RevokeToken{"tok_missing"})), Reason::not_found);
    Decision first = w.run(w.as(uma), RevokeToken{token});
    EXPECT_TRUE(first.accepted());
    EXPECT_EQ(first.events.size(), 1u);
    Decision second = w.run(w.as_admin(), RevokeToken{token});
    EXPECT_TRUE(second.accepted());
    EXPECT_TRUE(second.events.empty());
    EXPECT_EQ(reason_of(w.run(w.as_admin(), RotateToken{token, digest_of("n"), 0})),
              Reason::token_not_live);
}

TEST(TransferToken, MovesALiveTokenWithoutGainingRights) {
    World w;
    const std::string wes = w.create_person("wes", kWebhookAdmin);
    const std::string svc = w.create("svc", AccountKind::service, 0, w.as_admin());
    const std::string boss = w.create("boss", AccountKind::service, kUserAdmin, w.as_admin());
    const std::string api = w.issue_api(wes, w.as_admin());
    EXPECT_EQ(reason_of(w.run(w.as_admin(), TransferToken{api, boss})), Reason::roles_not_subset);
    ASSERT_TRUE(w.run(w.as_admin(), TransferToken{api, svc}).accepted());
    EXPECT_EQ(w.owner_of(api), svc);
    EXPECT_EQ(std::ranges::count(w.account(wes).tokens, w.state.ids.find(api)), 0);
    EXPECT_EQ(std::ranges::count(w.account(svc).tokens, w.state.ids.find(api)), 1);
    // The secret is unchanged.
    EXPECT_EQ(w.call(api, "").outcome, CallDecision::Outcome::accepted);
    Decision same = w.run(w.as_admin(), TransferToken{api, svc});
    EXPECT_TRUE(same.accepted());
    EXPECT_TRUE(same.events.empty());
}

TEST(TransferToken, AppTokensMoveToAnyActiveAccountButNotToADeletedOne) {
    World w;
    const std::string xia = w.create_person("xia", kWebhookAdmin);
    const std::string gone = w.create_person("gone");
    auto hook = w.install(w.as(xia));
    ASSERT_TRUE(w.run(w.as_admin(), DeleteUser{gone}).accepted());
    EXPECT_EQ(reason_of(w.run(w.as_admin(), TransferToken{hook.token, gone})),
              Reason::owner_not_active);
    EXPECT_EQ(reason_of(w.run(w.as_admin(), TransferToken{hook.token, "usr_none"})),
              Reason::not_found);
    EXPECT_EQ(reason_of(w.run(w.as(xia), TransferToken{hook.token, xia})), Reason::missing_role);
    ASSERT_TRUE(w.run(w.as_admin(), TransferToken{hook.token, w.admin}).accepted());
    w.run(w.as_admin(), RevokeToken{hook.token});
    EXPECT_EQ(reason_of(w.run(w.as_admin(), TransferToken{hook.token, xia})),
              Reason::token_not_live);
}

TEST(DeleteUser, RefusalsComeInOrder) {
    World w;
    const std::string yan = w.create_person("yan");
    const std::string admin2 = w.create_person("admin2", kUserAdmin);
    w.issue_api(admin2, w.as_admin());
    EXPECT_EQ(reason_of(w.run(w.as(admin2), DeleteUser{admin2})), Reason::cannot_delete_self);
    ASSERT_TRUE(w.run(w.as_admin(), DeleteUser{yan}).accepted());
    EXPECT_EQ(reason_of(w.run(w.as_admin(), DeleteUser{yan})), Reason::user_deleted);
    EXPECT_EQ(reason_of(w.run(w.as_admin(), DeleteUser{"usr_none"})), Reason::not_found);
}

TEST(DeleteUser, BlockedByEveryLiveTokenNamingTheWebhooksTheyServe) {
    World w;
    const std::string zoe = w.create_person("zoe", kWebhookAdmin);
    auto hook = w.install(w.as(zoe));
    auto hook2 = w.install(w.as_admin());
    const std::string api = w.issue_api(zoe, w.as_admin());
    const std::string expiring = w.issue_api(zoe, w.as_admin(), w.now + kDayMs);
    ASSERT_EQ(w.call(api, hook2.webhook).outcome, CallDecision::Outcome::accepted);
    // Blocked whatever the account's own status.
    w.now += 61 * kDayMs;
    w.run(w.as_admin(), ReactivateUser{w.admin});
    Decision d = w.run(w.as_admin(), DeleteUser{zoe});
    EXPECT_EQ(reason_of(d), Reason::user_has_active_tokens);
    std::vector<std::string> tokens{api, hook.token};
    std::sort(tokens.begin(), tokens.end());
    EXPECT_EQ(d.refusal->token_ids, tokens);  // the expired one does not block
    // The API token's window on hook2 has passed: only hook is still served.
    EXPECT_EQ(d.refusal->webhook_ids, std::vector<std::string>{hook.webhook});
    ASSERT_EQ(d.events.size(), 1u);
    EXPECT_EQ(std::get<CommandRefused>(d.events.front()).token_ids, tokens);
    (void)expiring;

    w.run(w.as_admin(), RevokeToken{api});
    w.run(w.as_admin(), ReactivateUser{zoe});
    ASSERT_TRUE(w.run(w.as_admin(), TransferToken{hook.token, w.admin}).accepted());
    EXPECT_TRUE(w.run(w.as_admin(), DeleteUser{zoe}).accepted());
    EXPECT_EQ(w.status(zoe), AccountStatus::deleted);
}

TEST(DeleteUser, ApiTokenServesTheWebhooksItRecentlyCalled) {
    World w;
    const std::string al = w.create_person("al");
    auto hook = w.install(w.as_admin());
    const std::string api = w.issue_api(al, w.as_admin());
    ASSERT_EQ(w.call(api, hook.webhook).outcome, CallDecision::Outcome::accepted);
    Decision d = w.run(w.as_admin(), DeleteUser{al});
    EXPECT_EQ(d.refusal->webhook_ids, std::vector<std::string>{hook.webhook});
}

TEST(DeleteUser, AnUninstalledWebhookIsServedByNoToken) {
    World w;
    const std::string al = w.create_person("al");
    auto kept = w.install(w.as_admin());
    auto gone = w.install(w.as_admin());
    const std::string api = w.issue_api(al, w.as_admin());
    ASSERT_EQ(w.call(api, kept.webhook).outcome, CallDecision::Outcome::accepted);
    ASSERT_EQ(w.call(api, gone.webhook).outcome, CallDecision::Outcome::accepted);
    ASSERT_TRUE(w.run(w.as_admin(), UninstallWebhook{gone.webhook}).accepted());
    Decision d = w.run(w.as_admin(), DeleteUser{al});
    EXPECT_EQ(d.refusal->token_ids, std::vector<std::string>{api});
    EXPECT_EQ(d.refusal->webhook_ids, std::vector<std::string>{kept.webhook});
    EXPECT_EQ(webhooks_served(w.state, w.token(api), w.now),
              std::vector<std::string>{kept.webhook});
    EXPECT_FALSE(token_serves(w.state, w.token(api), gone.webhook, w.now));
    EXPECT_TRUE(webhooks_served(w.state, w.token(gone.token), w.now).empty());
}

// Every command refuses a caller without its role; reads likewise.
TEST(Roles, EveryCommandChecksItsRole) {
    World w;
    const std::string nobody = w.create_person("nobody");
    const std::string target = w.create_person("target");
    auto hook = w.install(w.as_admin());
    const std::string api = w.issue_api(target, w.as_admin());
    const std::vector<Command> commands{
        CreateUser{"u", "new", AccountKind::person, 0, ""},
        ChangePassword{target, "h", false, false, 0},
        ReactivateUser{target},
        DeleteUser{target},
        InstallWebhook{"w", "n", WebhookAuth::bearer, std::nullopt, "t", digest_of("t")},
        UninstallWebhook{hook.webhook},
        IssueAppToken{hook.webhook, std::nullopt, "t", digest_of("t")},
        IssueApiToken{target, "t", "", std::nullopt, digest_of("t")},
        RevokeToken{api},
        RotateToken{api, digest_of("r"), 0},
        TransferToken{api, nobody},
        MoveClock{},
    };
    for (const auto& command : commands) {
        EXPECT_EQ(reason_of(w.run(w.as(nobody), command)), Reason::missing_role)
            << command_name(command);
    }
    const std::vector<Read> reads{ReadUser{target},
                                  ListUsers{},
                                  ReadToken{api},
                                  ReadWebhook{hook.webhook},
                                  ReadDeliveries{hook.webhook},
                                  ReadReport{},
                                  ReadEvents{},
                                  VerifyLog{}};
    for (const auto& read : reads) {
        auto refusal = authorize_read(w.state, w.as(nobody), read, w.now);
        ASSERT_TRUE(refusal.has_value());
        EXPECT_EQ(refusal->reason, Reason::missing_role);
    }
    // The account reads itself and its own tokens.
    const std::string own = w.issue_api(nobody, w.as_admin());
    EXPECT_FALSE(authorize_read(w.state, w.as(nobody), ReadUser{nobody}, w.now));
    EXPECT_FALSE(authorize_read(w.state, w.as(nobody), ReadToken{own}, w.now));
}

TEST(Roles, AuditorReadsEverythingButDeliveriesAndChangesNothing) {
    World w;
    const std::string aud = w.create_person("aud", kAuditor);
    auto hook = w.install(w.as_admin());
    EXPECT_FALSE(authorize_read(w.state, w.as(aud), ReadWebhook{hook.webhook}, w.now));
    EXPECT_FALSE(authorize_read(w.state, w.as(aud), ReadEvents{}, w.now));
    EXPECT_FALSE(authorize_read(w.state, w.as(aud), VerifyLog{}, w.now));
    EXPECT_TRUE(authorize_read(w.state, w.as(aud), ReadDeliveries{hook.webhook}, w.now));
    EXPECT_EQ(reason_of(w.run(w.as(aud), UninstallWebhook{hook.webhook})), Reason::missing_role);
}

}  // namespace
}  // namespace keyledger::testing
