#include "core/sched/park_reason.hpp"

namespace seq {

const char* park_reason_name(ParkReason r) {
    switch (r) {
        case ParkReason::None:
            return "none";
        case ParkReason::ChannelSend:
            return "channel send";
        case ParkReason::ChannelReceive:
            return "channel receive";
        case ParkReason::WeaveResume:
            return "weave resume";
        case ParkReason::WeaveYield:
            return "weave yield";
        case ParkReason::TcpAccept:
            return "tcp accept";
        case ParkReason::TcpRead:
            return "tcp read";
        case ParkReason::TcpWrite:
            return "tcp write";
        case ParkReason::TcpConnect:
            return "tcp connect";
        case ParkReason::UdpReceive:
            return "udp receive";
        case ParkReason::UdpSend:
            return "udp send";
        case ParkReason::TlsHandshake:
            return "tls handshake";
        case ParkReason::DnsLookup:
            return "dns lookup";
        case ParkReason::Sleep:
            return "sleep";
        case ParkReason::Stdin:
            return "stdin";
        case ParkReason::StdoutBackpressure:
            return "stdout backpressure";
        case ParkReason::ThreadPool:
            return "thread pool";
        case ParkReason::Http:
            return "http request";
        case ParkReason::Other:
            return "other";
    }
    return "unknown";
}

}  // namespace seq
