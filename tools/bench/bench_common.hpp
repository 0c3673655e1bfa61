// Shared by the benchmark tools: timing, medians, the machine line.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace bench {

inline double now_ms() {
    using namespace std::chrono;
    return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

// Runs `f` `runs` times (after one warm-up run) and returns the median of
// what it returns (a time in ms, or any per-run figure).
template <typename F>
double median_of(int runs, F&& f) {
    f();
    std::vector<double> v;
    for (int i = 0; i < runs; ++i)
        v.push_back(f());
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

inline std::string cpu_model() {
    std::ifstream f("/proc/cpuinfo");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
    return "unknown cpu";
}

inline void print_machine() {
    std::printf("machine: %u cores, %s\n", std::thread::hardware_concurrency(),
                cpu_model().c_str());
}

}  // namespace bench
