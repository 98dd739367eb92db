#pragma once
// Why an auditor's question got no answer, shared by the command line (exit codes) and the HTTP
// routes (statuses), so both refuse the same questions in the same words.

#include <expected>
#include <string>

namespace keyledger::audit {

enum class Failure {
    bad_request,  // the question does not make sense (exit 2, HTTP 400 bad_request)
    bad_instant,  // an instant that does not parse (exit 2, HTTP 400 bad_instant)
    not_found,    // it did not exist at that point (exit 1, HTTP 404 not_found)
    store,        // the store could not be read or holds an undecodable record (exit 1, HTTP 503)
    altered,      // an event the answer needs was altered after it was written (exit 1, HTTP 503)
};

struct Problem {
    Failure failure;
    std::string message;  // plain words; never a secret
};

template <class T>
using Answer = std::expected<T, Problem>;

inline std::unexpected<Problem> problem(Failure failure, std::string message) {
    return std::unexpected(Problem{failure, std::move(message)});
}

}  // namespace keyledger::audit
