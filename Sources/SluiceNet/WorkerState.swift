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

    init(index: Int, configuration: RouterConfiguration, events: RoomEventHub) {
        self.events = events
        self.index = index
        self.configuration = configuration
    }

    /// The room, created on first use (`GET /rooms/:roomId` creates rooms).
    public func roomCreatingIfNeeded(_ roomId: String) -> Room {
        if let room = rooms[roomId] { return room }
        let room = Room(id: roomId, configuration: configuration)
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
        send(sink.room)
    }

    /// Runs the engines' timers: RTCP, NACK, key-frame retries.
    func tick(now: MediaTime) {
        for room in rooms.values {
            room.router.handleTimeout(now: now)
            send(room)
            apply(room.drainEvents(), roomId: room.id)
        }
        flush()
    }

    private func send(_ room: Room) {
        room.router.drainOutbox { datagram in
            guard let transportSockets = sockets[ObjectIdentifier(datagram.transport)] else { return }
            let envelope = AddressedEnvelope(remoteAddress: datagram.destination, data: datagram.data)
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

    /// Flushes every channel written to: one batched send per socket per read burst.
    func flush() {
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
