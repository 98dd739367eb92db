#pragma once
// Text meant for a terminal. Names in the log are chosen by users (a webhook admin names a
// webhook); printed as they are, an escape sequence or a line break in one could recolour the
// auditor's screen or draw a fact line that is not in the log.

#include <string>
#include <string_view>

namespace keyledger::audit {

// `text` with every control character (C0, DEL, and C1 as UTF-8) shown as \xNN, and backslashes
// doubled so that the escape cannot be forged either. Everything else is kept as it is.
[[nodiscard]] std::string printable(std::string_view text);

}  // namespace keyledger::audit
