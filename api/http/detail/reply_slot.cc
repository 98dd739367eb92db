#include "api/http/detail/reply_slot.h"

#include "api/http/detail/session.h"

namespace keyledger::api::http::detail {

ReplySlot::~ReplySlot() {
    if (answered_.load(std::memory_order_acquire)) {
        return;
    }
    // A destructor must not throw; if even this fails the connection is
    // closed by stop() or by its owner going away.
    try {
        session_->deliver(error_response(500, "internal", "The request was dropped unanswered."));
    } catch (...) {
    }
}

bool ReplySlot::answer(Response response) {
    if (answered_.exchange(true, std::memory_order_acq_rel)) {
        return false;
    }
    session_->deliver(std::move(response));
    return true;
}

Responder ReplySlot::make_responder(std::shared_ptr<SessionBase> session) {
    auto slot = std::make_shared<ReplySlot>(std::move(session));
    return [slot = std::move(slot)](Response response) { slot->answer(std::move(response)); };
}

}  // namespace keyledger::api::http::detail
