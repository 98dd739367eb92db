#include "domain/instant.h"

#include <cassert>

namespace keyledger::domain {
namespace {

constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    const std::int64_t quotient = a / b;
    const bool rounded_up = a % b != 0 && ((a < 0) != (b < 0));
    return rounded_up ? quotient - 1 : quotient;
}

constexpr bool is_leap_year(std::int64_t year) {
    return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

constexpr int days_in_month(std::int64_t year, int month) {
    constexpr int kLengths[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap_year(year) ? 29 : kLengths[month - 1];
}

// Days from 1970-01-01 to a proleptic Gregorian date (negative before it).
//
// Counting years from 1 March puts the leap day at the very end of a year, so the days before a
// month no longer depend on whether the year is leap: from March on the months run
// 31 30 31 30 31 31 30 31 30 31 31 (28|29), and (153 * m + 2) / 5 is the number of days before
// the m-th of them (m = 0 for March). A whole 400-year cycle is always 146 097 days.
constexpr std::int64_t days_from_civil(std::int64_t year, int month, int day) {
    const std::int64_t march_year = month <= 2 ? year - 1 : year;
    const std::int64_t cycle = floor_div(march_year, 400);
    const std::int64_t year_in_cycle = march_year - cycle * 400;               // 0..399
    const std::int64_t month_from_march = month <= 2 ? month + 9 : month - 3;  // 0..11
    const std::int64_t day_in_year = (153 * month_from_march + 2) / 5 + day - 1;
    const std::int64_t day_in_cycle =
        year_in_cycle * 365 + year_in_cycle / 4 - year_in_cycle / 100 + day_in_year;

    constexpr std::int64_t kCycleStartToEpoch = 719'468;  // 0000-03-01 .. 1970-01-01
    return cycle * 146'097 + day_in_cycle - kCycleStartToEpoch;
}

static_assert(days_from_civil(1970, 1, 1) == 0);
static_assert(days_from_civil(2000, 3, 1) == 11'017);
static_assert(days_from_civil(0, 1, 1) * kDayMs == kMinTextInstant);
static_assert(days_from_civil(10000, 1, 1) * kDayMs - 1 == kMaxTextInstant);

struct CivilDate {
    std::int64_t year;
    int month;
    int day;
};

// The inverse of days_from_civil: estimate the year from the mean Gregorian year, correct the
// estimate by whole years, then walk the months. At most a few steps each.
CivilDate civil_from_days(std::int64_t days) {
    std::int64_t year = 1970 + floor_div(days * 400, 146'097);
    while (days_from_civil(year, 1, 1) > days) {
        --year;
    }
    while (days_from_civil(year + 1, 1, 1) <= days) {
        ++year;
    }

    std::int64_t day_in_year = days - days_from_civil(year, 1, 1);
    int month = 1;
    while (day_in_year >= days_in_month(year, month)) {
        day_in_year -= days_in_month(year, month);
        ++month;
    }
    return {year, month, static_cast<int>(day_in_year) + 1};
}

// Reads exactly `count` ASCII digits of `text` starting at `pos`.
std::optional<int> read_digits(std::string_view text, std::size_t pos, std::size_t count) {
    int value = 0;
    for (std::size_t i = pos; i < pos + count; ++i) {
        const char c = text[i];
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        value = value * 10 + (c - '0');
    }
    return value;
}

// Milliseconds of a fraction: "" (none) or "." and 1 to 3 digits read as a decimal fraction.
std::optional<int> read_fraction_ms(std::string_view fraction) {
    if (fraction.empty()) {
        return 0;
    }
    const std::size_t digits = fraction.size() - 1;
    if (fraction[0] != '.' || digits < 1 || digits > 3) {
        return std::nullopt;
    }
    const std::optional<int> value = read_digits(fraction, 1, digits);
    if (!value) {
        return std::nullopt;
    }
    constexpr int kScale[4] = {0, 100, 10, 1};
    return *value * kScale[digits];
}

// Writes `value` (0 <= value < 10^width) as `width` decimal digits at `pos`.
void write_digits(std::string& text, std::size_t pos, std::size_t width, std::int64_t value) {
    for (std::size_t i = pos + width; i-- > pos;) {
        text[i] = static_cast<char>('0' + value % 10);
        value /= 10;
    }
}

}  // namespace

std::optional<Instant> parse_instant(std::string_view text) {
    // The fixed part "YYYY-MM-DDTHH:MM:SS" and the final "Z" first.
    constexpr std::size_t kFixedLength = 19;
    if (text.size() < kFixedLength + 1 || text.back() != 'Z') {
        return std::nullopt;
    }
    if (text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':') {
        return std::nullopt;
    }
    const auto year = read_digits(text, 0, 4);
    const auto month = read_digits(text, 5, 2);
    const auto day = read_digits(text, 8, 2);
    const auto hour = read_digits(text, 11, 2);
    const auto minute = read_digits(text, 14, 2);
    const auto second = read_digits(text, 17, 2);
    const auto millis = read_fraction_ms(text.substr(kFixedLength, text.size() - kFixedLength - 1));
    if (!year || !month || !day || !hour || !minute || !second || !millis) {
        return std::nullopt;
    }

    // Only real dates and times of day; no leap second.
    if (*month < 1 || *month > 12 || *day < 1 || *day > days_in_month(*year, *month) ||
        *hour > 23 || *minute > 59 || *second > 59) {
        return std::nullopt;
    }

    const std::int64_t ms_in_day = ((*hour * 60 + *minute) * 60 + *second) * 1000LL + *millis;
    return days_from_civil(*year, *month, *day) * kDayMs + ms_in_day;
}

std::string format_instant(Instant t) {
    assert(t >= kMinTextInstant && t <= kMaxTextInstant);

    const std::int64_t days = floor_div(t, kDayMs);
    const std::int64_t ms_in_day = t - days * kDayMs;  // 0..kDayMs-1, also before 1970
    const CivilDate date = civil_from_days(days);

    // Fill in a template rather than call snprintf, which costs several times more.
    std::string text = "0000-00-00T00:00:00.000Z";
    write_digits(text, 5, 2, date.month);
    write_digits(text, 8, 2, date.day);
    write_digits(text, 11, 2, ms_in_day / 3'600'000);
    write_digits(text, 14, 2, ms_in_day / 60'000 % 60);
    write_digits(text, 17, 2, ms_in_day / 1000 % 60);
    write_digits(text, 20, 3, ms_in_day % 1000);
    if (date.year >= 0 && date.year <= 9999) {
        write_digits(text, 0, 4, date.year);
    } else {
        text.replace(0, 4, std::to_string(date.year));  // broken precondition: still total
    }
    return text;
}

}  // namespace keyledger::domain
