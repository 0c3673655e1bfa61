#include "io/fs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include "core/sys/os_env.hpp"
#include "core/text/utf8.hpp"
#include "io/blocking.hpp"

namespace seq {

// ---- helpers -------------------------------------------------------------------------------

namespace {

constexpr const char* kNulInPath = "file name contained an unexpected NUL byte";

// A path C can see whole, or nullopt when it holds a NUL byte.
std::optional<std::string> c_path(std::string_view path) {
    if (path.find('\0') != std::string_view::npos) return std::nullopt;
    return std::string(path);
}

int open_retry(const char* path, int flags, mode_t mode = 0) {
    int fd;
    do {
        fd = ::open(path, flags | O_CLOEXEC, mode);
    } while (fd < 0 && errno == EINTR);
    return fd;
}

bool write_all(int fd, const char* p, size_t n) {
    while (n) {
        ssize_t w = ::write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        p += w;
        n -= static_cast<size_t>(w);
    }
    return true;
}

bool stat_path(std::string_view path, struct stat* st) {
    auto p = c_path(path);
    return p && ::stat(p->c_str(), st) == 0;
}

}  // namespace

std::string os_error_message(int err) {
    char buf[256];
    const char* msg = strerror_r(err, buf, sizeof buf);  // GNU variant
    char out[320];
    std::snprintf(out, sizeof out, "%s (os error %d)", msg, err);
    return out;
}

// ---- metadata ------------------------------------------------------------------------------

PathKind path_kind(std::string_view path) {
    struct stat st;
    if (!stat_path(path, &st)) return PathKind::Missing;
    if (S_ISREG(st.st_mode)) return PathKind::File;
    if (S_ISDIR(st.st_mode)) return PathKind::Dir;
    return PathKind::Other;
}

std::optional<int64_t> file_size(std::string_view path) {
    struct stat st;
    if (!stat_path(path, &st)) return std::nullopt;
    return static_cast<int64_t>(st.st_size);
}

bool dir_make_all(std::string_view path) {
    if (path.find('\0') != std::string_view::npos) return false;
    auto mkdir_ok = [](std::string_view p) {
        std::string s(p);
        if (::mkdir(s.c_str(), 0777) == 0) return 0;
        return errno;
    };
    // Rust recurses into the parent when mkdir says ENOENT; walking up in a
    // loop does the same without a stack frame per component (a strand's
    // stack is small and the path is the program's input).
    std::vector<std::string_view> missing;
    std::string_view cur = path;
    for (;;) {
        if (cur.empty()) break;  // Rust: the empty path needs nothing
        int err = mkdir_ok(cur);
        if (err == 0) break;
        if (err != ENOENT) {
            if (path_kind(cur) == PathKind::Dir) break;
            return false;
        }
        auto parent = path_parent(cur);
        if (!parent) return false;
        missing.push_back(cur);
        cur = *parent;
    }
    for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
        if (mkdir_ok(*it) != 0 && path_kind(*it) != PathKind::Dir) return false;
    }
    return true;
}

bool dir_remove(std::string_view path) {
    auto p = c_path(path);
    return p && ::rmdir(p->c_str()) == 0;
}

// ---- whole-file operations -------------------------------------------------------------------

namespace {

// The inline fast path (see fs.hpp): a regular file up to this size is read
// or written on the strand's own thread when the page cache has it.
constexpr size_t kInlineBytes = 64 * 1024;
// Truncating or unlinking a regular file up to this size frees few blocks.
constexpr off_t kInlineDropBytes = 1 << 20;

enum class Io { Done, WouldBlock, Error };

// A String object grown in place while a file is read into it, so a large
// file is never copied a second time.
class StringBuf {
  public:
    ~StringBuf() { std::free(s_); }
    // False when memory runs out.
    bool reserve(size_t cap) {
        if (s_ && cap <= cap_) return true;
        if (!s_) {
            try {
                s_ = alloc_string(cap);
            } catch (const std::bad_alloc&) {
                return false;
            }
        } else {
            void* grown = std::realloc(static_cast<void*>(s_), sizeof(StringObj) + cap + 1);
            if (!grown) return false;
            s_ = static_cast<StringObj*>(grown);
            s_->data = s_->inline_bytes;
        }
        cap_ = cap;
        return true;
    }
    // Reads fd to end of file. nowait: only what the page cache holds
    // (preadv2 RWF_NOWAIT), WouldBlock at the first byte it does not.
    Io read_from(int fd, bool nowait) {
        for (;;) {
            if (len_ == cap_ && !reserve(cap_ ? cap_ * 2 : 8192)) return Io::Error;
            struct iovec iov {
                s_->inline_bytes + len_, cap_ - len_
            };
            ssize_t n = nowait ? ::preadv2(fd, &iov, 1, -1, RWF_NOWAIT) : ::readv(fd, &iov, 1);
            if (n > 0) {
                len_ += static_cast<size_t>(n);
                continue;
            }
            if (n == 0) return Io::Done;
            if (errno == EINTR) continue;
            // EOPNOTSUPP: a filesystem without RWF_NOWAIT; the threadpool reads.
            if (nowait && (errno == EAGAIN || errno == EOPNOTSUPP)) return Io::WouldBlock;
            return Io::Error;
        }
    }
    // The finished string (null when `accept` is Utf8Only and it is not
    // valid UTF-8: Rust's read_to_string refuses it). The buffer gives up
    // ownership.
    StringObj* take(utf8::Bytes accept) {
        if (!s_ && !reserve(0)) return nullptr;
        if (cap_ - len_ > 4096) {  // a file that shrank, or the doubling
            if (void* shrunk = std::realloc(static_cast<void*>(s_), sizeof(StringObj) + len_ + 1)) {
                s_ = static_cast<StringObj*>(shrunk);
                s_->data = s_->inline_bytes;
            }
        }
        s_->len = len_;
        s_->inline_bytes[len_] = '\0';
        if (accept == utf8::Bytes::Utf8Only && !utf8::is_valid(s_->view())) return nullptr;
        StringObj* out = s_;
        s_ = nullptr;
        return out;
    }

  private:
    StringObj* s_ = nullptr;
    size_t cap_ = 0;
    size_t len_ = 0;
};

// Room for a regular file of st's size, +1 for the read that sees end of
// file (a file that grew meanwhile is still read whole).
size_t initial_capacity(const struct stat& st) {
    return S_ISREG(st.st_mode) && st.st_size > 0 ? static_cast<size_t>(st.st_size) + 1 : 8192;
}

}  // namespace

std::optional<StackValue> file_read_string(std::string_view path, utf8::Bytes accept) {
    auto p = c_path(path);
    if (!p) return std::nullopt;
    struct stat st;
    // Nothing there, or a directory: fails as the read would, without a trip.
    if (::stat(p->c_str(), &st) != 0 || S_ISDIR(st.st_mode)) return std::nullopt;
    StringBuf buf;
    StringObj* result = nullptr;
    if (S_ISREG(st.st_mode) && static_cast<size_t>(st.st_size) <= kInlineBytes) {
        // Small regular file: open and read here; only bytes the page cache
        // lacks send the rest of the read to the threadpool.
        int fd = open_retry(p->c_str(), O_RDONLY | O_NONBLOCK);
        if (fd < 0) return std::nullopt;
        if (buf.reserve(initial_capacity(st))) {
            Io r = buf.read_from(fd, true);
            if (r == Io::WouldBlock) {
                auto rest = [&] {
                    if (buf.read_from(fd, false) == Io::Done) result = buf.take(accept);
                };
                run_blocking(rest);
            } else if (r == Io::Done) {
                result = buf.take(accept);
            }
        }
        ::close(fd);
    } else {
        // Large, or a FIFO or device that may wait: all of it on the
        // threadpool (opening a FIFO waits for its writer), including the
        // UTF-8 check, which is linear in the size too.
        auto job = [&] {
            int fd = open_retry(p->c_str(), O_RDONLY);
            if (fd < 0) return;
            struct stat fst;
            bool ok = ::fstat(fd, &fst) == 0 && buf.reserve(initial_capacity(fst)) &&
                      buf.read_from(fd, false) == Io::Done;
            ::close(fd);
            if (ok) result = buf.take(accept);
        };
        run_blocking(job);
    }
    if (!result) return std::nullopt;
    return from_heap(result);
}

bool file_write(std::string_view path, std::string_view data, bool append) {
    auto p = c_path(path);
    if (!p) return false;
    int flags = O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC);
    struct stat st;
    bool exists = ::stat(p->c_str(), &st) == 0;
    bool missing = !exists && errno == ENOENT;
    // Inline: a small write to a new or regular file whose truncation frees
    // little. O_NONBLOCK keeps open() from waiting should the path turn out
    // to be a FIFO after all (a race with the stat).
    if (data.size() <= kInlineBytes && (missing || (exists && S_ISREG(st.st_mode) &&
                                                    (append || st.st_size <= kInlineDropBytes)))) {
        int fd = open_retry(p->c_str(), flags | O_NONBLOCK, 0666);
        if (fd >= 0) {
            struct stat fst;
            if (::fstat(fd, &fst) == 0 && S_ISREG(fst.st_mode)) {
                bool wrote = write_all(fd, data.data(), data.size());
                // A failing close can mean lost data (NFS, quota): report it.
                bool closed = ::close(fd) == 0;
                return wrote && closed;
            }
            // It became something that may wait: finish on the threadpool.
            ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
            bool ok = false;
            auto rest = [&] {
                bool wrote = write_all(fd, data.data(), data.size());
                ok = (::close(fd) == 0) && wrote;
            };
            run_blocking(rest);
            return ok;
        }
        if (errno != ENXIO) return false;  // ENXIO: a FIFO without reader yet
    }
    bool ok = false;
    auto job = [&] {
        int fd = open_retry(p->c_str(), flags, 0666);
        if (fd < 0) return;
        bool wrote = write_all(fd, data.data(), data.size());
        bool closed = ::close(fd) == 0;
        ok = wrote && closed;
    };
    run_blocking(job);
    return ok;
}

bool file_remove(std::string_view path) {
    auto p = c_path(path);
    if (!p) return false;
    struct stat st;
    if (::lstat(p->c_str(), &st) != 0) return false;
    // Unlinking a large file frees its blocks, which can take a while.
    if (!S_ISREG(st.st_mode) || st.st_size <= kInlineDropBytes) return ::unlink(p->c_str()) == 0;
    bool ok = false;
    auto job = [&] { ok = ::unlink(p->c_str()) == 0; };
    run_blocking(job);
    return ok;
}

std::optional<std::vector<std::string>> dir_names(std::string_view path) {
    auto p = c_path(path);
    if (!p) return std::nullopt;
    struct stat st;
    if (::stat(p->c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return std::nullopt;
    std::optional<std::vector<std::string>> out;
    auto job = [&] {
        DIR* d = ::opendir(p->c_str());
        if (!d) return;
        std::vector<std::string> names;
        while (dirent* e = ::readdir(d)) {
            std::string_view name(e->d_name);
            if (name == "." || name == "..") continue;
            if (!utf8::is_valid(name)) continue;  // upstream skips them too
            names.emplace_back(name);
        }
        ::closedir(d);
        // readdir order depends on the filesystem; sorted output makes a
        // program's behaviour reproducible.
        std::sort(names.begin(), names.end());
        out = std::move(names);
    };
    // A directory's size grows with its entries: a small one is listed here.
    if (static_cast<size_t>(st.st_size) <= kInlineBytes)
        job();
    else
        run_blocking(job);
    return out;
}

// ---- lines -------------------------------------------------------------------------------------

namespace {

constexpr size_t kLineChunk = 64 * 1024;

}  // namespace

bool file_for_each_line(std::string_view path, void (*on_line)(void*, std::string_view), void* ctx,
                        std::string* error) {
    auto p = c_path(path);
    if (!p) {
        *error = kNulInPath;
        return false;
    }
    struct stat st;
    if (::stat(p->c_str(), &st) != 0) {
        *error = os_error_message(errno);  // what open() would say
        return false;
    }
    // Regular files (and directories, whose read fails at once) are read
    // here from the page cache; what is not cached, and FIFOs or devices
    // that may wait, are read on the threadpool.
    bool here = S_ISREG(st.st_mode) || S_ISDIR(st.st_mode);
    std::string buf;  // bytes read but not yet delivered, from `start`
    int fd = -1, err = 0;
    ssize_t got = 0;
    // Appends the next chunk to buf and sets got (and err); false when a
    // nowait read found the bytes missing from the page cache.
    auto read_chunk = [&](bool nowait) {
        size_t old = buf.size();
        buf.resize(old + kLineChunk);
        struct iovec iov {
            buf.data() + old, kLineChunk
        };
        ssize_t n;
        do {
            n = nowait ? ::preadv2(fd, &iov, 1, -1, RWF_NOWAIT) : ::readv(fd, &iov, 1);
        } while (n < 0 && errno == EINTR);
        if (n < 0 && nowait && (errno == EAGAIN || errno == EOPNOTSUPP)) {
            if (errno == EOPNOTSUPP) here = false;  // this filesystem never will
            buf.resize(old);
            return false;
        }
        got = n;
        if (n < 0) err = errno;
        buf.resize(old + (n > 0 ? static_cast<size_t>(n) : 0));
        return true;
    };
    auto next_chunk = [&] {
        if (here && read_chunk(true)) return;
        auto job = [&] { read_chunk(false); };
        run_blocking(job);
    };
    if (here) {
        fd = open_retry(p->c_str(), O_RDONLY | O_NONBLOCK);
        if (fd < 0)
            err = errno;
        else
            next_chunk();
    } else {
        // Opening a FIFO waits for its writer: opening and the first read
        // are one threadpool job.
        auto open_and_read = [&] {
            fd = open_retry(p->c_str(), O_RDONLY);
            if (fd < 0)
                err = errno;  // this thread's errno, not the strand's
            else
                read_chunk(false);
        };
        run_blocking(open_and_read);
    }
    if (fd < 0) {
        *error = os_error_message(err);
        return false;
    }

    bool ok = true;
    std::string line;
    size_t start = 0;  // first byte of the next line in buf
    size_t scan = 0;   // bytes before this hold no '\n' at or after start
    auto deliver = [&](std::string_view content) {
        if (!utf8::is_valid(content)) {
            *error = "stream did not contain valid UTF-8";
            return false;
        }
        line.assign(content);
        line += '\n';
        on_line(ctx, line);
        return true;
    };
    for (;;) {
        if (got < 0) {
            *error = os_error_message(err);
            ok = false;
            break;
        }
        bool eof = got == 0;
        size_t nl;
        while (ok && (nl = buf.find('\n', scan)) != std::string::npos) {
            size_t end = nl;
            if (end > start && buf[end - 1] == '\r') --end;
            std::string_view content(buf.data() + start, end - start);
            start = scan = nl + 1;
            ok = deliver(content);
        }
        if (!ok) break;
        if (eof) {
            // A last line without a newline keeps a trailing '\r' (Rust
            // strips "\r" only together with "\n").
            if (start < buf.size())
                ok = deliver(std::string_view(buf.data() + start, buf.size() - start));
            break;
        }
        // Keep the partial line; a long one is not searched again.
        buf.erase(0, start);
        start = 0;
        scan = buf.size();
        next_chunk();
    }
    ::close(fd);
    return ok;
}

}  // namespace seq
