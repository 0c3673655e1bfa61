#include "core/sys/os_env.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <vector>

#include "core/text/utf8.hpp"

namespace seq {

std::optional<std::string> env_get(std::string_view name) {
    // A NUL would silently shorten the name C sees.
    if (name.find('\0') != std::string_view::npos) return std::nullopt;
    std::string key(name);
    // The runtime never calls setenv, so reading environ here cannot race
    // with a writer inside the runtime.
    const char* v = std::getenv(key.c_str());
    if (!v) return std::nullopt;
    std::string value(v);
    if (!utf8::is_valid(value)) return std::nullopt;
    return value;
}

std::optional<std::string> home_dir() {
    return env_get("HOME");
}

std::optional<std::string> current_dir() {
    std::vector<char> buf(512);
    for (;;) {
        if (::getcwd(buf.data(), buf.size())) return utf8::lossy(buf.data());
        if (errno != ERANGE) return std::nullopt;
        buf.resize(buf.size() * 2);
    }
}

const char* os_name() {
#if defined(__APPLE__)
    return "darwin";
#elif defined(__linux__)
    return "linux";
#elif defined(_WIN32)
    return "windows";
#elif defined(__FreeBSD__)
    return "freebsd";
#elif defined(__OpenBSD__)
    return "openbsd";
#elif defined(__NetBSD__)
    return "netbsd";
#else
    return "unknown";
#endif
}

const char* os_arch() {
#if defined(__x86_64__)
    return "x86_64";
#elif defined(__aarch64__)
    return "aarch64";
#elif defined(__arm__)
    return "arm";
#elif defined(__i386__)
    return "x86";
#elif defined(__riscv) && __riscv_xlen == 64
    return "riscv64";
#else
    return "unknown";
#endif
}

// ---- paths -----------------------------------------------------------------------------
//
// Rust's Path iterates a path as components: an optional root ("/"), an
// optional leading "." ("./x"), then the body split on '/', where empty
// parts and "." are skipped. parent() and file_name() only look at the last
// component, so this walks components from the back the way Rust's
// Components::next_back does, and as_path() trims what next_back would skip.

namespace {

enum class Comp { None, Root, CurDir, ParentDir, Normal };

class BackComponents {
  public:
    explicit BackComponents(std::string_view p) : path_(p) {
        root_ = !p.empty() && p[0] == '/';
        cur_dir_ = !root_ && !p.empty() && p[0] == '.' && (p.size() == 1 || p[1] == '/');
        before_body_ = (root_ ? 1 : 0) + (cur_dir_ ? 1 : 0);
    }

    // The last component not yet consumed (Comp::None when there is none).
    Comp next_back(std::string_view* name) {
        for (;;) {
            switch (state_) {
                case State::Body:
                    if (path_.size() > before_body_) {
                        Comp c = pop_body_component(name);
                        if (c != Comp::None) return c;
                        continue;
                    }
                    state_ = State::Start;
                    continue;
                case State::Start:
                    state_ = State::Done;
                    if (root_) {
                        path_.remove_suffix(1);
                        return Comp::Root;
                    }
                    if (cur_dir_) {
                        path_.remove_suffix(1);
                        return Comp::CurDir;
                    }
                    continue;
                case State::Done:
                    return Comp::None;
            }
        }
    }

    // What is left, without trailing separators and "." components.
    std::string_view rest() {
        if (state_ == State::Body) {
            while (path_.size() > before_body_) {
                std::string_view saved = path_, name;
                if (pop_body_component(&name) != Comp::None) {
                    path_ = saved;
                    break;
                }
            }
        }
        return path_;
    }

  private:
    enum class State { Body, Start, Done };

    // Removes the last body component and its separator from path_.
    Comp pop_body_component(std::string_view* name) {
        std::string_view body = path_.substr(before_body_);
        size_t slash = body.rfind('/');
        std::string_view comp = slash == std::string_view::npos ? body : body.substr(slash + 1);
        path_.remove_suffix(comp.size() + (slash == std::string_view::npos ? 0 : 1));
        *name = comp;
        if (comp.empty() || comp == ".") return Comp::None;
        if (comp == "..") return Comp::ParentDir;
        return Comp::Normal;
    }

    std::string_view path_;
    bool root_ = false;
    bool cur_dir_ = false;
    size_t before_body_ = 0;
    State state_ = State::Body;
};

}  // namespace

std::string path_join(std::string_view base, std::string_view component) {
    if (!component.empty() && component[0] == '/') return std::string(component);
    std::string out(base);
    if (!out.empty() && out.back() != '/') out += '/';
    out += component;
    return out;
}

std::optional<std::string_view> path_parent(std::string_view path) {
    BackComponents c(path);
    std::string_view name;
    switch (c.next_back(&name)) {
        case Comp::Normal:
        case Comp::CurDir:
        case Comp::ParentDir:
            return c.rest();
        default:
            return std::nullopt;
    }
}

std::optional<std::string_view> path_filename(std::string_view path) {
    BackComponents c(path);
    std::string_view name;
    if (c.next_back(&name) == Comp::Normal) return name;
    return std::nullopt;
}

}  // namespace seq
