#include "raw_uv_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace rawuv {

struct Server::Loop {
    uv_loop_t loop;
    uv_tcp_t listener;
    uv_async_t stop;
    Mode mode;
    char rbuf[65536];
};

namespace {

struct Conn {
    uv_tcp_t tcp;
    Server::Loop* owner;
    std::string pending;  // http: bytes of an unfinished request
};

struct WriteReq {
    uv_write_t req;
    std::string data;
};

void on_conn_closed(uv_handle_t* h) {
    delete static_cast<Conn*>(h->data);
}

void close_conn(Conn* c) {
    if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(&c->tcp)))
        uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), on_conn_closed);
}

// Sends `len` bytes: directly when the socket takes them, else queued.
void reply(Conn* c, const char* data, size_t len) {
    uv_buf_t b = uv_buf_init(const_cast<char*>(data), static_cast<unsigned>(len));
    auto* s = reinterpret_cast<uv_stream_t*>(&c->tcp);
    int r = uv_try_write(s, &b, 1);
    if (r >= 0 && static_cast<size_t>(r) == len) return;
    if (r < 0 && r != UV_EAGAIN) {
        close_conn(c);
        return;
    }
    size_t done = r > 0 ? static_cast<size_t>(r) : 0;
    auto* w = new WriteReq;
    w->data.assign(data + done, len - done);
    uv_buf_t rest = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
    if (uv_write(&w->req, s, &rest, 1,
                 [](uv_write_t* req, int) { delete reinterpret_cast<WriteReq*>(req); }) != 0) {
        delete w;
        close_conn(c);
    }
}

void on_alloc(uv_handle_t* h, size_t, uv_buf_t* out) {
    auto* c = static_cast<Conn*>(h->data);
    *out = uv_buf_init(c->owner->rbuf, sizeof c->owner->rbuf);
}

void on_read(uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
    auto* c = static_cast<Conn*>(s->data);
    if (n < 0) {
        close_conn(c);
        return;
    }
    if (n == 0) return;
    if (c->owner->mode == Mode::Echo) {
        reply(c, buf->base, static_cast<size_t>(n));
        return;
    }
    // HTTP: one reply per complete request (GETs: the headers end it).
    c->pending.append(buf->base, static_cast<size_t>(n));
    size_t count = 0, pos = 0, end;
    while ((end = c->pending.find("\r\n\r\n", pos)) != std::string::npos) {
        ++count;
        pos = end + 4;
    }
    c->pending.erase(0, pos);
    if (count == 1) {
        reply(c, kHttpReply, sizeof kHttpReply - 1);
    } else if (count > 1) {
        std::string all;
        for (size_t i = 0; i < count; ++i)
            all.append(kHttpReply, sizeof kHttpReply - 1);
        reply(c, all.data(), all.size());
    }
}

void on_connection(uv_stream_t* server, int status) {
    if (status < 0) return;
    auto* l = static_cast<Server::Loop*>(server->data);
    auto* c = new Conn;
    c->owner = l;
    uv_tcp_init(&l->loop, &c->tcp);
    c->tcp.data = c;
    if (uv_accept(server, reinterpret_cast<uv_stream_t*>(&c->tcp)) != 0) {
        close_conn(c);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    uv_read_start(reinterpret_cast<uv_stream_t*>(&c->tcp), on_alloc, on_read);
}

void on_stop(uv_async_t* a) {
    uv_walk(
        a->loop,
        [](uv_handle_t* h, void*) {
            if (uv_is_closing(h)) return;
            if (h->type == UV_TCP && h->data && h->data != h->loop->data)
                uv_close(h, on_conn_closed);
            else
                uv_close(h, nullptr);
        },
        nullptr);
}

[[noreturn]] void die(const char* what) {
    std::fprintf(stderr, "raw_uv_server: %s: %s\n", what, std::strerror(errno));
    std::exit(1);
}

}  // namespace

Server::Server(Mode mode, int threads) {
    for (int i = 0; i < threads; ++i) {
        auto l = std::make_unique<Loop>();
        l->mode = mode;
        uv_loop_init(&l->loop);
        l->loop.data = l.get();
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<uint16_t>(port_));
        inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
        if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) die("bind");
        if (port_ == 0) {
            socklen_t len = sizeof a;
            getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
            port_ = ntohs(a.sin_port);
        }
        uv_tcp_init(&l->loop, &l->listener);
        l->listener.data = l.get();  // marks it as the listener in on_stop
        uv_tcp_open(&l->listener, fd);
        if (uv_listen(reinterpret_cast<uv_stream_t*>(&l->listener), SOMAXCONN, on_connection) != 0)
            die("listen");
        uv_async_init(&l->loop, &l->stop, on_stop);
        loops_.push_back(std::move(l));
    }
    for (auto& l : loops_) {
        Loop* lp = l.get();
        threads_.emplace_back([lp] { uv_run(&lp->loop, UV_RUN_DEFAULT); });
    }
}

Server::~Server() {
    for (auto& l : loops_)
        uv_async_send(&l->stop);
    for (auto& t : threads_)
        t.join();
    for (auto& l : loops_)
        uv_loop_close(&l->loop);
}

}  // namespace rawuv
