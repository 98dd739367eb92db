#include "sim/world/world.h"

#include <algorithm>
#include <cstdio>

namespace keyledger::sim {
namespace {

constexpr std::int64_t kSecond = 1'000;
constexpr std::int64_t kMinute = 60 * kSecond;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDay = 24 * kHour;

// How often the external systems call: (share in per mille, period).
constexpr std::pair<int, std::int64_t> kRhythms[] = {
    {10, kHour},      {30, 4 * kHour},  {150, kDay},      {250, 7 * kDay},
    {160, 30 * kDay}, {100, 61 * kDay}, {300, 91 * kDay},
};
// A refused call is retried after these delays, with the same secret.
constexpr std::int64_t kRetryDelays[] = {kMinute, 10 * kMinute, kHour};

std::string padded(std::uint64_t n, int width) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%0*llu", width, static_cast<unsigned long long>(n));
    return buffer;
}

// A refusal that breaks the webhook (a 422 for a reused delivery key is the sender's mistake).
bool is_refusal(const std::string& result) {
    return result != "accepted" && result != "not_found" && result != "webhook_uninstalled" &&
           result != "idempotency_key_reused";
}

}  // namespace

std::optional<Preset> preset_named(std::string_view name) {
    if (name == "small") {
        return Preset{"small", 12, 12, 2, 2, 40};
    }
    if (name == "medium") {
        return Preset{"medium", 300, 400, 20, 5, 2'000};
    }
    if (name == "large") {
        return Preset{"large", 4'500, 5'000, 480, 20, 50'000};
    }
    return std::nullopt;
}

World::World(const Preset& preset, const Policy& policy, std::uint64_t seed, std::int64_t start,
             int days, const model::Model& model)
    : preset_(preset),
      policy_(policy),
      rng_(seed),
      start_(start),
      end_(start + days * kDay),
      now_(start),
      model_(model),
      days_(static_cast<std::size_t>(days)) {
    setup();
}

DayCounts& World::today() {
    const auto day = static_cast<std::size_t>((now_ - start_) / kDay);
    return days_[std::min(day, days_.size() - 1)];
}

void World::schedule(std::int64_t at, Task task, std::size_t who, std::uint64_t delivery) {
    if (at < end_) {
        agenda_.push(Item{std::max(at, now_), seq_++, task, who, delivery});
    }
}

void World::emit(Step step, Task purpose, std::size_t who, std::uint64_t delivery) {
    step.at = now_;
    pending_.push_back(std::move(step));
    purposes_.push_back({purpose, who, delivery});
}

Step World::delivery_call(const Hook& hook, std::uint64_t delivery, bool altered) {
    Step call;
    call.op = Op::call;
    call.webhook = hook.id;
    call.secret = hook.secret;
    if (hook.keyed) {
        const std::string number = std::to_string(delivery);
        call.key = "dlv-" + hook.id + "-" + number;
        call.body = "{\"delivery\":" + number + (altered ? ",\"resent\":true}" : "}");
        call.call_id = "call_" + padded(++call_ids_, 9);
    }
    return call;
}

std::string World::fresh_id(const char* prefix) {
    return std::string(prefix) + "_" + padded(++ids_, 7);
}

std::string World::fresh_secret(const std::string& token) {
    return "sec-" + token + "-" + padded(rng_.below(1'000'000'000), 9);
}

bool World::use_service() {
    return rng_.chance(policy_.service_owner);
}

std::int64_t World::jitter(std::int64_t period) {
    // +-10% of the period, never less than a second.
    const std::int64_t spread = std::max<std::int64_t>(period / 10, kSecond);
    return std::max<std::int64_t>(kSecond, period + rng_.between(-spread, spread));
}

const World::Account& World::some_admin() {
    return accounts_[admins_[rng_.below(admins_.size())]];
}

std::size_t World::service_for(std::size_t hook) {
    return services_[hook % services_.size()];
}

void World::setup() {
    // Day ends first: their sequence numbers put them before anything else at that instant.
    for (std::size_t d = 0; d < days_.size(); ++d) {
        agenda_.push(
            Item{start_ + static_cast<std::int64_t>(d + 1) * kDay - 1, seq_++, Task::day_end, d});
    }
    root_secret_ = fresh_secret("tok_root");
    Step init;
    init.op = Op::init;
    init.user = "usr_root";
    init.username = "admin";
    init.token = "tok_root";
    init.secret = root_secret_;
    emit(init, Task::setup, 0);

    auto add_account = [&](const std::string& username, bool service, bool admin, bool installer) {
        Account account;
        account.id = fresh_id("usr");
        account.username = username;
        account.service = service;
        account.admin = admin;
        account.installer = installer;
        if (!service) {
            account.password = "pw-" + username + "-" + padded(rng_.below(1'000'000), 6);
        }
        Step create;
        create.op = Op::create_user;
        create.by = root_secret_;
        create.user = account.id;
        create.username = username;
        create.kind = service ? "service" : "person";
        if (admin) {
            create.roles = {"user_admin", "webhook_admin"};
        } else if (installer) {
            create.roles = {"webhook_admin"};
        }
        if (!service) {
            create.password = account.password;
        }
        const std::size_t index = accounts_.size();
        account_index_[account.id] = index;
        accounts_.push_back(account);
        emit(create, Task::setup, index);
        if (admin || installer) {
            // Their own API token, to use the management API with.
            Step issue;
            issue.op = Op::issue_api_token;
            issue.by = root_secret_;
            issue.user = account.id;
            issue.token = fresh_id("tok");
            issue.name = "own token";
            issue.secret = fresh_secret(issue.token);
            accounts_[index].api_secret = issue.secret;
            secret_of_token_[issue.token] = issue.secret;
            emit(issue, Task::setup, index);
        }
        return index;
    };
    for (int i = 0; i < preset_.admins; ++i) {
        admins_.push_back(add_account("adm-" + padded(i + 1, 3), false, true, false));
    }
    for (int i = 0; i < preset_.services; ++i) {
        services_.push_back(add_account("svc-" + padded(i + 1, 4), true, false, false));
    }
    for (int i = 0; i < preset_.installers; ++i) {
        installers_.push_back(add_account("dev-" + padded(i + 1, 5), false, false, true));
        // Some set their integrations up and never log in again: only the webhooks' traffic
        // keeps their accounts active.
        accounts_[installers_.back()].webhook_only = rng_.chance(0.5);
    }
    for (int i = 0; i < preset_.people; ++i) {
        people_.push_back(add_account("person-" + padded(i + 1, 5), false, false, false));
    }
    was_inactive_.assign(accounts_.size(), false);

    for (std::size_t a : admins_) {
        schedule(start_ + kDay + 9 * kHour + rng_.between(0, 2 * kHour), Task::admin_read, a);
    }
    for (std::size_t p : installers_) {
        plan_person(p);
    }
    for (std::size_t p : people_) {
        plan_person(p);
    }
    const std::int64_t span = std::min<std::int64_t>(30 * kDay, end_ - start_);
    // People tend to look after integrations of one kind: most of an installer's webhooks are
    // called at the installer's usual rhythm, so some people own only rarely called ones.
    auto draw_period = [&] {
        int pick = static_cast<int>(rng_.below(1000));
        for (const auto& [share, period] : kRhythms) {
            if ((pick -= share) < 0) {
                return period;
            }
        }
        return kRhythms[0].second;
    };
    std::vector<std::int64_t> usual(installers_.size());
    for (auto& period : usual) {
        period = draw_period();
    }
    for (int h = 0; h < preset_.webhooks; ++h) {
        Hook hook;
        hook.id = fresh_id("whk");
        const std::int64_t drawn = draw_period();
        hook.period = rng_.chance(0.9) ? usual[static_cast<std::size_t>(h) % usual.size()] : drawn;
        hook.keyed = rng_.chance(0.5);
        hook_index_[hook.id] = hooks_.size();
        hooks_.push_back(hook);
        schedule(start_ + kHour + rng_.between(0, span - kHour), Task::install, hooks_.size() - 1);
        // Some tokens are rotated now and then; some webhooks are retired.
        if (rng_.chance(0.1)) {
            schedule(start_ + rng_.between(60, 120) * kDay, Task::rotate, hooks_.size() - 1);
        }
        if (rng_.chance(0.05)) {
            schedule(start_ + rng_.between(30, 365) * kDay, Task::retire, hooks_.size() - 1);
        }
    }
    schedule(start_ + rng_.between(0, kDay), Task::scan, 0);
}

void World::plan_person(std::size_t index) {
    Account& person = accounts_[index];
    person.login_every = rng_.between(1, 10) * kDay;
    if (!person.webhook_only) {
        schedule(start_ + rng_.between(kHour, person.login_every), Task::person_login, index);
    }
    const auto days = static_cast<std::int64_t>(days_.size());
    if (rng_.chance(0.25)) {
        schedule(start_ + rng_.between(20, std::max<std::int64_t>(21, days)) * kDay, Task::depart,
                 index);
    } else if (rng_.chance(0.25)) {
        person.leave_from = start_ + rng_.between(10, std::max<std::int64_t>(11, days)) * kDay;
        person.leave_until = person.leave_from + rng_.between(45, 150) * kDay;
        schedule(person.leave_from, Task::leave_start, index);
    } else if (rng_.chance(0.25)) {
        schedule(start_ + rng_.between(10, std::max<std::int64_t>(11, days)) * kDay, Task::go_quiet,
                 index);
    }
}

std::optional<Step> World::next() {
    while (pending_.empty()) {
        if (agenda_.empty() || agenda_.top().at >= end_) {
            return std::nullopt;
        }
        const Item item = agenda_.top();
        agenda_.pop();
        now_ = item.at;
        handle(item);
    }
    Step step = std::move(pending_.front());
    pending_.pop_front();
    return step;
}

void World::handle(const Item& item) {
    const std::size_t who = item.who;
    switch (item.task) {
        case Task::setup:
            break;
        case Task::day_end:
            end_day(who);
            break;
        case Task::admin_read: {
            Step read;
            read.op = Op::read;
            read.by = accounts_[who].api_secret;
            emit(read, Task::admin_read, who);
            // Workdays only: the next read is tomorrow, or Monday after a Friday.
            const std::int64_t day = (now_ - start_) / kDay;
            const std::int64_t skip = day % 7 == 4 ? 3 : 1;
            schedule(start_ + (day + skip) * kDay + 9 * kHour + rng_.between(0, 2 * kHour),
                     Task::admin_read, who);
            break;
        }
        case Task::person_login: {
            Account& person = accounts_[who];
            if (person.life != Life::working || person.webhook_only) {
                break;
            }
            Step login;
            login.op = Op::login;
            login.username = person.username;
            login.password = person.password;
            emit(login, Task::person_login, who);
            schedule(now_ + jitter(person.login_every), Task::person_login, who);
            break;
        }
        case Task::install: {
            Hook& hook = hooks_[who];
            const std::size_t installer = installers_[who % installers_.size()];
            Step install;
            install.op = Op::install_webhook;
            install.webhook = hook.id;
            install.name = "hook " + hook.id;
            install.auth = rng_.chance(0.3) ? "basic" : "bearer";
            install.token = fresh_id("tok");
            install.secret = fresh_secret(install.token);
            if (use_service()) {
                // Good practice: an administrator installs it for a service account.
                install.by = some_admin().api_secret;
                install.owner = accounts_[service_for(who)].id;
                ensure_active(service_for(who), who);
            } else {
                install.by = accounts_[installer].api_secret;
            }
            emit(install, Task::install, who);
            break;
        }
        case Task::retry:
        case Task::redeliver:
        case Task::resend_altered: {
            const Hook& hook = hooks_[who];
            if (!hook.retired || item.task == Task::retry) {
                emit(delivery_call(hook, item.delivery, item.task == Task::resend_altered),
                     item.task, who, item.delivery);
            }
            break;
        }
        case Task::call:
        case Task::extra_call: {
            Hook& hook = hooks_[who];
            if (item.task == Task::call) {
                hook.retries = 0;
                if (hook.next_secret && now_ >= hook.next_secret_at) {
                    hook.secret = *hook.next_secret;
                    hook.next_secret.reset();
                }
                if (hook.retired) {
                    break;  // the external system was switched off too
                }
                schedule(now_ + jitter(hook.period), Task::call, who);
                if (rng_.chance(0.05)) {  // a burst: a few more calls within seconds
                    for (std::int64_t n = rng_.between(1, 4); n > 0; --n) {
                        schedule(now_ + rng_.between(1, 30) * kSecond, Task::extra_call, who);
                    }
                }
            }
            const std::uint64_t delivery = ++hook.deliveries;
            emit(delivery_call(hook, delivery, false), item.task, who, delivery);
            break;
        }
        case Task::repair:
            hooks_[who].repair_open = false;
            repair(who);
            break;
        case Task::give_secret: {
            Hook& hook = hooks_[who];
            hook.secret = secret_of_token_[hook.token];
            break;
        }
        case Task::rotate: {
            Hook& hook = hooks_[who];
            if (!hook.installed || hook.retired) {
                break;
            }
            Step rotate;
            rotate.op = Op::rotate_token;
            rotate.by = some_admin().api_secret;
            rotate.token = hook.token;
            rotate.secret = fresh_secret(hook.token);
            rotate.grace_ms = rng_.between(1, 7) * kDay;
            emit(rotate, Task::rotate, who);
            schedule(now_ + rng_.between(80, 100) * kDay, Task::rotate, who);
            break;
        }
        case Task::revoke_old: {
            Hook& hook = hooks_[who];
            if (!hook.old_token.empty() && hook.old_token != hook.token &&
                model_.token_refusal(hook.old_token, now_) != "token_revoked") {
                Step revoke;
                revoke.op = Op::revoke_token;
                revoke.by = some_admin().api_secret;
                revoke.token = hook.old_token;
                emit(revoke, Task::revoke_old, who);
            }
            hook.old_token.clear();
            break;
        }
        case Task::retire: {
            Step uninstall;
            uninstall.op = Op::uninstall_webhook;
            uninstall.by = some_admin().api_secret;
            uninstall.webhook = hooks_[who].id;
            emit(uninstall, Task::retire, who);
            break;
        }
        case Task::scan: {
            // Someone tries made-up secrets on a webhook.
            if (!hooks_.empty()) {
                Step call;
                call.op = Op::call;
                call.webhook = hooks_[rng_.below(hooks_.size())].id;
                call.secret = "sec-guess-" + padded(rng_.below(1'000'000'000), 9);
                emit(call, Task::scan, 0);
            }
            schedule(now_ + rng_.between(kHour, kDay), Task::scan, 0);
            break;
        }
        case Task::leave_start:
            if (accounts_[who].life == Life::working) {
                accounts_[who].life = Life::on_leave;
                schedule(accounts_[who].leave_until, Task::leave_end, who);
            }
            break;
        case Task::leave_end:
            if (accounts_[who].life == Life::on_leave) {
                accounts_[who].life = Life::working;
                schedule(now_ + rng_.between(kHour, 10 * kHour), Task::person_login, who);
            }
            break;
        case Task::go_quiet:
            if (accounts_[who].life == Life::working) {
                accounts_[who].life = Life::quiet;
            }
            break;
        case Task::depart:
            if (accounts_[who].life != Life::deleted && accounts_[who].life != Life::departed) {
                accounts_[who].life = Life::departed;
                // Administrators hear of it after a while, if anybody tells them.
                if (rng_.chance(0.7)) {
                    schedule(now_ + rng_.between(3, 30) * kDay, Task::offboard, who);
                }
            }
            break;
        case Task::offboard: {
            Step lock;
            lock.op = Op::change_password;
            lock.by = some_admin().api_secret;
            lock.user = accounts_[who].id;
            lock.password = "locked-" + padded(rng_.below(1'000'000'000), 9);
            emit(lock, Task::offboard, who);
            [[fallthrough]];
        }
        case Task::retry_delete: {
            Step remove;
            remove.op = Op::delete_user;
            remove.by = some_admin().api_secret;
            remove.user = accounts_[who].id;
            emit(remove, Task::retry_delete, who);
            break;
        }
        case Task::reactivate_request: {
            Step reactivate;
            reactivate.op = Op::reactivate;
            reactivate.by = some_admin().api_secret;
            reactivate.user = accounts_[who].id;
            emit(reactivate, Task::reactivate_request, who);
            schedule(now_ + kHour, Task::person_login, who);
            break;
        }
    }
}

void World::ensure_active(std::size_t account, std::size_t for_who) {
    if (model_.account_status(accounts_[account].id, now_) == "inactive") {
        Step reactivate;
        reactivate.op = Op::reactivate;
        reactivate.by = some_admin().api_secret;
        reactivate.user = accounts_[account].id;
        emit(reactivate, Task::repair, for_who);
    }
}

std::size_t World::new_owner_for(std::size_t hook) {
    if (use_service()) {
        return service_for(hook);
    }
    // The habit the good practice replaces: a colleague who is around today.
    for (int attempt = 0; attempt < 8; ++attempt) {
        const std::size_t person = installers_[rng_.below(installers_.size())];
        if (accounts_[person].life == Life::working &&
            model_.account_status(accounts_[person].id, now_) == "active") {
            return person;
        }
    }
    return service_for(hook);
}

void World::repair(std::size_t index) {
    Hook& hook = hooks_[index];
    if (hook.retired || !hook.installed) {
        return;
    }
    const std::string& current = secret_of_token_[hook.token];
    if (hook.secret != current) {
        // It missed a rotation: hand it the current secret.
        today().repairs++;
        schedule(now_ + rng_.between(kHour, kDay), Task::give_secret, index);
        return;
    }
    const std::string refusal = model_.token_refusal(hook.token, now_);
    if (refusal.empty()) {
        return;  // working again (its owner came back)
    }
    today().repairs++;
    const std::string owner = model_.token_owner(hook.token);
    auto owner_at = account_index_.find(owner);
    if (refusal == "owner_inactive" && owner_at != account_index_.end()) {
        const Account& account = accounts_[owner_at->second];
        const bool still_here = account.life == Life::working || account.life == Life::on_leave;
        if (account.service || (still_here && !use_service())) {
            Step reactivate;
            reactivate.op = Op::reactivate;
            reactivate.by = some_admin().api_secret;
            reactivate.user = owner;
            emit(reactivate, Task::repair, index);
            return;
        }
        const std::size_t to = new_owner_for(index);
        ensure_active(to, index);
        Step transfer;
        transfer.op = Op::transfer_token;
        transfer.by = some_admin().api_secret;
        transfer.token = hook.token;
        transfer.owner = accounts_[to].id;
        emit(transfer, Task::repair, index);
        return;
    }
    // Expired, revoked or otherwise gone: a new token for the external system.
    const std::size_t to = new_owner_for(index);
    ensure_active(to, index);
    Step issue;
    const bool api = model_.token_expiry(hook.token) != 0;
    issue.by = some_admin().api_secret;
    issue.token = fresh_id("tok");
    issue.secret = fresh_secret(issue.token);
    if (api) {
        issue.op = Op::issue_api_token;
        issue.user = accounts_[to].id;
        issue.name = "integration for " + hook.id;
        issue.expires_at = now_ + rng_.between(180, 365) * kDay;
    } else {
        issue.op = Op::issue_app_token;
        issue.webhook = hook.id;
        issue.owner = accounts_[to].id;
    }
    emit(issue, Task::repair, index);
}

void World::observe(const Step& step, const Outcome& outcome) {
    const Pending purpose = purposes_.front();
    purposes_.pop_front();
    if (step.op == Op::call) {
        today().calls[outcome.result]++;
        today().replayed += outcome.replayed ? 1 : 0;
        if (purpose.task != Task::scan) {
            observe_call(step, outcome, purpose);
        }
        return;
    }
    if (step.op == Op::login && outcome.result == "account_inactive") {
        // Back from leave (or long quiet): ask an administrator.
        schedule(now_ + rng_.between(kHour, 2 * kDay), Task::reactivate_request, purpose.who);
    }
    if (step.op != Op::login && step.op != Op::init) {
        today().management[outcome.result]++;
    }
    observe_command(step, outcome, purpose.task, purpose.who);
}

void World::observe_call(const Step& step, const Outcome& outcome, const Pending& purpose) {
    const std::size_t index = purpose.who;
    Hook& hook = hooks_[index];
    if (outcome.result == "accepted") {
        if (hook.broken_since != 0) {
            incidents_[open_incident_[index]].to = step.at;
            open_incident_.erase(index);
            hook.broken_since = 0;
        }
        if (hook.keyed && purpose.task == Task::call) {
            // Now and then the answer is lost on the way and the sender delivers again.
            if (rng_.chance(0.03)) {
                schedule(now_ + rng_.between(5, 120) * kSecond, Task::redeliver, index,
                         purpose.delivery);
            } else if (rng_.chance(0.002)) {
                schedule(now_ + rng_.between(5, 120) * kSecond, Task::resend_altered, index,
                         purpose.delivery);
            }
        }
        return;
    }
    if (!is_refusal(outcome.result)) {
        return;
    }
    if (hook.broken_since == 0) {
        hook.broken_since = step.at;
        hook.broken_reason = outcome.result;
        open_incident_[index] = incidents_.size();
        incidents_.push_back(Incident{hook.id, outcome.result, step.at, 0});
    }
    // A refused delivery is sent again, with the same key and body (a 401 used up no key).
    const bool retried = purpose.task == Task::call || purpose.task == Task::retry;
    if (retried && hook.retries < 3) {
        schedule(now_ + kRetryDelays[hook.retries++], Task::retry, index, purpose.delivery);
    }
    if (!hook.repair_open) {
        // Somebody notices after a while: the external system's owner complains.
        hook.repair_open = true;
        schedule(now_ + rng_.between(1, 14) * kDay + rng_.between(0, 8 * kHour), Task::repair,
                 index);
    }
}

void World::observe_command(const Step& step, const Outcome& outcome, Task purpose,
                            std::size_t who) {
    const bool accepted = outcome.result == "accepted";
    if (step.op == Op::reactivate && accepted) {
        today().reactivations++;
    }
    switch (step.op) {
        case Op::install_webhook: {
            Hook& hook = hooks_[who];
            if (!accepted) {
                // Tried again later; the server gives every installation a new id.
                hook_index_.erase(hook.id);
                hook.id = fresh_id("whk");
                hook_index_[hook.id] = who;
                schedule(now_ + rng_.between(1, 3) * kDay, Task::install, who);
                return;
            }
            hook.installed = true;
            hook.token = step.token;
            hook.secret = step.secret;
            secret_of_token_[step.token] = step.secret;
            hook_of_token_[step.token] = who;
            if (rng_.chance(0.1)) {
                // This external system is given an integration (API) token instead, often with
                // an expiry.
                Step issue;
                issue.op = Op::issue_api_token;
                issue.by = some_admin().api_secret;
                const std::size_t owner =
                    use_service() ? service_for(who) : installers_[who % installers_.size()];
                issue.user = accounts_[owner].id;
                issue.token = fresh_id("tok");
                issue.name = "integration for " + hook.id;
                issue.secret = fresh_secret(issue.token);
                if (rng_.chance(0.5)) {
                    issue.expires_at = now_ + rng_.between(90, 365) * kDay;
                }
                emit(issue, Task::repair, who);
            }
            schedule(now_ + rng_.between(kMinute, hook.period), Task::call, who);
            return;
        }
        case Op::issue_app_token:
        case Op::issue_api_token:
        case Op::transfer_token:
        case Op::rotate_token: {
            if (!accepted || purpose == Task::setup) {
                return;
            }
            Hook& hook = hooks_[who];
            if (step.op == Op::transfer_token) {
                return;  // the secret did not change: the external system needs nothing
            }
            if (step.op == Op::rotate_token) {
                secret_of_token_[step.token] = step.secret;
                hook.next_secret = step.secret;
                hook.next_secret_at = now_ + rng_.between(0, 10) * kDay;
                return;
            }
            // A new token: it replaces the old one once the external system is told.
            const std::string old = hook.token;
            hook.token = step.token;
            secret_of_token_[step.token] = step.secret;
            hook_of_token_[step.token] = who;
            hook.next_secret = step.secret;
            hook.next_secret_at = now_ + rng_.between(kHour, 2 * kDay);
            // The old token goes once the external system has switched.
            hook.old_token = old;
            schedule(hook.next_secret_at + kDay, Task::revoke_old, who);
            return;
        }
        case Op::uninstall_webhook:
            if (accepted) {
                hooks_[who].retired = true;
                // The external system keeps calling for a while and gets 404s.
                for (int n = 1; n <= 3; ++n) {
                    schedule(now_ + n * kDay, Task::extra_call, who);
                }
            }
            return;
        case Op::delete_user: {
            if (accepted) {
                today().deletions++;
                accounts_[who].life = Life::deleted;
                return;
            }
            if (outcome.result != "user_has_active_tokens") {
                return;
            }
            today().deletions_blocked++;
            // Free the account: move what external systems use, revoke the rest; try again later.
            for (const auto& token : outcome.blocking_tokens) {
                auto hook = hook_of_token_.find(token);
                // A hasty administrator revokes even what a webhook still uses.
                const bool hasty = rng_.chance(0.35);
                if (hook != hook_of_token_.end() && hooks_[hook->second].token == token &&
                    !hooks_[hook->second].retired && !hasty) {
                    const std::size_t to = new_owner_for(hook->second);
                    ensure_active(to, hook->second);
                    Step transfer;
                    transfer.op = Op::transfer_token;
                    transfer.by = some_admin().api_secret;
                    transfer.token = token;
                    transfer.owner = accounts_[to].id;
                    emit(transfer, Task::setup, hook->second);
                } else {
                    Step revoke;
                    revoke.op = Op::revoke_token;
                    revoke.by = some_admin().api_secret;
                    revoke.token = token;
                    emit(revoke, Task::setup, who);
                }
            }
            schedule(now_ + rng_.between(1, 3) * kDay, Task::retry_delete, who);
            return;
        }
        default:
            return;
    }
}

void World::end_day(std::size_t day) {
    DayCounts& counts = days_[day];
    for (const auto& hook : hooks_) {
        if (hook.broken_since != 0 && !hook.retired) {
            counts.broken_webhooks++;
        }
    }
    for (std::size_t i = 0; i < accounts_.size(); ++i) {
        const bool inactive = model_.account_status(accounts_[i].id, now_) == "inactive";
        if (inactive) {
            counts.inactive_accounts++;
            if (!was_inactive_[i]) {
                counts.went_inactive++;
            }
        }
        was_inactive_[i] = inactive;
    }
}

}  // namespace keyledger::sim
