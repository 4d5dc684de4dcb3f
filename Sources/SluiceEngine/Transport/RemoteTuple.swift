public import NIOCore

/// The far end of a WebRTC transport's path: a UDP address, or an ICE-TCP connection
/// (RFC 6544, passive on our side) with its peer's address.
///
/// The network layer owns sockets and connections; the engine only names a connection by the
/// id the network layer gave it, so that replies and media go back the way checks came in.
public enum RemoteTuple: Sendable, Hashable {
    case udp(SocketAddress)
    case tcp(connectionId: UInt64, remote: SocketAddress)

    /// The peer's address (for XOR-MAPPED-ADDRESS, stats and comparisons).
    public var address: SocketAddress {
        switch self {
        case .udp(let address): return address
        case .tcp(_, let remote): return remote
        }
    }

    public var transportProtocol: TransportProtocol {
        switch self {
        case .udp: return .udp
        case .tcp: return .tcp
        }
    }

    /// The ICE-TCP connection this tuple runs over, if any.
    public var tcpConnectionId: UInt64? {
        if case .tcp(let id, _) = self { return id }
        return nil
    }
}
