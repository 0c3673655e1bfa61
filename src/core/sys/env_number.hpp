// Numbers read from environment variables (SEQ_STACK_SIZE, SEQ_MAX_SOCKETS,
// ...; docs/configuration.md): one parse and one wording of the warnings for
// every room that reads such a variable.
//
// Every reader takes the raw value (nullptr when the variable is unset) and
// returns the number to use. An unset variable silently gives the default; a
// value that is not accepted prints one warning naming the variable, the bad
// value and what is used instead, then falls back.
#pragma once

#include <cstdint>
#include <optional>

namespace seq {

// A full-string unsigned decimal: ASCII digits only (no sign, space or
// suffix) that fit in 64 bits; nullopt for anything else, or for nullptr.
std::optional<uint64_t> parse_env_u64(const char* s);

// Any number. Otherwise warns "NAME='v' is not a valid number, using default D".
uint64_t env_number(const char* name, const char* v, uint64_t def);

// A number above zero. Otherwise warns as env_number, or for 0
// "NAME=0 is invalid, using default D".
uint64_t env_positive_number(const char* name, const char* v, uint64_t def);

// A number in lo..hi. Otherwise warns
// "NAME='v' is not a number in LO..HI, using default D".
uint64_t env_number_in_range(const char* name, const char* v, uint64_t lo, uint64_t hi,
                             uint64_t def);

// A count that switches a feature on; unset or empty is 0 (off). Otherwise
// warns "NAME='v' is not a valid positive integer, FEATURE disabled" and
// gives 0.
uint64_t env_count_or_off(const char* name, const char* v, const char* feature);

}  // namespace seq
