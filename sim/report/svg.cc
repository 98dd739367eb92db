#include "sim/report/svg.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace keyledger::sim {
namespace {

constexpr double kWidth = 900, kHeight = 420;
constexpr double kLeft = 70, kRight = 200, kTop = 40, kBottom = 50;
constexpr const char* kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

std::string escape(const std::string& text) {
    std::string out;
    for (char c : text) {
        switch (c) {
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '&':
                out += "&amp;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

// A round step for about five ticks.
double tick_step(double top) {
    const double raw = top / 5;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0, 10.0}) {
        if (raw <= m * magnitude) {
            return m * magnitude;
        }
    }
    return 10 * magnitude;
}

}  // namespace

std::string render_svg(const Chart& chart) {
    std::size_t points = 0;
    double top = 1;
    for (const auto& s : chart.series) {
        points = std::max(points, s.values.size());
        for (double v : s.values) {
            top = std::max(top, v);
        }
    }
    const double step = tick_step(top);
    top = std::ceil(top / step) * step;
    const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
    auto x_of = [&](std::size_t i) {
        return kLeft + (points <= 1
                            ? 0
                            : plot_w * static_cast<double>(i) / static_cast<double>(points - 1));
    };
    auto y_of = [&](double v) { return kTop + plot_h * (1 - v / top); };

    std::string out = fmt::format(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" "
        "viewBox=\"0 0 {0} {1}\" font-family=\"sans-serif\" font-size=\"12\">\n"
        "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        "<text x=\"{2}\" y=\"22\" font-size=\"15\">{3}</text>\n",
        kWidth, kHeight, kLeft, escape(chart.title));
    for (double v = 0; v <= top + step / 2; v += step) {
        out += fmt::format(
            "<line x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2}\" y2=\"{1:.1f}\" stroke=\"#ddd\"/>"
            "<text x=\"{3}\" y=\"{4:.1f}\" text-anchor=\"end\">{5}</text>\n",
            kLeft, y_of(v), kLeft + plot_w, kLeft - 6, y_of(v) + 4, v);
    }
    const std::size_t x_step = std::max<std::size_t>(1, (points + 9) / 10);
    for (std::size_t i = 0; i < points; i += x_step) {
        out += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
                           x_of(i), kTop + plot_h + 18, i + 1);
    }
    out += fmt::format(
        "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"black\"/>"
        "<line x1=\"{0}\" y1=\"{2}\" x2=\"{3}\" y2=\"{2}\" stroke=\"black\"/>\n"
        "<text x=\"{4}\" y=\"{5}\" text-anchor=\"middle\">{6}</text>\n"
        "<text x=\"16\" y=\"{7}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {7})\">{8}"
        "</text>\n",
        kLeft, kTop, kTop + plot_h, kLeft + plot_w, kLeft + plot_w / 2, kHeight - 10,
        escape(chart.x_label), kTop + plot_h / 2, escape(chart.y_label));
    for (std::size_t k = 0; k < chart.series.size(); ++k) {
        const auto& s = chart.series[k];
        const char* colour = kColours[k % std::size(kColours)];
        std::string path;
        for (std::size_t i = 0; i < s.values.size(); ++i) {
            path += fmt::format("{}{:.1f},{:.1f}", i == 0 ? "M" : " L", x_of(i), y_of(s.values[i]));
        }
        if (!path.empty()) {
            out +=
                fmt::format("<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\"/>\n",
                            path, colour);
        }
        const double legend_y = kTop + 16 * static_cast<double>(k);
        out += fmt::format(
            "<rect x=\"{0}\" y=\"{1:.1f}\" width=\"12\" height=\"3\" fill=\"{2}\"/>"
            "<text x=\"{3}\" y=\"{4:.1f}\">{5}</text>\n",
            kLeft + plot_w + 14, legend_y, colour, kLeft + plot_w + 32, legend_y + 5,
            escape(s.name));
    }
    out += "</svg>\n";
    return out;
}

}  // namespace keyledger::sim
