/* kv_server: a TCP key-value server in C on the Seq runtime's host API
 * (seq/host.h only), written the CSP way:
 *
 *   - one strand accepts connections and starts a strand per connection;
 *   - one "store" strand owns the table; connection strands never touch it,
 *     they send it requests over a channel and wait on a reply channel of
 *     their own, so the table needs no lock even though strands run on
 *     several worker threads at once;
 *   - every call that waits (accept, read, recv) parks only its strand.
 *
 * Protocol, one command per line (values may contain spaces):
 *   SET key value   ->  OK
 *   GET key         ->  VALUE value | NOTFOUND
 *   DEL key         ->  OK | NOTFOUND
 *   COUNT           ->  COUNT n
 *   QUIT            ->  BYE, then the server closes the connection
 *   anything else   ->  ERROR unknown command
 *
 *   kv_server [--host 127.0.0.1] [--port 0]     serve until killed
 *   kv_server --self-test [--clients 16]        serve on 127.0.0.1:0, drive
 *       it with client strands and a client on the main thread, check every
 *       answer, stop; exit status 0 when all were right
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seq/host.h"

#define LINE_MAX_BYTES 1024

/* ---- the store: a chained hash table, owned by one strand ------------------------ */

typedef struct entry {
    struct entry* next;
    char* key;
    char* value;
} entry;

#define BUCKETS 1024
static entry* table[BUCKETS];
static size_t table_count;

static size_t hash(const char* s) {
    size_t h = 1469598103934665603u;
    for (; *s; ++s)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h % BUCKETS;
}

static char* dup_string(const char* s) {
    size_t n = strlen(s) + 1;
    char* d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

static entry** find(const char* key) {
    entry** e = &table[hash(key)];
    while (*e && strcmp((*e)->key, key) != 0)
        e = &(*e)->next;
    return e;
}

/* A request lives on the connection strand's stack: that strand waits for
 * the reply, so the store may read and fill it until it answers. */
typedef enum { OP_SET, OP_GET, OP_DEL, OP_COUNT } op_kind;
typedef struct request {
    op_kind op;
    const char* key;
    const char* value;
    seq_chan_t* reply; /* the store sends the request back here when done */
    int found;
    char answer[LINE_MAX_BYTES + 16];
} request;

static seq_chan_t* store_requests;

static void store_strand(void* arg) {
    void* m;
    (void)arg;
    while (seq_chan_recv(store_requests, &m) == SEQ_OK) {
        request* r = m;
        entry** e = r->op == OP_COUNT ? NULL : find(r->key);
        r->found = e && *e != NULL;
        switch (r->op) {
            case OP_SET:
                if (*e) {
                    char* v = dup_string(r->value);
                    if (v) {
                        free((*e)->value);
                        (*e)->value = v;
                    }
                } else {
                    entry* n = malloc(sizeof *n);
                    if (n) {
                        n->key = dup_string(r->key);
                        n->value = dup_string(r->value);
                        n->next = NULL;
                        *e = n;
                        ++table_count;
                    }
                }
                snprintf(r->answer, sizeof r->answer, "OK\n");
                break;
            case OP_GET:
                if (r->found)
                    snprintf(r->answer, sizeof r->answer, "VALUE %s\n", (*e)->value);
                else
                    snprintf(r->answer, sizeof r->answer, "NOTFOUND\n");
                break;
            case OP_DEL:
                if (r->found) {
                    entry* dead = *e;
                    *e = dead->next;
                    free(dead->key);
                    free(dead->value);
                    free(dead);
                    --table_count;
                }
                snprintf(r->answer, sizeof r->answer, "%s", r->found ? "OK\n" : "NOTFOUND\n");
                break;
            case OP_COUNT:
                snprintf(r->answer, sizeof r->answer, "COUNT %lu\n", (unsigned long)table_count);
                break;
        }
        seq_chan_send(r->reply, r);
    }
}

static void store_clear(void) {
    size_t i;
    for (i = 0; i < BUCKETS; ++i)
        while (table[i]) {
            entry* e = table[i];
            table[i] = e->next;
            free(e->key);
            free(e->value);
            free(e);
        }
    table_count = 0;
}

/* ---- lines over a socket ---------------------------------------------------------- */

typedef struct line_reader {
    seq_sock_t sock;
    char buf[4096];
    size_t len;
} line_reader;

/* The next line without its "\n" (and "\r"), NUL-terminated in `out`.
 * Returns its length, or -1 at end of stream, error, or a line too long. */
static int read_line(line_reader* lr, char* out, size_t cap) {
    for (;;) {
        char* nl = memchr(lr->buf, '\n', lr->len);
        if (nl) {
            size_t n = (size_t)(nl - lr->buf);
            size_t keep = n;
            if (keep && lr->buf[keep - 1] == '\r') --keep;
            if (keep >= cap) return -1;
            memcpy(out, lr->buf, keep);
            out[keep] = '\0';
            lr->len -= n + 1;
            memmove(lr->buf, nl + 1, lr->len);
            return (int)keep;
        }
        if (lr->len == sizeof lr->buf) return -1;
        {
            int64_t got = seq_tcp_read(lr->sock, lr->buf + lr->len, sizeof lr->buf - lr->len);
            if (got <= 0) return -1; /* 0: the peer closed; < 0: SEQ_E* */
            lr->len += (size_t)got;
        }
    }
}

static int write_str(seq_sock_t s, const char* text) {
    return seq_tcp_write(s, text, strlen(text));
}

/* ---- the server ---------------------------------------------------------------------- */

static void connection_strand(void* arg) {
    seq_sock_t sock = (seq_sock_t)(intptr_t)arg;
    line_reader* lr = malloc(sizeof *lr);
    seq_chan_t* reply = seq_chan_new(1); /* the store's answers to this strand */
    char line[LINE_MAX_BYTES];
    if (lr) {
        lr->sock = sock;
        lr->len = 0;
    }
    while (lr && reply && read_line(lr, line, sizeof line) >= 0) {
        request r;
        void* back;
        char* rest = strchr(line, ' ');
        if (rest) *rest++ = '\0';
        memset(&r, 0, sizeof r);
        r.reply = reply;
        r.key = rest ? rest : "";
        if (strcmp(line, "QUIT") == 0) {
            write_str(lr->sock, "BYE\n");
            break;
        } else if (strcmp(line, "SET") == 0 && rest && strchr(rest, ' ')) {
            char* value = strchr(rest, ' ');
            *value++ = '\0';
            r.op = OP_SET;
            r.value = value;
        } else if (strcmp(line, "GET") == 0 && rest) {
            r.op = OP_GET;
        } else if (strcmp(line, "DEL") == 0 && rest) {
            r.op = OP_DEL;
        } else if (strcmp(line, "COUNT") == 0 && !rest) {
            r.op = OP_COUNT;
        } else {
            if (write_str(lr->sock, "ERROR unknown command\n") != SEQ_OK) break;
            continue;
        }
        /* Ask the store and wait for its answer (this strand parks). */
        if (seq_chan_send(store_requests, &r) != SEQ_OK) break;
        if (seq_chan_recv(reply, &back) != SEQ_OK) break;
        if (write_str(lr->sock, r.answer) != SEQ_OK) break;
    }
    seq_tcp_close(sock);
    free(lr);
    seq_chan_release(reply);
}

static void accept_strand(void* arg) {
    seq_sock_t listener = *(seq_sock_t*)arg;
    for (;;) {
        seq_sock_t c;
        int rc = seq_tcp_accept(listener, &c);
        if (rc == SEQ_EBADHANDLE) break; /* the listener was closed: stop */
        if (rc != SEQ_OK) {
            fprintf(stderr, "kv_server: accept: %s\n", seq_strerror(rc));
            continue;
        }
        if (seq_go(connection_strand, (void*)(intptr_t)c, NULL) != SEQ_OK) seq_tcp_close(c);
    }
}

/* ---- the self-test's clients ---------------------------------------------------------------- */

typedef struct client_case {
    int port;
    int index;
    int ok;               /* set when every answer was right */
    seq_chan_t* finished; /* told when this client is done */
} client_case;

/* Sends one command and checks the one-line answer. */
static int ask(seq_sock_t s, line_reader* lr, const char* command, const char* expect) {
    char line[LINE_MAX_BYTES];
    if (write_str(s, command) != SEQ_OK) return 0;
    if (read_line(lr, line, sizeof line) < 0) return 0;
    if (strcmp(line, expect) != 0) {
        fprintf(stderr, "kv_server: sent %.*s, got '%s', expected '%s'\n",
                (int)strcspn(command, "\n"), command, line, expect);
        return 0;
    }
    return 1;
}

#define KEYS_PER_CLIENT 20

static void run_client(client_case* c) {
    line_reader* lr = malloc(sizeof *lr);
    seq_sock_t s = 0;
    char cmd[128], expect[128];
    int j, ok = 1;
    if (!lr || seq_tcp_connect("127.0.0.1", c->port, &s) != SEQ_OK) {
        free(lr);
        return;
    }
    lr->sock = s;
    lr->len = 0;
    for (j = 0; j < KEYS_PER_CLIENT && ok; ++j) {
        snprintf(cmd, sizeof cmd, "SET k%d-%d value %d of client %d\n", c->index, j, j, c->index);
        ok = ask(s, lr, cmd, "OK");
    }
    for (j = 0; j < KEYS_PER_CLIENT && ok; ++j) {
        snprintf(cmd, sizeof cmd, "GET k%d-%d\n", c->index, j);
        snprintf(expect, sizeof expect, "VALUE value %d of client %d", j, c->index);
        ok = ask(s, lr, cmd, expect);
    }
    for (j = 0; j < KEYS_PER_CLIENT && ok; j += 2) {
        snprintf(cmd, sizeof cmd, "DEL k%d-%d\n", c->index, j);
        ok = ask(s, lr, cmd, "OK") && ask(s, lr, cmd, "NOTFOUND");
    }
    if (ok) {
        snprintf(cmd, sizeof cmd, "GET k%d-0\n", c->index);
        ok = ask(s, lr, cmd, "NOTFOUND") && ask(s, lr, "FROB\n", "ERROR unknown command") &&
             ask(s, lr, "QUIT\n", "BYE");
    }
    seq_tcp_close(s);
    free(lr);
    c->ok = ok;
}

static void client_strand(void* arg) {
    client_case* c = arg;
    run_client(c);
    seq_chan_send(c->finished, c);
}

static int self_test(int clients) {
    seq_sock_t listener = 0;
    client_case* cases = calloc((size_t)clients + 1, sizeof *cases);
    seq_chan_t* finished = seq_chan_new(0);
    seq_stats_t st;
    int i, port, passed = 0, rc;
    char cmd[64];

    if (!cases || !finished) return 1;
    rc = seq_tcp_listen("127.0.0.1", 0, &listener);
    if (rc != SEQ_OK) {
        fprintf(stderr, "kv_server: listen: %s\n", seq_strerror(rc));
        return 1;
    }
    port = seq_tcp_local_port(listener);
    seq_go(accept_strand, &listener, NULL);
    for (i = 0; i < clients; ++i) {
        cases[i].port = port;
        cases[i].index = i;
        cases[i].finished = finished;
        seq_go(client_strand, &cases[i], NULL);
    }
    /* One more client on the main thread: host threads may use sockets too
     * (each call runs in a helper strand while the thread blocks). */
    cases[clients].port = port;
    cases[clients].index = clients;
    run_client(&cases[clients]);

    /* Wait for the client strands (seq_wait_all would also wait for the
     * server's strands, which end only when told to). */
    for (i = 0; i < clients; ++i) {
        void* m;
        if (seq_chan_recv(finished, &m) != SEQ_OK) break;
    }
    for (i = 0; i <= clients; ++i)
        passed += cases[i].ok;

    /* Each client left half its keys. */
    {
        seq_sock_t s;
        line_reader* lr = malloc(sizeof *lr);
        snprintf(cmd, sizeof cmd, "COUNT %d", (clients + 1) * KEYS_PER_CLIENT / 2);
        if (lr && seq_tcp_connect("127.0.0.1", port, &s) == SEQ_OK) {
            lr->sock = s;
            lr->len = 0;
            if (!ask(s, lr, "COUNT\n", cmd)) passed = -1;
            seq_tcp_close(s);
        } else {
            passed = -1;
        }
        free(lr);
    }

    seq_tcp_close(listener);        /* ends the accept strand */
    seq_chan_close(store_requests); /* ends the store strand once idle */
    seq_stats(&st);
    printf("kv_server: %d of %d clients correct; %lu strands so far, peak %lu, on %lu workers\n",
           passed < 0 ? 0 : passed, clients + 1, (unsigned long)st.spawned, (unsigned long)st.peak,
           (unsigned long)st.workers);
    free(cases);
    seq_chan_release(finished);
    return passed == clients + 1 ? 0 : 1;
}

int main(int argc, char** argv) {
    const char* host = "127.0.0.1";
    int port = 0, test = 0, clients = 16, i, rc, status = 0;
    seq_options opts = SEQ_OPTIONS_INIT;
    seq_sock_t listener = 0;

    for (i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "--self-test") == 0) {
            test = 1;
        } else if (i + 1 < argc && strcmp(argv[i], "--host") == 0) {
            host = argv[++i];
        } else if (i + 1 < argc && strcmp(argv[i], "--port") == 0) {
            port = atoi(argv[++i]);
        } else if (i + 1 < argc && strcmp(argv[i], "--clients") == 0) {
            clients = atoi(argv[++i]);
        } else {
            fprintf(stderr, "usage: %s [--host H] [--port P] | --self-test [--clients N]\n",
                    argv[0]);
            return 2;
        }
    }
    /* Zero fields: the environment (SEQ_WORKERS...) or the defaults. */
    opts.stack_size = 64 * 1024; /* connection strands need little */
    rc = seq_runtime_start(&opts);
    if (rc != SEQ_OK) {
        fprintf(stderr, "kv_server: start: %s\n", seq_strerror(rc));
        return 1;
    }
    store_requests = seq_chan_new(0);
    seq_go(store_strand, NULL, NULL);

    if (test) {
        status = self_test(clients < 1 ? 1 : clients);
    } else {
        rc = seq_tcp_listen(host, port, &listener);
        if (rc != SEQ_OK) {
            fprintf(stderr, "kv_server: cannot listen on %s:%d: %s\n", host, port,
                    seq_strerror(rc));
            seq_chan_close(store_requests);
            seq_runtime_stop();
            return 1;
        }
        printf("kv_server: listening on %s:%d\n", host, seq_tcp_local_port(listener));
        fflush(stdout);
        accept_strand(&listener); /* the main thread accepts; strands serve */
    }
    seq_runtime_stop(); /* waits for every strand */
    seq_chan_release(store_requests);
    store_clear();
    return status;
}
