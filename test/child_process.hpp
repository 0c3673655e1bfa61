// Child processes for the serving tests (drain, SO_REUSEPORT, socket
// activation): this test binary started again on one *Child.* test, with a
// pipe for its output, so the parent can talk to it over loopback sockets and
// send it signals while it runs. run_child_test (test_support.hpp) only waits
// for the end; these tests act in the middle.
//
// fork + execve rather than posix_spawn: a socket-activated child must find
// its listening socket at fd 3 and its own pid in LISTEN_PID, and only the
// child knows its pid. Between fork and exec the child calls only
// async-signal-safe functions (the parent has threads).
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "scheduler_fixture.hpp"

extern char** environ;

namespace seq::test {

struct ChildOptions {
    std::vector<std::string> env;  // "NAME=value", replacing inherited NAME
    int fd3 = -1;                  // placed at fd 3 (systemd's first socket)
    bool listen_pid = false;       // LISTEN_PID=<the child's pid>
    rlim_t nofile_soft = 0;        // RLIMIT_NOFILE for the child (0: inherit)
    rlim_t nofile_hard = 0;
};

class Child {
  public:
    Child(const std::string& filter, ChildOptions o) {
        o.env.push_back("SEQ_TEST_CHILD=1");
        // These children end the process from the middle of a test on
        // purpose (a drain's exit, os.exit, SIGINT): what they leave behind
        // is not a leak (the parent's own tests keep the leak check).
        o.env.push_back("ASAN_OPTIONS=detect_leaks=0");
        for (char** e = environ; *e; ++e) {
            bool replaced = std::strncmp(*e, "LISTEN_", 7) == 0;  // only what we set
            for (const std::string& v : o.env)
                replaced = replaced || std::strncmp(*e, v.c_str(), v.find('=') + 1) == 0;
            if (!replaced) env_.push_back(*e);
        }
        for (const std::string& v : o.env)
            env_.push_back(v);
        // Filled in by the child after fork: room for any pid.
        std::string pid_var = "LISTEN_PID=0000000000000000000";
        if (o.listen_pid) env_.push_back(pid_var);
        std::vector<char*> envp;
        for (std::string& v : env_)
            envp.push_back(v.data());
        envp.push_back(nullptr);
        char* pid_slot = o.listen_pid ? envp[envp.size() - 2] + 11 : nullptr;
        std::string filter_arg = "--gtest_filter=" + filter;
        char self[] = "/proc/self/exe";
        char* argv[] = {self, filter_arg.data(), nullptr};

        int p[2];
        if (pipe2(p, O_CLOEXEC) != 0) return;
        pid_ = fork();
        if (pid_ == 0) {
            dup2(p[1], 1);
            dup2(p[1], 2);
            if (o.fd3 >= 0) {
                if (o.fd3 != 3) dup2(o.fd3, 3);
                fcntl(3, F_SETFD, 0);  // survives exec, as systemd passes it
            }
            if (o.nofile_soft) {
                rlimit lim{o.nofile_soft, o.nofile_hard ? o.nofile_hard : o.nofile_soft};
                setrlimit(RLIMIT_NOFILE, &lim);
            }
            if (pid_slot) {
                // The pid in decimal, without snprintf (not async-signal-safe).
                char digits[24];
                int n = 0;
                for (pid_t v = getpid(); v > 0; v /= 10)
                    digits[n++] = static_cast<char>('0' + v % 10);
                int k = 0;
                while (n > 0)
                    pid_slot[k++] = digits[--n];
                pid_slot[k] = '\0';
            }
            execve(self, argv, envp.data());
            _exit(127);
        }
        close(p[1]);
        out_ = p[0];
    }
    ~Child() {
        if (pid_ > 0 && status_ < 0) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
        if (out_ >= 0) close(out_);
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    bool started() const { return pid_ > 0; }
    pid_t pid() const { return pid_; }
    const std::string& output() const { return output_; }
    void signal(int sig) { kill(pid_, sig); }

    // Reads the child's output until `pred(output)` holds, the output ends, or
    // `secs` (times kSlow) pass. Returns pred(output).
    bool read_until(const std::function<bool(const std::string&)>& pred, double secs = 20) {
        auto deadline =
            std::chrono::steady_clock::now() + std::chrono::duration<double>(secs * kSlow);
        while (!pred(output_) && out_ >= 0 && std::chrono::steady_clock::now() < deadline) {
            pollfd pf{out_, POLLIN, 0};
            if (poll(&pf, 1, 50) <= 0) continue;
            char buf[4096];
            ssize_t n = read(out_, buf, sizeof buf);
            if (n <= 0) {
                close(out_);
                out_ = -1;
                break;
            }
            output_.append(buf, static_cast<size_t>(n));
        }
        return pred(output_);
    }
    bool read_until_has(const std::string& s, double secs = 20) {
        return read_until([&](const std::string& o) { return o.find(s) != std::string::npos; },
                          secs);
    }

    // The value after "KEY " on the first line that starts with it, or "".
    std::string field(const std::string& key) const {
        size_t at = 0;
        while ((at = output_.find(key + " ", at)) != std::string::npos) {
            if (at == 0 || output_[at - 1] == '\n') {
                size_t start = at + key.size() + 1;
                size_t end = output_.find('\n', start);
                if (end == std::string::npos) return "";
                return output_.substr(start, end - start);
            }
            at += key.size();
        }
        return "";
    }

    // Waits (bounded) for the exit; returns the waitpid status, or -1 after
    // killing a child that did not exit in time. Reads the rest of the output.
    int wait(double secs = 20) {
        auto deadline =
            std::chrono::steady_clock::now() + std::chrono::duration<double>(secs * kSlow);
        for (;;) {
            int st = 0;
            pid_t r = waitpid(pid_, &st, WNOHANG);
            if (r == pid_) {
                status_ = st;
                read_until([](const std::string&) { return false; }, 5);
                return st;
            }
            if (std::chrono::steady_clock::now() > deadline) {
                kill(pid_, SIGKILL);
                waitpid(pid_, nullptr, 0);
                status_ = -1;
                return -1;
            }
            read_until([](const std::string&) { return false; }, 0.02);
        }
    }

  private:
    std::vector<std::string> env_;
    pid_t pid_ = -1;
    int out_ = -1;
    int status_ = -1;
    std::string output_;
};

// A line on stdout, unbuffered, for the parent to read (the child's runtime
// output and gtest's own go to the same pipe).
inline void child_say(const std::string& line) {
    std::string l = line + "\n";
    ssize_t r = ::write(1, l.data(), l.size());
    (void)r;
}

}  // namespace seq::test
