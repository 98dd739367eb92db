#include "domain/instant.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace keyledger::domain {
namespace {

// An independent rendering through std::chrono's calendar, to check format_instant against.
std::string chrono_format(Instant t) {
    using namespace std::chrono;
    const sys_time<milliseconds> point{milliseconds{t}};
    const sys_days day = floor<days>(point);
    const year_month_day date{day};
    const hh_mm_ss<milliseconds> time{point - day};
    char text[64];
    std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02lld.%03lldZ",
                  static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                  static_cast<unsigned>(date.day()), static_cast<int>(time.hours().count()),
                  static_cast<int>(time.minutes().count()),
                  static_cast<long long>(time.seconds().count()),
                  static_cast<long long>(time.subseconds().count()));
    return text;
}

Instant chrono_instant(int y, unsigned mo, unsigned d, int h, int mi, int s, int ms) {
    using namespace std::chrono;
    const sys_days date{year{y} / month{mo} / day{d}};
    const auto point = date + hours{h} + minutes{mi} + seconds{s} + milliseconds{ms};
    return duration_cast<milliseconds>(point.time_since_epoch()).count();
}

TEST(Instant, InactivityExampleOfTheDomain) {
    // Last activity 2026-01-01, W = 60 days: active until ...59.999Z, inactive from 03-02.
    const auto last_activity = parse_instant("2026-01-01T00:00:00.000Z");
    ASSERT_TRUE(last_activity.has_value());
    EXPECT_EQ(*last_activity, 1'767'225'600'000);

    const Instant inactive_from = *last_activity + 60 * kDayMs;
    EXPECT_EQ(parse_instant("2026-03-02T00:00:00.000Z"), inactive_from);
    EXPECT_EQ(parse_instant("2026-03-01T23:59:59.999Z"), inactive_from - 1);
    EXPECT_EQ(format_instant(inactive_from), "2026-03-02T00:00:00.000Z");
    EXPECT_EQ(format_instant(inactive_from - 1), "2026-03-01T23:59:59.999Z");
}

TEST(Instant, EpochAndAroundIt) {
    EXPECT_EQ(parse_instant("1970-01-01T00:00:00Z"), 0);
    EXPECT_EQ(format_instant(0), "1970-01-01T00:00:00.000Z");
    EXPECT_EQ(parse_instant("1969-12-31T23:59:59.999Z"), -1);
    EXPECT_EQ(format_instant(-1), "1969-12-31T23:59:59.999Z");
    EXPECT_EQ(format_instant(-kDayMs), "1969-12-31T00:00:00.000Z");
    EXPECT_EQ(format_instant(-kDayMs - 1), "1969-12-30T23:59:59.999Z");
}

TEST(Instant, FractionDigitsAreADecimalFraction) {
    const Instant second = *parse_instant("2026-03-01T23:59:59Z");
    EXPECT_EQ(parse_instant("2026-03-01T23:59:59.5Z"), second + 500);
    EXPECT_EQ(parse_instant("2026-03-01T23:59:59.05Z"), second + 50);
    EXPECT_EQ(parse_instant("2026-03-01T23:59:59.005Z"), second + 5);
    EXPECT_EQ(parse_instant("2026-03-01T23:59:59.50Z"), second + 500);
    EXPECT_EQ(parse_instant("2026-03-01T23:59:59.999Z"), second + 999);
    EXPECT_EQ(parse_instant("2026-03-01T23:59:59.000Z"), second);
    EXPECT_EQ(format_instant(second + 500), "2026-03-01T23:59:59.500Z");
    EXPECT_EQ(format_instant(second + 5), "2026-03-01T23:59:59.005Z");
}

TEST(Instant, LeapYears) {
    EXPECT_EQ(parse_instant("2024-02-29T00:00:00Z"), 1'709'164'800'000);
    EXPECT_EQ(parse_instant("2024-03-01T00:00:00Z"), 1'709'164'800'000 + kDayMs);
    EXPECT_TRUE(parse_instant("2000-02-29T12:00:00Z").has_value());   // divisible by 400
    EXPECT_TRUE(parse_instant("0000-02-29T12:00:00Z").has_value());   // year 0 is one too
    EXPECT_FALSE(parse_instant("2023-02-29T00:00:00Z").has_value());  // not divisible by 4
    EXPECT_FALSE(parse_instant("1900-02-29T00:00:00Z").has_value());  // by 100, not by 400
    EXPECT_FALSE(parse_instant("2024-02-30T00:00:00Z").has_value());
    EXPECT_EQ(format_instant(1'709'164'800'000), "2024-02-29T00:00:00.000Z");
}

TEST(Instant, MonthLengths) {
    const int lengths[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (int month = 1; month <= 12; ++month) {
        char last[32];
        char past[32];
        std::snprintf(last, sizeof last, "2023-%02d-%02dT00:00:00Z", month, lengths[month - 1]);
        std::snprintf(past, sizeof past, "2023-%02d-%02dT00:00:00Z", month, lengths[month - 1] + 1);
        EXPECT_TRUE(parse_instant(last).has_value()) << last;
        EXPECT_FALSE(parse_instant(past).has_value()) << past;
    }
}

TEST(Instant, WholeTextRange) {
    EXPECT_EQ(parse_instant("0000-01-01T00:00:00.000Z"), kMinTextInstant);
    EXPECT_EQ(parse_instant("9999-12-31T23:59:59.999Z"), kMaxTextInstant);
    EXPECT_EQ(format_instant(kMinTextInstant), "0000-01-01T00:00:00.000Z");
    EXPECT_EQ(format_instant(kMaxTextInstant), "9999-12-31T23:59:59.999Z");
}

TEST(Instant, RefusesEveryOtherForm) {
    const std::vector<std::string> bad = {
        "",
        "2026-03-01",
        "2026-03-01T23:59:59",        // no Z
        "2026-03-01t23:59:59Z",       // lower-case t
        "2026-03-01T23:59:59z",       // lower-case z
        "2026-03-01 23:59:59Z",       // space for T
        "2026-03-01T23:59:59+00:00",  // offset
        "2026-03-01T23:59:59.000+00:00",
        "2026-03-01T23:59:59.000Z+00:00",
        "2026-03-01T23:59:59.1234Z",  // four fraction digits
        "2026-03-01T23:59:59.000000Z",
        "2026-03-01T23:59:59.Z",   // dot without digits
        "2026-03-01T23:59:59,5Z",  // comma
        "2026-03-01T23:59:59.-5Z",
        "2026-03-01T23:59:59.5ZZ",
        "2026-03-01T23:59:60Z",  // leap second
        "2026-03-01T23:60:00Z",
        "2026-03-01T24:00:00Z",
        "2026-00-10T00:00:00Z",
        "2026-13-10T00:00:00Z",
        "2026-03-00T00:00:00Z",
        "2026-04-31T00:00:00Z",
        " 2026-03-01T23:59:59Z",
        "2026-03-01T23:59:59Z ",
        "\t2026-03-01T23:59:59Z",
        "2026-03-01T23:59:59Z\n",
        std::string("2026-03-01T23:59:59Z\0", 21),
        "2026-3-01T23:59:59Z",
        "2026-03-1T23:59:59Z",
        "2026-03-01T3:59:59Z",
        "+2026-03-01T23:59:59Z",
        "-0001-03-01T23:59:59Z",
        "10000-01-01T00:00:00Z",
        "20260301T235959Z",
        "2026-03-01T23:59Z",
        "2026/03/01T23:59:59Z",
        "2026-03-01T23-59-59Z",
        "2O26-03-01T23:59:59Z",  // letter O
        "\xef\xbc\x92"
        "026-03-01T23:59:59Z",  // full-width 2
        "2026-03-01T23:59:59.5 Z",
    };
    for (const std::string& text : bad) {
        EXPECT_FALSE(parse_instant(text).has_value()) << "accepted \"" << text << "\"";
    }
}

TEST(Instant, FormatMatchesTheChronoCalendarOnEveryDay) {
    // Every day of the first and last century of the range and of two full 400-year cycles
    // around today (1700, 1800, 1900 and 2100 are not leap years; 1600, 2000 and 2400 are), at a
    // random time of day. The other centuries follow the same cycle; random tests cover them.
    std::mt19937_64 rng(20260302);
    std::uniform_int_distribution<Instant> ms_in_day(0, kDayMs - 1);
    const std::pair<const char*, const char*> spans[] = {
        {"0000-01-01T00:00:00Z", "0100-01-01T00:00:00Z"},
        {"1600-01-01T00:00:00Z", "2401-01-01T00:00:00Z"},
        {"9900-01-01T00:00:00Z", "9999-12-31T00:00:00Z"},
    };
    for (const auto& [first, last] : spans) {
        for (Instant day = *parse_instant(first); day <= *parse_instant(last); day += kDayMs) {
            const Instant t = day + ms_in_day(rng);
            const std::string text = format_instant(t);
            ASSERT_EQ(text, chrono_format(t));
            ASSERT_EQ(parse_instant(text), t) << text;
        }
    }
}

TEST(Instant, RoundTripsRandomInstants) {
    std::mt19937_64 rng(42);
    std::uniform_int_distribution<Instant> any(kMinTextInstant, kMaxTextInstant);
    for (int i = 0; i < 20'000; ++i) {
        const Instant t = any(rng);
        const std::string text = format_instant(t);
        ASSERT_EQ(parse_instant(text), t) << text;
        ASSERT_EQ(text, chrono_format(t));
    }
}

TEST(Instant, ParsesRandomValidTextLikeTheChronoCalendar) {
    std::mt19937_64 rng(7);
    auto pick = [&rng](int low, int high) {
        return std::uniform_int_distribution<int>(low, high)(rng);
    };
    for (int i = 0; i < 20'000; ++i) {
        const int y = pick(0, 9999);
        const int mo = pick(1, 12);
        const int d = pick(1, 28);
        const int h = pick(0, 23);
        const int mi = pick(0, 59);
        const int s = pick(0, 59);
        const int digits = pick(0, 3);
        const int fraction = digits == 0 ? 0 : pick(0, digits == 1 ? 9 : digits == 2 ? 99 : 999);
        const int ms = digits == 1 ? fraction * 100 : digits == 2 ? fraction * 10 : fraction;

        char text[40];
        int length =
            std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d", y, mo, d, h, mi, s);
        if (digits > 0) {
            length += std::snprintf(text + length, sizeof text - length, ".%0*d", digits, fraction);
        }
        std::snprintf(text + length, sizeof text - length, "Z");

        ASSERT_EQ(parse_instant(text), chrono_instant(y, static_cast<unsigned>(mo),
                                                      static_cast<unsigned>(d), h, mi, s, ms))
            << text;
    }
}

}  // namespace
}  // namespace keyledger::domain
