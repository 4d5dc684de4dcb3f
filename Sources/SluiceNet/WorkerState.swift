public import SluiceEngine
internal import NIOCore

/// Everything a worker owns: rooms and the sockets of their transports. Loop-confined.
public final class WorkerState {
    public let index: Int
    let configuration: RouterConfiguration
    private(set) var rooms: [String: Room] = [:]
    /// Sockets of each transport, closed when the engine reports the transport closed.
    private var sockets: [String: [any Channel]] = [:]
    /// Datagrams that arrived on transport sockets (media forwarding is not wired yet).
    public private(set) var datagramsReceived = 0

    init(index: Int, configuration: RouterConfiguration) {
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
        apply(room.drainEvents())
    }

    func closeAllRooms() {
        for roomId in Array(rooms.keys) { closeRoom(roomId) }
    }

    func attach(_ channels: [any Channel], toTransport transportId: String) {
        sockets[transportId] = channels
    }

    func noteDatagram() { datagramsReceived += 1 }

    /// Acts on what the engine reported after a request: closes sockets of closed transports.
    func apply(_ events: [EngineEvent]) {
        for event in events {
            if case .transportClosed(let transportId, _) = event, let channels = sockets.removeValue(forKey: transportId) {
                for channel in channels { channel.close(promise: nil) }
            }
        }
    }
}
