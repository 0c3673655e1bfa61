#include "core/sys/env_number.hpp"

#include <cerrno>
#include <cstdlib>

#include "core/fatal.hpp"

namespace seq {

namespace {

unsigned long long ull(uint64_t n) {
    return static_cast<unsigned long long>(n);
}

}  // namespace

std::optional<uint64_t> parse_env_u64(const char* s) {
    // strtoull alone would also take leading spaces and a sign ("-1" wraps to
    // 2^64-1), so the first character must already be a digit.
    if (!s || *s < '0' || *s > '9') return std::nullopt;
    errno = 0;
    char* end = nullptr;
    unsigned long long v = std::strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0') return std::nullopt;
    return v;
}

uint64_t env_number(const char* name, const char* v, uint64_t def) {
    if (!v) return def;
    auto n = parse_env_u64(v);
    if (!n) {
        warn("%s='%s' is not a valid number, using default %llu", name, v, ull(def));
        return def;
    }
    return *n;
}

uint64_t env_positive_number(const char* name, const char* v, uint64_t def) {
    if (parse_env_u64(v) == uint64_t{0}) {
        warn("%s=0 is invalid, using default %llu", name, ull(def));
        return def;
    }
    return env_number(name, v, def);
}

uint64_t env_number_in_range(const char* name, const char* v, uint64_t lo, uint64_t hi,
                             uint64_t def) {
    if (!v) return def;
    auto n = parse_env_u64(v);
    if (!n || *n < lo || *n > hi) {
        warn("%s='%s' is not a number in %llu..%llu, using default %llu", name, v, ull(lo), ull(hi),
             ull(def));
        return def;
    }
    return *n;
}

uint64_t env_count_or_off(const char* name, const char* v, const char* feature) {
    if (!v || !*v) return 0;
    auto n = parse_env_u64(v);
    if (!n) {
        warn("%s='%s' is not a valid positive integer, %s disabled", name, v, feature);
        return 0;
    }
    return *n;
}

}  // namespace seq
