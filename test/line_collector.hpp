// The quotations the file-walk tests pass to file.for-each-line and 5.4.0's
// file-for-each-line+ (test_file_for_each_line.cpp, test_file.cpp): they
// record each line they are called with, under a lock (the walk may run on
// any worker).
#pragma once

#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "core/value/value.hpp"

namespace seq::test {

inline std::mutex g_lines_mu;
inline std::vector<std::string> g_lines;

// ( String -- ) records the line.
inline Stack collect_line(Stack sp) {
    StackValue v = *--sp;
    std::lock_guard<std::mutex> lock(g_lines_mu);
    g_lines.emplace_back(string_of(v)->view());
    drop_value(v);
    return sp;
}

// ( String -- ) records "<prefix>line", the prefix being the one capture.
inline Stack collect_with_prefix(Stack sp, const StackValue* env, size_t len) {
    EXPECT_EQ(len, 1u);
    StackValue v = *--sp;
    std::lock_guard<std::mutex> lock(g_lines_mu);
    g_lines.push_back(std::string(string_of(env[0])->view()) + std::string(string_of(v)->view()));
    drop_value(v);
    return sp;
}

// A quotation of collect_line.
inline StackValue collector() {
    auto a = reinterpret_cast<uintptr_t>(&collect_line);
    return make_quotation(a, a);
}

}  // namespace seq::test
