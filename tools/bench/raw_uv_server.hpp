// The ceiling for socket benchmarks: echo and HTTP-hello servers written
// directly on libuv callbacks, the way a C server on libuv is written.
//
// `threads` loops each run on their own thread with their own listening
// socket bound to the same port with SO_REUSEPORT, so the kernel spreads
// connections over the loops (the best multi-core shape libuv offers; no
// cross-thread hand-off at all). A read callback answers at once: uv_try_write
// of the reply, uv_write of any remainder.
#pragma once

#include <memory>
#include <thread>
#include <vector>

namespace rawuv {

enum class Mode { Echo, Http };

// The HTTP reply both servers send (keep-alive, fixed body).
inline constexpr char kHttpReply[] =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!";

class Server {
  public:
    // Binds 127.0.0.1 on an ephemeral port and starts serving.
    Server(Mode mode, int threads);
    ~Server();  // stops: closes every handle and joins the threads
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    int port() const { return port_; }

    struct Loop;

  private:
    int port_ = 0;
    std::vector<std::unique_ptr<Loop>> loops_;
    std::vector<std::thread> threads_;
};

}  // namespace rawuv
