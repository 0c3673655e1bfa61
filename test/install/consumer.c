/* An out-of-tree C host built against an installed runtime (test/install):
 * the headers and the library it finds are the install tree's. A strand
 * serves one TCP echo to the main thread (a host thread), results come back
 * over a channel, and the library's version must be the header's. Prints
 * "consumer ok" and exits 0 only if every step worked. */
#include <stdio.h>
#include <string.h>

#include "seq/host.h"

static int failures = 0;
#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                              \
        }                                                                            \
    } while (0)

typedef struct echo_case {
    seq_sock_t listener;
    seq_chan_t* done;
} echo_case;

static void echo_once(void* arg) {
    echo_case* e = (echo_case*)arg;
    static int served = 0;
    seq_sock_t c = 0;
    char buf[64];
    int64_t n;
    CHECK(seq_tcp_accept(e->listener, &c) == SEQ_OK);
    while ((n = seq_tcp_read(c, buf, sizeof buf)) > 0) {
        CHECK(seq_tcp_write(c, buf, (size_t)n) == SEQ_OK);
        served += (int)n;
    }
    CHECK(seq_tcp_close(c) == SEQ_OK);
    CHECK(seq_chan_send(e->done, &served) == SEQ_OK);
}

int main(void) {
    seq_options o = SEQ_OPTIONS_INIT;
    echo_case e;
    seq_sock_t client = 0;
    char reply[16] = {0};
    int64_t got = 0, n;
    void* msg = NULL;
    int port;

    CHECK(strcmp(seq_version(), SEQ_VERSION_STRING) == 0);
    o.workers = 2;
    CHECK(seq_runtime_start(&o) == SEQ_OK);
    e.done = seq_chan_new(0);
    CHECK(e.done != NULL);
    CHECK(seq_tcp_listen("127.0.0.1", 0, &e.listener) == SEQ_OK);
    port = seq_tcp_local_port(e.listener);
    CHECK(port > 0);
    CHECK(seq_go(echo_once, &e, NULL) == SEQ_OK);
    CHECK(seq_tcp_connect("127.0.0.1", port, &client) == SEQ_OK);
    CHECK(seq_tcp_write(client, "installed", 9) == SEQ_OK);
    while (got < 9 && (n = seq_tcp_read(client, reply + got, sizeof reply - 1 - (size_t)got)) > 0)
        got += n;
    CHECK(got == 9 && strcmp(reply, "installed") == 0);
    CHECK(seq_tcp_close(client) == SEQ_OK);
    CHECK(seq_chan_recv(e.done, &msg) == SEQ_OK && *(int*)msg == 9);
    CHECK(seq_tcp_close(e.listener) == SEQ_OK);
    CHECK(seq_runtime_stop() == SEQ_OK);
    seq_chan_release(e.done);
    if (failures) return 1;
    printf("consumer ok: seq-runtime %s\n", seq_version());
    return 0;
}
