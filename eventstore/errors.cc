#include "eventstore/event_store.h"

namespace keyledger::eventstore {

std::string_view to_string(ErrorCode code) {
    switch (code) {
        case ErrorCode::version_conflict:
            return "version_conflict";
        case ErrorCode::corruption:
            return "corruption";
        case ErrorCode::io_error:
            return "io_error";
        case ErrorCode::no_space:
            return "no_space";
        case ErrorCode::locked:
            return "locked";
        case ErrorCode::not_a_store:
            return "not_a_store";
        case ErrorCode::already_exists:
            return "already_exists";
        case ErrorCode::invalid_argument:
            return "invalid_argument";
    }
    return "unknown";
}

}  // namespace keyledger::eventstore
