#pragma once
// GET /v1/audit/explain and GET /v1/audit/calls: the auditor's questions of audit/ over HTTP,
// with the same JSON as `keyledger audit explain|calls --format json`. Each is a read route: the
// dispatcher authorises it like GET /v1/audit/verify (user_admin, auditor), then runs it on the
// decider thread, which plans from the live history index; the store is read on a worker.

#include <memory>

#include "api/service_internal.h"

namespace keyledger::api {

Route audit_explain_route(const engine::Engine& engine,
                          const std::shared_ptr<Service::Exchange>& ex);
Route audit_calls_route(const engine::Engine& engine, const std::shared_ptr<Service::Exchange>& ex);

}  // namespace keyledger::api
