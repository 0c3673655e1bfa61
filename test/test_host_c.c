/* The host API from C11 (compiled with -pedantic): seq/host.h alone, no
 * compiler ABI. Two strands ping-pong over channels, a strand serves TCP to
 * another, then the runtime stops and starts again. Exits non-zero on the
 * first failed check. */
#include <stdio.h>
#include <stdlib.h>
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

#define ROUNDS 1000

typedef struct pingpong {
    seq_chan_t* ping;
    seq_chan_t* pong;
    int counter;
} pingpong;

static void ponger(void* arg) {
    pingpong* p = (pingpong*)arg;
    void* m;
    while (seq_chan_recv(p->ping, &m) == SEQ_OK) {
        ++*(int*)m;
        CHECK(seq_chan_send(p->pong, m) == SEQ_OK);
    }
    seq_chan_close(p->pong);
}

static void pinger(void* arg) {
    pingpong* p = (pingpong*)arg;
    int i;
    for (i = 0; i < ROUNDS; ++i) {
        void* m = NULL;
        CHECK(seq_chan_send(p->ping, &p->counter) == SEQ_OK);
        CHECK(seq_chan_recv(p->pong, &m) == SEQ_OK && m == &p->counter);
    }
    seq_chan_close(p->ping);
}

typedef struct tcp_case {
    seq_sock_t listener;
    int port;
    int echoed;
} tcp_case;

static void server(void* arg) {
    tcp_case* t = (tcp_case*)arg;
    seq_sock_t c = 0;
    char buf[256];
    int64_t n;
    CHECK(seq_tcp_accept(t->listener, &c) == SEQ_OK);
    while ((n = seq_tcp_read(c, buf, sizeof buf)) > 0)
        CHECK(seq_tcp_write(c, buf, (size_t)n) == SEQ_OK);
    CHECK(n == 0);
    CHECK(seq_tcp_close(c) == SEQ_OK);
}

static void client(void* arg) {
    tcp_case* t = (tcp_case*)arg;
    seq_sock_t c = 0;
    char got[16];
    size_t have = 0;
    CHECK(seq_tcp_connect("127.0.0.1", t->port, &c) == SEQ_OK);
    CHECK(seq_tcp_write(c, "hello, c", 8) == SEQ_OK);
    while (have < 8) {
        int64_t n = seq_tcp_read(c, got + have, sizeof got - have);
        if (n <= 0) break;
        have += (size_t)n;
    }
    t->echoed = have == 8 && memcmp(got, "hello, c", 8) == 0;
    CHECK(seq_tcp_close(c) == SEQ_OK);
}

int main(void) {
    seq_options opts = SEQ_OPTIONS_INIT;
    pingpong p;
    tcp_case t;
    seq_stats_t st;
    uint64_t id = 0;

    CHECK(strcmp(seq_version(), SEQ_VERSION_STRING) == 0);
    CHECK(strcmp(seq_strerror(SEQ_ECLOSED), "channel closed") == 0);
    opts.workers = 2;
    CHECK(seq_runtime_start(&opts) == SEQ_OK);

    p.ping = seq_chan_new(0);
    p.pong = seq_chan_new(1);
    p.counter = 0;
    CHECK(p.ping && p.pong);
    CHECK(seq_go(ponger, &p, &id) == SEQ_OK && id > 0);
    CHECK(seq_go(pinger, &p, NULL) == SEQ_OK);
    CHECK(seq_wait_all() == SEQ_OK);
    CHECK(p.counter == ROUNDS);
    seq_chan_release(p.ping);
    seq_chan_release(p.pong);

    memset(&t, 0, sizeof t);
    CHECK(seq_tcp_listen("127.0.0.1", 0, &t.listener) == SEQ_OK);
    t.port = seq_tcp_local_port(t.listener);
    CHECK(t.port > 0);
    CHECK(seq_go(server, &t, NULL) == SEQ_OK);
    CHECK(seq_go(client, &t, NULL) == SEQ_OK);
    CHECK(seq_wait_all() == SEQ_OK);
    CHECK(t.echoed);
    CHECK(seq_tcp_close(t.listener) == SEQ_OK);

    seq_stats(&st);
    CHECK(st.active == 0 && st.workers == 2 && st.completed >= 4);
    CHECK(seq_runtime_stop() == SEQ_OK);
    CHECK(seq_runtime_start(NULL) == SEQ_OK);
    CHECK(seq_sleep_ms(1) == SEQ_OK);
    CHECK(seq_runtime_stop() == SEQ_OK);

    if (failures) {
        fprintf(stderr, "%d checks failed\n", failures);
        return 1;
    }
    printf("host API from C: ok\n");
    return 0;
}
