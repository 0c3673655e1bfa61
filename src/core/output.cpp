#include "core/output.hpp"

#include <cstdio>

namespace seq {

// stdio's FILE lock makes each fwrite atomic with respect to other threads.
void stdout_write(std::string_view bytes) {
    std::fwrite(bytes.data(), 1, bytes.size(), stdout);
}
void stdout_flush() {
    std::fflush(stdout);
}
void stderr_write(std::string_view bytes) {
    std::fwrite(bytes.data(), 1, bytes.size(), stderr);
}

}  // namespace seq
