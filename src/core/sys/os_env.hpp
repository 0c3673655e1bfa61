// The process's environment as the os.* words see it: environment
// variables, the home and current directories, the platform's name, and
// path arithmetic with the semantics of Rust's std::path on Unix (which
// seq-runtime 5.4.0 uses), so programs get the same answers for odd inputs
// ("a/b/.", "//", "") as they did upstream.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace seq {

// The value of environment variable `name`, or nullopt when it is unset, its
// name contains a NUL byte, or its value is not valid UTF-8 (Rust's
// std::env::var fails in those cases).
std::optional<std::string> env_get(std::string_view name);

// $HOME (upstream consults nothing else on Unix).
std::optional<std::string> home_dir();
// The working directory, invalid UTF-8 replaced by U+FFFD; nullopt when it
// cannot be determined (removed, or not accessible).
std::optional<std::string> current_dir();

// "linux", "darwin", "freebsd", "openbsd", "netbsd", "windows" or "unknown".
const char* os_name();
// "x86_64", "aarch64", "arm", "x86", "riscv64" or "unknown".
const char* os_arch();

// Rust's Path::join: an absolute `component` replaces `base`; otherwise a
// '/' is inserted unless `base` is empty or already ends with one.
std::string path_join(std::string_view base, std::string_view component);
// Rust's Path::parent: nullopt for "", "/" and paths that end in a root;
// "" for a single relative component ("a" -> ""). Trailing separators and
// "." components are ignored ("/a/b/" -> "/a").
std::optional<std::string_view> path_parent(std::string_view path);
// Rust's Path::file_name: the last normal component ("a/b/." -> "b"), or
// nullopt when the path ends in "..", a root, or is empty.
std::optional<std::string_view> path_filename(std::string_view path);

}  // namespace seq
