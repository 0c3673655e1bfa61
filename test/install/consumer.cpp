// An out-of-tree C++ host built against an installed runtime (test/install),
// through the header-only layer seq/runtime.hpp: a pipeline of two strands
// over typed channels, then a TCP round trip from the main thread. Prints
// "consumer ok" and exits 0 only if every step worked.
#include <cstdio>
#include <cstring>
#include <string>

#include "seq/runtime.hpp"

int main() {
    int failures = 0;
    auto check = [&](bool ok, const char* what) {
        if (!ok) {
            std::fprintf(stderr, "consumer.cpp: CHECK failed: %s\n", what);
            ++failures;
        }
    };
    check(std::strcmp(seq_version(), SEQ_VERSION_STRING) == 0, "version");
    {
        seq::channel<std::string> words;
        seq::channel<size_t> lengths;
        seq::runtime rt;
        seq::go([&] {
            while (auto w = words.recv())
                lengths.send(w->size());
            lengths.close();
        });
        for (const char* w : {"a", "bb", "ccc"})
            words.send(w);
        words.close();
        size_t total = 0;
        while (auto n = lengths.recv())
            total += *n;
        check(total == 6, "pipeline total");

        seq::tcp_listener listener("127.0.0.1", 0);
        seq::go([&] {
            seq::tcp_socket c = listener.accept();
            char buf[64];
            std::error_code ec;
            for (size_t n; (n = c.read(buf, sizeof buf, ec)) > 0;)
                c.write(std::string_view(buf, n), ec);
        });
        seq::tcp_socket client = seq::tcp_socket::connect("127.0.0.1", listener.port());
        client.write("installed");
        std::string reply;
        char buf[16];
        while (reply.size() < 9) {
            size_t n = client.read(buf, sizeof buf);
            if (n == 0) break;
            reply.append(buf, n);
        }
        check(reply == "installed", "tcp echo");
        client.close();
        listener.close();
    }
    if (failures) return 1;
    std::printf("consumer ok: seq-runtime %s (C++)\n", seq_version());
    return 0;
}
