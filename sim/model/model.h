#pragma once
// The independent model: a second, deliberately simple implementation of DOMAIN.md's rules,
// written apart from domain/ and checked against the engine on every step. It keeps a list of
// plain facts (what happened, when, to whom) and answers every question by scanning the facts of
// the entities concerned; it keeps no derived state beyond lookup indexes into that list.
//
// It must not include anything from domain/, engine/ or projections/: the build checks its
// sources (sim/model/check_independence.cmake).

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "sim/scenario/step.h"

namespace keyledger::sim::model {

// Deliberate mistakes, switched on only by tests that must prove the comparison and the shrinker
// catch a wrong rule.
struct Flaws {
    // Reads the inactivity boundary as t > last activity + W instead of t >= (one ms late).
    bool inactivity_one_ms_late = false;
};

class Model {
  public:
    explicit Model(Flaws flaws = {}) : flaws_(flaws) {}

    // Decides the step, records what it changes and returns the answer.
    Outcome apply(const Step& step);

    // What the model knows, for the world that drives the simulation.
    std::int64_t window_ms() const { return window_ms_; }
    bool account_exists(const std::string& id) const;
    // "active", "inactive" or "deleted" at t.
    std::string account_status(const std::string& id, std::int64_t t) const;
    // The instant the account goes inactive if nothing else happens.
    std::int64_t inactive_at(const std::string& id) const;
    // The reason a token would be refused at t on its own webhook (empty when valid).
    std::string token_refusal(const std::string& token_id, std::int64_t t) const;
    std::string token_owner(const std::string& token_id) const;
    std::int64_t token_expiry(const std::string& token_id) const;  // 0: none
    // When the previous secret stops working (0: no rotation).
    std::int64_t grace_end(const std::string& token_id) const;
    std::size_t fact_count() const { return facts_.size(); }

  private:
    enum class Kind {
        store_created,        // number: the window
        user_created,         // other: username; number: roles; flag: service
        password_set,         // other: the password
        activity,             // creation, reactivation, login, accepted authentication
        user_deleted,         //
        webhook_installed,    //
        webhook_uninstalled,  //
        token_issued,         // other: its webhook (app tokens); number: expiry; flag: API token
        token_owner,          // other: the account it now belongs to (issue and transfer)
        token_revoked,        //
        secret_set,           // other: the secret; number: the grace of the one it replaced
        accepted_on,          // other: a webhook an API token had an accepted call on
    };
    static constexpr std::size_t kKinds = 12;
    using Name = std::uint32_t;  // an interned id, username, password or secret
    struct Fact {
        Kind kind;
        bool flag = false;  // an API token
        Name subject = 0;   // the account, webhook or token the fact is about
        Name other = 0;     // webhook of a token, owner a token went to, or the text
        std::int64_t at = 0;
        std::int64_t number = 0;  // roles bits, expiry (0: none), grace
    };
    // Positions in facts_ of one entity's facts, by kind, in recording order.
    using Index = std::array<std::vector<std::uint32_t>, kKinds>;

    Name intern(const std::string& text);
    Name find(const std::string& text) const;  // 0 when never seen
    const std::string& text(Name name) const { return names_[name]; }
    void add(Kind kind, const std::string& subject, const std::string& other, std::int64_t at,
             std::int64_t number = 0, bool flag = false);
    const std::vector<std::uint32_t>& facts(const std::string& id, Kind kind) const;
    const Fact* first(const std::string& id, Kind kind) const;
    const Fact* last(const std::string& id, Kind kind) const;
    std::int64_t last_activity(const std::string& account) const;
    bool deleted(const std::string& account) const;
    bool active(const std::string& account, std::int64_t t) const;
    std::int64_t roles(const std::string& account) const;
    bool token_live(const std::string& token, std::int64_t t) const;
    // The token a secret belongs to and whether it is the previous one; empty when unknown.
    std::pair<std::string, bool> secret_owner(const std::string& secret) const;
    std::string auth_refusal(const std::string& token, bool previous, const std::string& webhook,
                             std::int64_t t) const;
    std::vector<std::string> tokens_owned(const std::string& account) const;
    std::vector<std::string> webhooks_served(const std::string& token, std::int64_t t) const;

    // A management request by the holder of `secret`: the account, or the refusal.
    struct Caller {
        std::string account;
        std::string refusal;
    };
    Caller authenticate(const std::string& secret, std::int64_t t, bool is_read);
    Outcome command(const Step& step, const std::string& caller, std::int64_t t);
    Outcome call(const Step& step, std::int64_t t);
    Outcome login(const Step& step, std::int64_t t);
    std::string owner_unfit(const std::string& account, std::int64_t t) const;

    // Delivery keys: the first accepted call with a key, by (token, webhook, key), answers every
    // repeat with the same body for 24 hours. Older ones can never answer again and are dropped.
    struct Delivery {
        std::string body;
        std::string call_id;
        std::int64_t at = 0;
    };
    const Delivery* delivery(const std::string& scope, std::int64_t t);
    void remember_delivery(const std::string& scope, const Step& step, std::int64_t t);

    Flaws flaws_;
    std::int64_t window_ms_ = 60LL * 86'400'000;
    std::unordered_map<std::string, Delivery> deliveries_;
    std::deque<std::pair<std::int64_t, std::string>> delivery_order_;
    std::vector<Fact> facts_;
    std::vector<std::string> names_{""};
    // Lookups only, never iterated, so their order cannot leak into an answer.
    std::unordered_map<std::string, Name> name_ids_;
    // Lookup indexes into facts_ only: entity (by name) -> positions of its facts, by kind.
    // Usernames, secrets and the accounts tokens ever went to are entities too.
    std::vector<Index> facts_of_{Index{}};
};

}  // namespace keyledger::sim::model
