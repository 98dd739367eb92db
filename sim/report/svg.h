#pragma once
// A small SVG line chart writer: a few named series over a shared x axis (days), with axes,
// ticks and a legend. Output depends only on the data, so it is byte-identical run to run.

#include <string>
#include <vector>

namespace keyledger::sim {

struct Series {
    std::string name;
    std::vector<double> values;  // one per x position
};

struct Chart {
    std::string title;
    std::string x_label;
    std::string y_label;
    std::vector<Series> series;
};

[[nodiscard]] std::string render_svg(const Chart& chart);

}  // namespace keyledger::sim
