#pragma once
// RFC 4180 fields: quoted when they hold a comma, a quote or a line break; quotes doubled.

#include <string>
#include <string_view>
#include <vector>

namespace keyledger::audit {

[[nodiscard]] std::string csv_field(std::string_view text);
// The fields joined with commas, ended with CRLF as RFC 4180 says.
[[nodiscard]] std::string csv_row(const std::vector<std::string>& fields);

}  // namespace keyledger::audit
