#pragma once
// The server's structured log: one JSON object a line, never a secret. Library layers do not
// log; the service and the app do.

#include <string_view>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "api/service_internal.h"

namespace keyledger::api {

void log_line(spdlog::level::level_enum level, std::string_view event, nlohmann::json fields);

// A credential that cannot be ours: counted and logged, never recorded.
void log_rejected_credential(const Service::Exchange& ex);
// A decision on a genuine secret.
void log_call(const Service::Exchange& ex, const domain::CallDecision& decision,
              const std::string& webhook_id);

}  // namespace keyledger::api
