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
    /// The shared WebRTC port of each worker (UDP and ICE-TCP), nil for none: then every WebRTC
    /// transport binds a UDP socket of its own.
    public var webRtcServer: WebRtcServerSettings?

    public init(
        workers: Int, listenIp: String, announcedIp: String, portRange: ClosedRange<Int>,
        webRtcServer: WebRtcServerSettings? = nil
    ) {
        self.workers = workers
        self.listenIp = listenIp
        self.announcedIp = announcedIp
        self.portRange = portRange
        self.webRtcServer = webRtcServer
    }
}

/// Where the workers' shared WebRTC ports are.
public struct WebRtcServerSettings: Sendable, Hashable {
    /// Worker i uses `portBase + i` for UDP and TCP; nil takes a free port of the RTC range for
    /// each worker at start-up.
    public var portBase: Int?

    public init(portBase: Int? = nil) {
        self.portBase = portBase
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
        routerConfiguration: RouterConfiguration, events: RoomEventHub, allocator: PortAllocator
    ) {
        self.events = events
        self.workers = workers
        self.group = group
        self.configuration = configuration
        self.routerConfiguration = routerConfiguration
        self.binder = UdpSocketBinder(allocator: allocator, listenIp: configuration.listenIp)
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
        let allocator = PortAllocator(range: configuration.portRange)
        if let settings = configuration.webRtcServer {
            do {
                try await bindSharedPorts(workers: workers, settings: settings, configuration: configuration, allocator: allocator)
            } catch {
                for worker in workers { try? await worker.run { $0.closeSharedPort() } }
                try? await group.shutdownGracefully()
                throw error
            }
        }
        return WorkerPool(
            workers: workers, group: group, configuration: configuration, routerConfiguration: routerConfiguration,
            events: events, allocator: allocator)
    }

    private static func bindSharedPorts(
        workers: [Worker], settings: WebRtcServerSettings, configuration: NetConfiguration, allocator: PortAllocator
    ) async throws {
        let binder = WebRtcPortBinder(allocator: allocator, listenIp: configuration.listenIp)
        for worker in workers {
            let bound = try await binder.bind(on: worker, port: settings.portBase.map { $0 + worker.index })
            let (listenIp, announcedIp) = (configuration.listenIp, configuration.announcedIp)
            try await worker.run { state in
                state.installSharedPort(
                    udp: bound.udp, udpPort: bound.port, tcpListener: bound.tcp, tcpPort: bound.port, listenIp: listenIp,
                    announcedIp: announcedIp)
            }
        }
    }

    /// Whether the workers have shared WebRTC ports.
    public var hasSharedWebRtcPorts: Bool { configuration.webRtcServer != nil }

    /// Every worker's shared WebRTC port with its counters (empty without shared ports).
    public func webRtcServerStats() async throws -> [WorkerWebRtcServerStats] {
        var stats: [WorkerWebRtcServerStats] = []
        for worker in workers {
            if let entry = try await worker.run({ $0.sharedPortStats }) { stats.append(entry) }
        }
        return stats
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

    /// Creates a WebRTC transport on the worker's shared port with `make` on the room's loop;
    /// nothing is bound. Only for pools with ``hasSharedWebRtcPorts``.
    public func createTransportOnSharedPort(
        roomId: String, broadcasterId: String, make: @escaping @Sendable (Room, TransportBinding) throws -> TransportCreated
    ) async throws -> TransportCreated {
        let worker = try worker(ofRoom: roomId)
        let listenIp = configuration.listenIp
        return try await worker.run { state in
            let room = try state.room(roomId)
            try room.requireBroadcaster(broadcasterId)
            guard let binding = state.sharedPortBinding else {
                throw NetError.bindFailed(host: listenIp, underlying: "worker \(state.index) has no shared WebRTC port")
            }
            return try make(room, binding)
        }
    }

    /// Closes every room (and so every socket), then stops the loops.
    public func shutdown() async throws {
        for worker in workers { try await worker.run { $0.closeAllRooms() } }
        for worker in workers { try await worker.run { $0.closeSharedPort() } }
        try await group.shutdownGracefully()
    }
}
