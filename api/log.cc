#include "api/log.h"

namespace keyledger::api {

void log_line(spdlog::level::level_enum level, std::string_view event, nlohmann::json fields) {
    if (!spdlog::should_log(level)) {
        return;
    }
    fields["event"] = event;
    // The logger's pattern opens the object with "ts" and "level"; the fields close it.
    const std::string text = fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    spdlog::log(level, "{}", std::string_view(text).substr(1));
}

void log_rejected_credential(const Service::Exchange& ex) {
    const char* kind = ex.credential == Service::Exchange::Credential::missing ? "missing"
                       : ex.credential == Service::Exchange::Credential::malformed
                           ? "malformed"
                           : "unknown_token";
    log_line(spdlog::level::info, "credential_rejected",
             {{"reason", kind},
              {"path", ex.target.path},
              {"remote", ex.request.remote},
              {"correlation_id", ex.correlation_id}});
}

void log_call(const Service::Exchange& ex, const domain::CallDecision& decision,
              const std::string& webhook_id) {
    const bool accepted = decision.outcome == domain::CallDecision::Outcome::accepted;
    nlohmann::json fields{{"token_id", decision.token_id()},
                          {"owner_id", decision.owner_id()},
                          {"outcome", accepted ? "accepted" : to_string(decision.reason)},
                          {"correlation_id", ex.correlation_id}};
    if (!webhook_id.empty()) {
        fields["webhook_id"] = webhook_id;
    } else {
        fields["request"] = ex.request.method + " " + ex.target.path;
    }
    log_line(accepted ? spdlog::level::debug : spdlog::level::info, "call_decided",
             std::move(fields));
}

}  // namespace keyledger::api
