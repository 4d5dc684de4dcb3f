public import NIOCore
internal import SluiceRTP

/// Why packets on a shared WebRTC port were dropped before reaching a transport, and what the
/// ICE-TCP listener refused or closed.
public struct WebRtcServerCounters: Sendable, Hashable, Codable {
    /// DTLS, RTP or RTCP from a tuple no successful connectivity check has mapped.
    public var unknownTuple = 0
    /// Binding requests whose USERNAME names no ufrag of this worker: unknown, of a closed
    /// transport, or replaced by restart-ice.
    public var unknownUsername = 0
    /// STUN without a USERNAME (or that does not parse) from a tuple that is not mapped.
    public var malformedStun = 0
    /// ICE-TCP connections accepted, refused (over ``WebRtcServer/maxTcpConnections``), closed
    /// for a zero or oversized RFC 4571 length, and closed for sending no valid check in time.
    public var tcpConnectionsAccepted = 0
    public var tcpConnectionsRefused = 0
    public var tcpFramingErrors = 0
    public var tcpIdleClosed = 0

    public init() {}
}

/// A snapshot of a shared WebRTC port.
public struct WebRtcServerStats: Sendable, Hashable, Codable {
    public var udpPort: Int
    public var tcpPort: Int?
    /// Transports registered (ufrags).
    public var transports: Int
    /// Remote tuples mapped to transports by successful checks.
    public var tuples: Int
    public var tcpConnections: Int
    public var dropped: WebRtcServerCounters
}

/// One UDP port and one ICE-TCP listening port shared by every WebRTC transport of a worker, as
/// mediasoup's WebRtcServer. Sans-IO: the network layer hands it what arrives on those sockets
/// and sends what the routers put in their outboxes.
///
/// Demultiplexing: a binding request goes to the transport whose ICE ufrag is the local part of
/// its USERNAME (ufrags are unique per server). A check the transport accepts maps its remote
/// tuple (protocol, address and, for TCP, the connection) to it; DTLS, RTP and RTCP are then
/// routed by tuple. Anything else is dropped and counted. Mappings go when the transport closes,
/// its consent expires, or its TCP connection closes.
///
/// Loop-confined like the routers it serves.
public final class WebRtcServer {
    public let listenIp: String
    public let announcedIp: String
    public let udpPort: Int
    /// The ICE-TCP port (passive candidates); nil when TCP is not offered.
    public let tcpPort: Int?
    public private(set) var counters = WebRtcServerCounters()
    /// ICE-TCP connections beyond this are refused.
    public var maxTcpConnections = 4096
    /// An ICE-TCP connection that carried no accepted check for this long is closed.
    public static let tcpBindTimeout: UInt64 = 10_000
    /// Remote tuples remembered per transport (the selected one is never evicted).
    static let maxTuplesPerTransport = 8

    final class Registration {
        let router: Router
        let transport: Transport
        var ufrag: String
        /// Tuples mapped to this transport, oldest first.
        var tuples: [RemoteTuple] = []

        init(router: Router, transport: Transport, ufrag: String) {
            self.router = router
            self.transport = transport
            self.ufrag = ufrag
        }
    }

    final class TcpConnection {
        let remote: SocketAddress
        let openedAt: MediaTime
        var framer = IceTcpFramer()
        /// Whether an accepted check mapped this connection to a transport.
        var mapped = false

        init(remote: SocketAddress, openedAt: MediaTime) {
            self.remote = remote
            self.openedAt = openedAt
        }
    }

    private var byUfrag: [String: Registration] = [:]
    private var byTransport: [ObjectIdentifier: Registration] = [:]
    private var byTuple: [RemoteTuple: Registration] = [:]
    private var tcpConnections: [UInt64: TcpConnection] = [:]
    private var connectionsToClose: [UInt64] = []

    public init(listenIp: String, announcedIp: String, udpPort: Int, tcpPort: Int?) {
        self.listenIp = listenIp
        self.announcedIp = announcedIp
        self.udpPort = udpPort
        self.tcpPort = tcpPort
    }

    /// The binding a transport on this server reports (its UDP port).
    public var binding: TransportBinding {
        TransportBinding(listenIp: listenIp, announcedIp: announcedIp, port: udpPort)
    }

    /// Host candidates of every transport on this server: UDP, then TCP passive with a lower
    /// local preference (mediasoup ranks UDP 1000 above TCP when UDP is preferred).
    var iceCandidates: [IceCandidate] {
        var candidates = [
            IceCandidate(
                foundation: "udpcandidate", priority: IceCandidate.priority(localPreference: 65535), ip: announcedIp,
                address: announcedIp, protocol: .udp, port: udpPort, type: "host", tcpType: nil)
        ]
        if let tcpPort {
            candidates.append(
                IceCandidate(
                    foundation: "tcpcandidate", priority: IceCandidate.priority(localPreference: 65535 - 1000), ip: announcedIp,
                    address: announcedIp, protocol: .tcp, port: tcpPort, type: "host", tcpType: "passive"))
        }
        return candidates
    }

    public var stats: WebRtcServerStats {
        WebRtcServerStats(
            udpPort: udpPort, tcpPort: tcpPort, transports: byTransport.count, tuples: byTuple.count,
            tcpConnections: tcpConnections.count, dropped: counters)
    }

    // MARK: Registration (from the routers)

    func isRegistered(ufrag: String) -> Bool { byUfrag[ufrag] != nil }

    func register(_ transport: Transport, router: Router, ufrag: String) {
        let registration = Registration(router: router, transport: transport, ufrag: ufrag)
        byUfrag[ufrag] = registration
        byTransport[ObjectIdentifier(transport)] = registration
    }

    /// restart-ice: checks with the old ufrag are refused from now on; mapped tuples stay.
    func replaceUfrag(of transport: Transport, with ufrag: String) {
        guard let registration = byTransport[ObjectIdentifier(transport)] else { return }
        byUfrag[registration.ufrag] = nil
        registration.ufrag = ufrag
        byUfrag[ufrag] = registration
    }

    func unregister(_ transport: Transport) {
        guard let registration = byTransport.removeValue(forKey: ObjectIdentifier(transport)) else { return }
        byUfrag[registration.ufrag] = nil
        removeTuples(of: registration)
    }

    /// A check the transport accepted: its tuple now routes to it.
    func learn(_ tuple: RemoteTuple, for transport: Transport) {
        guard let registration = byTransport[ObjectIdentifier(transport)] else { return }
        if let owner = byTuple[tuple] {
            if owner === registration { return }
            // The same remote tuple now checks for another transport: it moves.
            owner.tuples.removeAll { $0 == tuple }
        }
        if case .tcp(let id, _) = tuple {
            guard let connection = tcpConnections[id] else { return }
            connection.mapped = true
        }
        byTuple[tuple] = registration
        registration.tuples.append(tuple)
        if registration.tuples.count > Self.maxTuplesPerTransport,
            let index = registration.tuples.firstIndex(where: { $0 != transport.media.selectedTuple })
        {
            forget(registration.tuples.remove(at: index))
        }
    }

    /// Consent expired: nothing of the transport is routed until a new check succeeds.
    func removeTuples(of transport: Transport) {
        guard let registration = byTransport[ObjectIdentifier(transport)] else { return }
        removeTuples(of: registration)
    }

    private func removeTuples(of registration: Registration) {
        let tuples = registration.tuples
        registration.tuples.removeAll()
        for tuple in tuples { forget(tuple) }
    }

    /// Drops a tuple's mapping; its TCP connection (now of no use) is to be closed.
    private func forget(_ tuple: RemoteTuple) {
        byTuple[tuple] = nil
        if let id = tuple.tcpConnectionId, tcpConnections.removeValue(forKey: id) != nil {
            connectionsToClose.append(id)
        }
    }

    // MARK: Packet path (from the network layer)

    /// A datagram on the shared UDP port. Returns the router that took it (its outbox may have
    /// something to send), or nil when it was dropped.
    public func receiveUdp(_ data: ByteBuffer, from source: SocketAddress, now: MediaTime) -> Router? {
        route(data, from: .udp(source), now: now)
    }

    /// Demultiplexes one packet: STUN by ufrag (tuple when it has no USERNAME), the rest by tuple.
    func route(_ data: ByteBuffer, from tuple: RemoteTuple, now: MediaTime) -> Router? {
        let registration: Registration
        if PacketClass.classify(data) == .stun {
            if let ufrag = Self.localUfrag(of: data) {
                guard let found = byUfrag[ufrag] else {
                    counters.unknownUsername += 1
                    return nil
                }
                registration = found
            } else if let found = byTuple[tuple] {
                // The transport counts what is wrong with it.
                registration = found
            } else {
                counters.malformedStun += 1
                return nil
            }
        } else {
            guard let found = byTuple[tuple] else {
                counters.unknownTuple += 1
                return nil
            }
            registration = found
        }
        registration.router.receive(data, on: registration.transport, from: tuple, now: now)
        return registration.router
    }

    /// The local ufrag of a binding request: USERNAME is "ourUfrag:theirUfrag".
    static func localUfrag(of data: ByteBuffer) -> String? {
        guard let message = try? StunMessage(parsing: data), message.messageClass == .request,
            let username = message.username, let local = username.split(separator: ":", maxSplits: 1).first, !local.isEmpty
        else { return nil }
        return String(local)
    }

    // MARK: ICE-TCP (from the network layer)

    /// A peer connected to the TCP port. Returns false when the connection must be refused.
    public func tcpConnectionOpened(id: UInt64, remote: SocketAddress, now: MediaTime) -> Bool {
        guard tcpConnections.count < maxTcpConnections, tcpConnections[id] == nil else {
            counters.tcpConnectionsRefused += 1
            return false
        }
        tcpConnections[id] = TcpConnection(remote: remote, openedAt: now)
        counters.tcpConnectionsAccepted += 1
        return true
    }

    /// Bytes read from an ICE-TCP connection: each complete RFC 4571 frame is routed like a UDP
    /// datagram from that connection's tuple; `routed` gets the router of each one taken.
    /// Returns false when the connection must be closed (unknown, or broken framing).
    public func receiveTcp(_ bytes: ByteBuffer, connection id: UInt64, now: MediaTime, routed: (Router) -> Void) -> Bool {
        guard let connection = tcpConnections[id] else { return false }
        let tuple = RemoteTuple.tcp(connectionId: id, remote: connection.remote)
        let failure = connection.framer.append(bytes) { frame in
            if let router = route(frame, from: tuple, now: now) { routed(router) }
        }
        guard failure == nil else {
            counters.tcpFramingErrors += 1
            dropConnection(id)
            return false
        }
        // A frame may have led to the connection's removal (its transport closed meanwhile).
        return tcpConnections[id] != nil
    }

    /// The network layer saw the connection close (either side).
    public func tcpConnectionClosed(id: UInt64) {
        dropConnection(id)
    }

    private func dropConnection(_ id: UInt64) {
        guard let connection = tcpConnections.removeValue(forKey: id) else { return }
        let tuple = RemoteTuple.tcp(connectionId: id, remote: connection.remote)
        guard let registration = byTuple.removeValue(forKey: tuple) else { return }
        registration.tuples.removeAll { $0 == tuple }
        if registration.transport.media.selectedTuple == tuple {
            registration.router.iceSelectedTupleLost(registration.transport)
        }
    }

    /// Closes ICE-TCP connections that carried no accepted check within ``tcpBindTimeout``.
    public func handleTimeout(now: MediaTime) {
        for (id, connection) in tcpConnections
        where !connection.mapped && now.milliseconds(since: connection.openedAt) >= Self.tcpBindTimeout {
            tcpConnections[id] = nil
            counters.tcpIdleClosed += 1
            connectionsToClose.append(id)
        }
    }

    /// Whether ``drainConnectionsToClose()`` has anything.
    public var hasConnectionsToClose: Bool { !connectionsToClose.isEmpty }

    /// ICE-TCP connections the network layer should close: their transport closed, consent
    /// expired, or they idled without a valid check. The server has already forgotten them.
    public func drainConnectionsToClose() -> [UInt64] {
        defer { connectionsToClose.removeAll() }
        return connectionsToClose
    }
}
