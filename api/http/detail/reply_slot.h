// The one answer a request is owed. Every copy of a request's Responder shares
// one ReplySlot: the first answer goes to the session, later ones are
// ignored, and a slot dropped unanswered sends 500 `internal` itself.
#pragma once

#include <atomic>
#include <memory>

#include "api/http/message.h"

namespace keyledger::api::http::detail {

class SessionBase;

class ReplySlot {
  public:
    explicit ReplySlot(std::shared_ptr<SessionBase> session) : session_(std::move(session)) {}
    ~ReplySlot();

    ReplySlot(const ReplySlot&) = delete;
    ReplySlot& operator=(const ReplySlot&) = delete;

    // Thread-safe. Returns false if an answer was already given.
    bool answer(Response response);

    // A Responder around a new slot for `session`.
    static Responder make_responder(std::shared_ptr<SessionBase> session);

  private:
    std::shared_ptr<SessionBase> session_;
    std::atomic<bool> answered_{false};
};

}  // namespace keyledger::api::http::detail
