public import Hummingbird
public import SluiceNet
internal import SluiceEngine

/// Settings of the HTTP API itself.
public struct APIConfiguration: Sendable {
    /// Largest accepted request body; larger ones get 413.
    public var maxBodySize: Int

    public init(maxBodySize: Int = 1 << 20) {
        self.maxBodySize = maxBodySize
    }
}

/// The REST API: every route, bound to the worker pool that owns the rooms.
public struct SluiceRoutes: Sendable {
    public typealias Context = BasicRequestContext
    typealias Handler = @Sendable (Request, Context) async throws -> Response

    let pool: WorkerPool
    let configuration: APIConfiguration
    /// In-process recording; nil answers recording routes with 503.
    let recordings: RecordingService?

    public init(pool: WorkerPool, configuration: APIConfiguration, recordings: RecordingService? = nil) {
        self.pool = pool
        self.configuration = configuration
        self.recordings = recordings
    }

    static let room = "/rooms/:roomId"
    static let broadcaster = room + "/broadcasters/:broadcasterId"
    static let transport = broadcaster + "/transports/:transportId"
    static let producer = broadcaster + "/producers/:producerId"
    static let consumer = broadcaster + "/consumers/:consumerId"

    private var table: [(HTTPRequest.Method, String, Handler)] {
        [
            (.get, "/healthz", health),
            (.get, "/rooms", listRooms),
            (.get, Self.room, getRoom),
            (.delete, Self.room, deleteRoom),
            (.get, Self.room + "/broadcasters", listBroadcasters),
            (.post, Self.room + "/broadcasters", createBroadcaster),
            (.get, Self.broadcaster, getBroadcaster),
            (.delete, Self.broadcaster, deleteBroadcaster),
            (.post, Self.broadcaster + "/transports", createTransport),
            (.get, Self.transport, getTransport),
            (.delete, Self.transport, deleteTransport),
            (.post, Self.transport + "/connect", connectTransport),
            (.post, Self.transport + "/restart-ice", restartIce),
            (.post, Self.transport + "/producers", createProducer),
            (.post, Self.transport + "/consume", createConsumer),
            (.post, Self.transport + "/produce/data", dataChannelsNotImplemented),
            (.post, Self.transport + "/consume/data", dataChannelsNotImplemented),
            (.get, Self.producer, getProducer),
            (.delete, Self.producer, deleteProducer),
            (.post, Self.producer + "/pause", pauseProducer),
            (.post, Self.producer + "/resume", resumeProducer),
            (.get, Self.consumer, getConsumer),
            (.delete, Self.consumer, deleteConsumer),
            (.post, Self.consumer + "/pause", pauseConsumer),
            (.post, Self.consumer + "/resume", resumeConsumer),
            (.get, Self.room + "/events", roomEvents),
            (.get, Self.broadcaster + "/sdp", broadcasterSdp),
            (.get, Self.transport + "/stats", transportStats),
            (.get, Self.producer + "/stats", producerStats),
            (.get, Self.consumer + "/stats", consumerStats),
            (.get, Self.consumer + "/sdp", consumerSdp),
            (.post, Self.consumer + "/request-key-frame", requestKeyFrame),
            (.post, Self.consumer + "/preferred-layers", setConsumerPreferredLayers),
            (.get, Self.room + "/recordings", listRecordings),
            (.post, Self.room + "/recordings", createRecording),
            (.get, Self.recording, getRecording),
            (.delete, Self.recording, deleteRecording),
            (.get, Self.recording + "/files/:first", recordingFile),
            (.get, Self.recording + "/files/:first/:second", recordingNestedFile),
        ]
    }

    /// A Hummingbird router with every route and the problem+json error handling.
    public func buildRouter() -> Hummingbird.Router<Context> {
        let router = Hummingbird.Router(context: Context.self)
        let table = self.table
        router.add(
            middleware: ProblemMiddleware<Context>(
                routes: RouteTable(maxBodySize: configuration.maxBodySize, entries: table.map { ($0.0, $0.1) })))
        for (method, path, handler) in table {
            router.on(RouterPath(path), method: method, use: handler)
        }
        return router
    }

    // MARK: Helpers shared by handlers

    func worker(_ context: Context) throws -> (Worker, String) {
        let roomId = try context.parameters.require("roomId")
        return (try pool.worker(ofRoom: roomId), roomId)
    }

    /// Runs `body` on the room's worker with the room.
    func inRoom<T: Sendable>(_ context: Context, _ body: @escaping @Sendable (Room) throws -> T) async throws -> T {
        let (worker, roomId) = try worker(context)
        return try await worker.run { state in try body(try state.room(roomId)) }
    }
}
