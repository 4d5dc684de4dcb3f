public import SluiceEngine
public import NIOCore
internal import NIOPosix
internal import NIOConcurrencyHelpers

/// Network settings of the RTC sockets.
public struct NetConfiguration: Sendable {
    public var workers: Int
    public var listenIp: String
    public var announcedIp: String
    public var portRange: ClosedRange<Int>

    public init(workers: Int, listenIp: String, announcedIp: String, portRange: ClosedRange<Int>) {
        self.workers = workers
        self.listenIp = listenIp
        self.announcedIp = announcedIp
        self.portRange = portRange
    }
}

/// The workers of the process and which room lives on which.
public final class WorkerPool: Sendable {
    public let workers: [Worker]
    public let configuration: NetConfiguration
    public let routerConfiguration: RouterConfiguration
    /// Room notifications for `GET /rooms/:roomId/events`.
    public let events: RoomEventHub
    private let group: MultiThreadedEventLoopGroup
    private let binder: UdpSocketBinder
    /// Room id → worker index.
    private let placement = NIOLockedValueBox<[String: Int]>([:])

    private init(
        workers: [Worker], group: MultiThreadedEventLoopGroup, configuration: NetConfiguration,
        routerConfiguration: RouterConfiguration, events: RoomEventHub
    ) {
        self.events = events
        self.workers = workers
        self.group = group
        self.configuration = configuration
        self.routerConfiguration = routerConfiguration
        self.binder = UdpSocketBinder(allocator: PortAllocator(range: configuration.portRange), listenIp: configuration.listenIp)
    }

    public static func start(configuration: NetConfiguration, routerConfiguration: RouterConfiguration) async throws -> WorkerPool {
        let count = max(1, configuration.workers)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: count)
        var routerConfiguration = routerConfiguration
        routerConfiguration.ntpClock = NtpClock.systemClock()
        let events = RoomEventHub()
        var workers: [Worker] = []
        for (index, loop) in group.makeIterator().enumerated() {
            let worker = try await Worker.make(index: index, eventLoop: loop, configuration: routerConfiguration, events: events)
            worker.startTimer()
            workers.append(worker)
        }
        return WorkerPool(
            workers: workers, group: group, configuration: configuration, routerConfiguration: routerConfiguration,
            events: events)
    }

    /// The worker of a room, placing a new room on the worker with the fewest rooms.
    public func workerCreatingRoom(_ roomId: String) -> Worker {
        let index = placement.withLockedValue { placement -> Int in
            if let index = placement[roomId] { return index }
            var load = [Int](repeating: 0, count: workers.count)
            for index in placement.values { load[index] += 1 }
            let chosen = load.indices.min { load[$0] < load[$1] } ?? 0
            placement[roomId] = chosen
            return chosen
        }
        return workers[index]
    }

    /// The worker of an existing room.
    public func worker(ofRoom roomId: String) throws(EngineError) -> Worker {
        guard let index = placement.withLockedValue({ $0[roomId] }) else {
            throw .notFound("room '\(roomId)' not found")
        }
        return workers[index]
    }

    public var roomCount: Int { placement.withLockedValue { $0.count } }

    /// Closes a room and everything in it; throws `notFound` for an unknown room.
    public func closeRoom(_ roomId: String) async throws {
        let worker = try worker(ofRoom: roomId)
        placement.withLockedValue { _ = $0.removeValue(forKey: roomId) }
        try await worker.run { $0.closeRoom(roomId) }
    }

    /// Summaries of every room, sorted by id.
    public func roomSummaries() async throws -> [RoomSummary] {
        var summaries: [RoomSummary] = []
        for worker in workers {
            summaries += try await worker.run { state in
                state.rooms.values.map { $0.summary(worker: state.index) }
            }
        }
        return summaries.sorted { $0.id < $1.id }
    }

    /// Binds the transport's UDP sockets (a second one for RTCP when asked), then creates the
    /// transport with `make` on the room's loop. The sockets close with the transport, or at once
    /// when `make` throws.
    public func createTransport(
        roomId: String, broadcasterId: String, separateRtcpSocket: Bool,
        make: @escaping @Sendable (Room, TransportBinding) throws -> TransportCreated
    ) async throws -> TransportCreated {
        let worker = try worker(ofRoom: roomId)
        try await worker.run { try $0.room(roomId).requireBroadcaster(broadcasterId) }
        var sockets = [try await binder.bind(on: worker)]
        do {
            if separateRtcpSocket { sockets.append(try await binder.bind(on: worker)) }
            let binding = TransportBinding(
                listenIp: configuration.listenIp, announcedIp: configuration.announcedIp, port: sockets[0].port,
                rtcpPort: sockets.count > 1 ? sockets[1].port : nil)
            let channels = sockets.map(\.channel)
            return try await worker.run { state in
                let room = try state.room(roomId)
                let created = try make(room, binding)
                state.attach(channels, toTransport: created.id, in: room)
                return created
            }
        } catch {
            for socket in sockets { try? await socket.channel.close() }
            throw error
        }
    }

    /// Closes every room (and so every socket), then stops the loops.
    public func shutdown() async throws {
        for worker in workers { try await worker.run { $0.closeAllRooms() } }
        try await group.shutdownGracefully()
    }
}
