public import SluiceEngine
internal import NIOCore

/// Everything a worker owns: rooms and the sockets of their transports. Loop-confined.
public final class WorkerState {
    public let index: Int
    let configuration: RouterConfiguration
    let events: RoomEventHub
    private(set) var rooms: [String: Room] = [:]

    /// Where a socket's datagrams go.
    struct Sink {
        unowned let room: Room
        unowned let transport: Transport
        let socket: TransportSocket
    }

    /// A transport's sockets, with whether each was written to since the last flush.
    final class TransportSockets {
        let transportId: String
        let rtp: any Channel
        let rtcp: (any Channel)?
        var rtpDirty = false
        var rtcpDirty = false

        init(transportId: String, rtp: any Channel, rtcp: (any Channel)?) {
            self.transportId = transportId
            self.rtp = rtp
            self.rtcp = rtcp
        }
    }

    /// Socket → the transport it belongs to.
    private var sinks: [ObjectIdentifier: Sink] = [:]
    /// Transport → its sockets.
    private var sockets: [ObjectIdentifier: TransportSockets] = [:]
    /// Transport id → transport object, to find sockets when the engine reports a close.
    private var transportsById: [String: ObjectIdentifier] = [:]
    /// Sockets written to since the last flush.
    private var pendingFlush: [TransportSockets] = []
    /// Datagrams that arrived on a socket with no transport (closing races), dropped.
    public private(set) var datagramsWithoutTransport = 0

    /// The worker's shared WebRTC port: one UDP socket, one ICE-TCP listener and its
    /// connections, demultiplexed by the engine's ``WebRtcServer``.
    final class SharedPort {
        let server: WebRtcServer
        let udp: any Channel
        let tcpListener: (any Channel)?
        var udpDirty = false
        var connections: [UInt64: TcpConnection] = [:]
        var nextConnectionId: UInt64 = 1
        /// Packets not sent on an ICE-TCP connection: its send buffer was full, or the packet
        /// cannot be framed.
        var tcpWritesDropped = 0

        init(server: WebRtcServer, udp: any Channel, tcpListener: (any Channel)?) {
            self.server = server
            self.udp = udp
            self.tcpListener = tcpListener
        }
    }

    final class TcpConnection {
        let channel: any Channel
        var dirty = false

        init(channel: any Channel) { self.channel = channel }
    }

    private(set) var sharedPort: SharedPort?
    /// ICE-TCP connections written to since the last flush.
    private var pendingTcpFlush: [TcpConnection] = []

    init(index: Int, configuration: RouterConfiguration, events: RoomEventHub) {
        self.events = events
        self.index = index
        self.configuration = configuration
    }

    /// The room, created on first use (`GET /rooms/:roomId` creates rooms).
    public func roomCreatingIfNeeded(_ roomId: String) -> Room {
        if let room = rooms[roomId] { return room }
        let room = Room(id: roomId, configuration: configuration)
        room.router.webRtcServer = sharedPort?.server
        rooms[roomId] = room
        return room
    }

    public func room(_ roomId: String) throws(EngineError) -> Room {
        guard let room = rooms[roomId] else { throw .notFound("room '\(roomId)' not found") }
        return room
    }

    public var roomCount: Int { rooms.count }

    func closeRoom(_ roomId: String) {
        guard let room = rooms.removeValue(forKey: roomId) else { return }
        room.close()
        apply(room.drainEvents(), roomId: roomId)
        events.finish(roomId: roomId)
    }

    func closeAllRooms() {
        for roomId in Array(rooms.keys) { closeRoom(roomId) }
    }

    /// Connects a created transport to its sockets.
    func attach(_ channels: [any Channel], toTransport transportId: String, in room: Room) {
        guard let transport = room.router.transport(withId: transportId), let rtp = channels.first else {
            for channel in channels { channel.close(promise: nil) }
            return
        }
        let key = ObjectIdentifier(transport)
        sockets[key] = TransportSockets(transportId: transportId, rtp: rtp, rtcp: channels.count > 1 ? channels[1] : nil)
        transportsById[transportId] = key
        sinks[ObjectIdentifier(rtp)] = Sink(room: room, transport: transport, socket: .rtp)
        if channels.count > 1 { sinks[ObjectIdentifier(channels[1])] = Sink(room: room, transport: transport, socket: .rtcp) }
    }

    // MARK: Packet path

    func received(_ envelope: AddressedEnvelope<ByteBuffer>, on channel: any Channel, now: MediaTime) {
        guard let sink = sinks[ObjectIdentifier(channel)] else {
            datagramsWithoutTransport += 1
            return
        }
        sink.room.router.receive(envelope.data, on: sink.transport, socket: sink.socket, from: envelope.remoteAddress, now: now)
        send(sink.room.router)
    }

    /// Runs the engines' timers: RTCP, NACK, key-frame retries.
    func tick(now: MediaTime) {
        for room in rooms.values {
            room.router.handleTimeout(now: now)
            send(room.router)
            apply(room.drainEvents(), roomId: room.id)
        }
        sharedPort?.server.handleTimeout(now: now)
        flush()
    }

    private func send(_ router: Router) {
        router.drainOutbox { datagram in
            if let connectionId = datagram.tuple.tcpConnectionId {
                sendTcp(datagram.data, connection: connectionId)
                return
            }
            let envelope = AddressedEnvelope(remoteAddress: datagram.destination, data: datagram.data)
            if datagram.transport.usesWebRtcServer {
                guard let shared = sharedPort else { return }
                shared.udp.write(envelope, promise: nil)
                shared.udpDirty = true
                return
            }
            guard let transportSockets = sockets[ObjectIdentifier(datagram.transport)] else { return }
            if datagram.socket == .rtcp, let rtcp = transportSockets.rtcp {
                rtcp.write(envelope, promise: nil)
                if !transportSockets.rtcpDirty, !transportSockets.rtpDirty { pendingFlush.append(transportSockets) }
                transportSockets.rtcpDirty = true
            } else {
                transportSockets.rtp.write(envelope, promise: nil)
                if !transportSockets.rtcpDirty, !transportSockets.rtpDirty { pendingFlush.append(transportSockets) }
                transportSockets.rtpDirty = true
            }
        }
    }

    /// Frames (RFC 4571) and writes one packet on an ICE-TCP connection. Real-time media is
    /// dropped rather than queued when the peer does not read fast enough.
    private func sendTcp(_ data: ByteBuffer, connection connectionId: UInt64) {
        guard let shared = sharedPort, let connection = shared.connections[connectionId] else { return }
        let channel = connection.channel
        guard channel.isWritable, let framed = IceTcpFramer.frame(data, allocator: channel.allocator) else {
            shared.tcpWritesDropped += 1
            return
        }
        channel.write(framed, promise: nil)
        if !connection.dirty {
            connection.dirty = true
            pendingTcpFlush.append(connection)
        }
    }

    /// Flushes every channel written to: one batched send per socket per read burst.
    func flush() {
        if let shared = sharedPort {
            if shared.udpDirty {
                shared.udpDirty = false
                shared.udp.flush()
            }
            if shared.server.hasConnectionsToClose { closeConnectionsTheServerDropped() }
        }
        if !pendingTcpFlush.isEmpty {
            for connection in pendingTcpFlush {
                connection.dirty = false
                connection.channel.flush()
            }
            pendingTcpFlush.removeAll(keepingCapacity: true)
        }
        guard !pendingFlush.isEmpty else { return }
        for transportSockets in pendingFlush {
            if transportSockets.rtpDirty { transportSockets.rtp.flush() }
            if transportSockets.rtcpDirty { transportSockets.rtcp?.flush() }
            transportSockets.rtpDirty = false
            transportSockets.rtcpDirty = false
        }
        pendingFlush.removeAll(keepingCapacity: true)
    }

    /// Acts on what the engine reported after a request: closes sockets of closed transports.
    func apply(_ events: [EngineEvent], roomId: String) {
        self.events.publish(roomId: roomId, events)
        for event in events {
            guard case .transportClosed(let transportId, _) = event, let key = transportsById.removeValue(forKey: transportId),
                let transportSockets = sockets.removeValue(forKey: key)
            else { continue }
            for channel in [transportSockets.rtp] + (transportSockets.rtcp.map { [$0] } ?? []) {
                sinks[ObjectIdentifier(channel)] = nil
                channel.close(promise: nil)
            }
            pendingFlush.removeAll { $0 === transportSockets }
        }
    }
}

// MARK: Shared WebRTC port

extension WorkerState {
    /// Installs the worker's shared port (bound by the pool at start-up); rooms created from
    /// now on offer it to their WebRTC transports.
    func installSharedPort(udp: any Channel, udpPort: Int, tcpListener: (any Channel)?, tcpPort: Int?, listenIp: String, announcedIp: String) {
        let server = WebRtcServer(listenIp: listenIp, announcedIp: announcedIp, udpPort: udpPort, tcpPort: tcpPort)
        sharedPort = SharedPort(server: server, udp: udp, tcpListener: tcpListener)
        for room in rooms.values { room.router.webRtcServer = server }
    }

    /// The binding transports on the shared port report, when there is one.
    var sharedPortBinding: TransportBinding? { sharedPort?.server.binding }

    /// A datagram on the shared UDP port.
    func receivedOnSharedPort(_ envelope: AddressedEnvelope<ByteBuffer>, now: MediaTime) {
        guard let shared = sharedPort else { return }
        if let router = shared.server.receiveUdp(envelope.data, from: envelope.remoteAddress, now: now) { send(router) }
    }

    /// A peer connected to the ICE-TCP port: its id, or nil when it is refused.
    func tcpConnectionOpened(_ channel: any Channel, now: MediaTime) -> UInt64? {
        guard let shared = sharedPort, let remote = channel.remoteAddress else { return nil }
        let id = shared.nextConnectionId
        shared.nextConnectionId += 1
        guard shared.server.tcpConnectionOpened(id: id, remote: remote, now: now) else { return nil }
        shared.connections[id] = TcpConnection(channel: channel)
        return id
    }

    /// Bytes read on an ICE-TCP connection; a broken stream closes the connection.
    func tcpReceived(_ bytes: ByteBuffer, connection id: UInt64, now: MediaTime) {
        guard let shared = sharedPort else { return }
        let keep = shared.server.receiveTcp(bytes, connection: id, now: now) { router in send(router) }
        if !keep, let connection = shared.connections.removeValue(forKey: id) {
            // Answers to the frames before the broken one still go out.
            connection.channel.flush()
            connection.channel.close(promise: nil)
        }
    }

    func tcpConnectionClosed(_ id: UInt64) {
        guard let shared = sharedPort else { return }
        shared.connections[id] = nil
        shared.server.tcpConnectionClosed(id: id)
    }

    /// Closes the ICE-TCP connections the server no longer routes (transport closed, consent
    /// expired, no valid check in time).
    func closeConnectionsTheServerDropped() {
        guard let shared = sharedPort else { return }
        for id in shared.server.drainConnectionsToClose() {
            shared.connections.removeValue(forKey: id)?.channel.close(promise: nil)
        }
    }

    /// Closes the shared sockets and every ICE-TCP connection (at shutdown, after the rooms).
    func closeSharedPort() {
        guard let shared = sharedPort else { return }
        sharedPort = nil
        for connection in shared.connections.values { connection.channel.close(promise: nil) }
        shared.connections.removeAll()
        pendingTcpFlush.removeAll()
        shared.udp.close(promise: nil)
        shared.tcpListener?.close(promise: nil)
    }

    /// The shared port's numbers and counters, nil without one.
    var sharedPortStats: WorkerWebRtcServerStats? {
        guard let shared = sharedPort else { return nil }
        return WorkerWebRtcServerStats(worker: index, server: shared.server.stats, tcpWritesDropped: shared.tcpWritesDropped)
    }
}

/// A worker's shared WebRTC port as `GET /healthz` shows it.
public struct WorkerWebRtcServerStats: Sendable, Hashable, Encodable {
    public var worker: Int
    public var udpPort: Int
    public var tcpPort: Int?
    public var transports: Int
    public var tuples: Int
    public var tcpConnections: Int
    /// Packets dropped on the shared port: unknown tuple or ufrag, malformed STUN, and ICE-TCP
    /// connections refused or closed, plus writes dropped on full TCP send buffers.
    public var dropped: Dropped

    public struct Dropped: Sendable, Hashable, Encodable {
        public var unknownTuple: Int
        public var unknownUsername: Int
        public var malformedStun: Int
        public var tcpFramingErrors: Int
        public var tcpIdleClosed: Int
        public var tcpConnectionsRefused: Int
        public var tcpWritesDropped: Int
    }

    public var tcpConnectionsAccepted: Int

    init(worker: Int, server: WebRtcServerStats, tcpWritesDropped: Int) {
        self.worker = worker
        self.udpPort = server.udpPort
        self.tcpPort = server.tcpPort
        self.transports = server.transports
        self.tuples = server.tuples
        self.tcpConnections = server.tcpConnections
        self.tcpConnectionsAccepted = server.dropped.tcpConnectionsAccepted
        self.dropped = Dropped(
            unknownTuple: server.dropped.unknownTuple, unknownUsername: server.dropped.unknownUsername,
            malformedStun: server.dropped.malformedStun, tcpFramingErrors: server.dropped.tcpFramingErrors,
            tcpIdleClosed: server.dropped.tcpIdleClosed, tcpConnectionsRefused: server.dropped.tcpConnectionsRefused,
            tcpWritesDropped: tcpWritesDropped)
    }
}
