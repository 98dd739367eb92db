#pragma once
// The simulated organisation: people and service accounts, administrators, webhooks and the
// external systems that call them. It produces timed steps in order and reacts to each step's
// answer (the model's, which the runner checks against the engine's).

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <vector>

#include "sim/model/model.h"
#include "sim/scenario/step.h"
#include "sim/world/rng.h"

namespace keyledger::sim {

struct Preset {
    std::string name;
    int people = 0;      // person accounts without administrator roles
    int installers = 0;  // people with webhook_admin who install webhooks
    int services = 0;    // service accounts
    int admins = 0;      // people with user_admin and webhook_admin
    int webhooks = 0;
};
// small, medium or large; nullopt for another name.
std::optional<Preset> preset_named(std::string_view name);

// Where tokens go: decided per install and repair with this probability of using a service
// account (the good practice); --compare-policy runs 0 and 1.
struct Policy {
    std::string name = "mixed";
    double service_owner = 0.5;
};

// Counters the report is made of, per simulated day.
struct DayCounts {
    std::map<std::string, std::uint64_t> calls;       // webhook calls by result
    std::map<std::string, std::uint64_t> management;  // commands and reads by result
    std::uint64_t broken_webhooks = 0;                // at the end of the day
    std::uint64_t inactive_accounts = 0;              // at the end of the day
    std::uint64_t went_inactive = 0;                  // accounts that crossed their window
    std::uint64_t deletions_blocked = 0;
    std::uint64_t deletions = 0;
    std::uint64_t reactivations = 0;
    std::uint64_t repairs = 0;
    std::uint64_t replayed = 0;  // repeated deliveries answered from the idempotency record
};

struct Incident {
    std::string webhook;
    std::string reason;
    std::int64_t from = 0;
    std::int64_t to = 0;  // 0 while still broken at the end
};

class World {
  public:
    World(const Preset& preset, const Policy& policy, std::uint64_t seed, std::int64_t start,
          int days, const model::Model& model);

    // The next step in time order, or nullopt when the simulated time is over.
    std::optional<Step> next();
    // The answer to the step next() gave last.
    void observe(const Step& step, const Outcome& outcome);

    const std::vector<DayCounts>& days() const { return days_; }
    const std::vector<Incident>& incidents() const { return incidents_; }
    std::int64_t start() const { return start_; }
    std::int64_t end() const { return end_; }
    std::size_t account_count() const { return accounts_.size(); }
    std::size_t webhook_count() const { return hooks_.size(); }
    const std::string& account_id(std::size_t i) const { return accounts_[i].id; }

  private:
    enum class Life { working, quiet, on_leave, departed, deleted };
    struct Account {
        std::string id, username, password;
        bool service = false;
        bool admin = false;
        bool installer = false;
        // Never logs in after being set up: the account's only activity is its webhooks' traffic.
        bool webhook_only = false;
        Life life = Life::working;
        std::int64_t login_every = 0;
        std::string api_secret;  // for administrators and installers: their own API token
        std::int64_t departs_at = 0, leave_from = 0, leave_until = 0, quiet_from = 0;
    };
    struct Hook {
        std::string id;
        std::int64_t period = 0;
        std::string secret;     // what the external system presents
        std::string token;      // the token that secret belongs to
        std::string old_token;  // replaced, revoked once the external system has switched
        std::optional<std::string> next_secret;
        std::int64_t next_secret_at = 0;
        std::int64_t broken_since = 0;  // 0: working
        std::string broken_reason;
        bool repair_open = false;
        bool retired = false;
        bool installed = false;
        int retries = 0;
        // The external system sends a delivery key (Idempotency-Key) with every delivery, and
        // sends a delivery again, with the same key and body, when an answer did not reach it.
        bool keyed = false;
        std::uint64_t deliveries = 0;
    };
    enum class Task {
        setup,
        admin_read,
        person_login,
        call,
        extra_call,
        retry,           // a refused delivery sent again
        redeliver,       // an accepted delivery sent again: its answer was lost on the way
        resend_altered,  // a sender's bug: the same delivery key with another body
        install,
        repair,
        offboard,
        retry_delete,
        rotate,
        retire,
        scan,
        day_end,
        give_secret,
        leave_start,
        leave_end,
        depart,
        go_quiet,
        reactivate_request,
        revoke_old
    };
    struct Item {
        std::int64_t at;
        std::uint64_t seq;
        Task task;
        std::size_t who;             // account or webhook index
        std::uint64_t delivery = 0;  // retry, redeliver, resend_altered: which delivery
        bool operator>(const Item& other) const {
            return at != other.at ? at > other.at : seq > other.seq;
        }
    };

    // The step being answered and what it was for, so observe() can react.
    struct Pending {
        Task task;
        std::size_t who;
        std::uint64_t delivery;
    };

    void schedule(std::int64_t at, Task task, std::size_t who, std::uint64_t delivery = 0);
    // A call of `hook` carrying delivery number `delivery` (its key and body when keyed).
    Step delivery_call(const Hook& hook, std::uint64_t delivery, bool altered);
    void handle(const Item& item);
    // Queues a step at the current instant, remembering what it is for.
    void emit(Step step, Task purpose, std::size_t who, std::uint64_t delivery = 0);
    std::string fresh_id(const char* prefix);
    std::string fresh_secret(const std::string& token);
    const Account& some_admin();
    std::size_t service_for(std::size_t hook);
    bool use_service();
    std::int64_t jitter(std::int64_t period);
    void setup();
    void plan_person(std::size_t index);
    void repair(std::size_t hook);
    void end_day(std::size_t day);
    void observe_call(const Step& step, const Outcome& outcome, const Pending& purpose);
    void observe_command(const Step& step, const Outcome& outcome, Task purpose, std::size_t who);
    // Makes sure `account` can receive a token: reactivates it first if it went inactive.
    void ensure_active(std::size_t account, std::size_t for_purpose_who);
    std::size_t new_owner_for(std::size_t hook);
    DayCounts& today();

    Preset preset_;
    Policy policy_;
    Rng rng_;
    std::int64_t start_ = 0, end_ = 0, now_ = 0;
    const model::Model& model_;
    std::priority_queue<Item, std::vector<Item>, std::greater<>> agenda_;
    std::uint64_t seq_ = 0;
    std::deque<Step> pending_;
    std::uint64_t ids_ = 0;
    std::uint64_t call_ids_ = 0;
    std::vector<Account> accounts_;
    std::map<std::string, std::size_t> account_index_;
    std::vector<std::size_t> services_, admins_, installers_, people_;
    std::vector<Hook> hooks_;
    std::map<std::string, std::size_t> hook_index_;
    std::map<std::string, std::size_t> hook_of_token_;    // the hook a token was given to
    std::map<std::string, std::string> secret_of_token_;  // its current secret
    std::string root_secret_;
    std::vector<DayCounts> days_;
    std::vector<Incident> incidents_;
    std::map<std::size_t, std::size_t> open_incident_;  // hook -> incident index
    std::vector<bool> was_inactive_;
    std::deque<Pending> purposes_;  // one for each step in pending_ and each step not yet observed
};

}  // namespace keyledger::sim
