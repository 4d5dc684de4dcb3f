public import SluiceEngine
internal import NIOConcurrencyHelpers

/// A notification for clients of a room, as sent on `GET /rooms/:roomId/events`.
public struct RoomEvent: Sendable, Hashable {
    /// Event name (`producerclose`, `consumerpause`, `tuple`, …).
    public var name: String
    /// Flat fields of the event.
    public var fields: [String: String]

    public init(name: String, fields: [String: String]) {
        self.name = name
        self.fields = fields
    }
}

/// Fans engine events out to the room's event-stream subscribers.
public final class RoomEventHub: Sendable {
    private struct Subscriber {
        let id: Int
        let continuation: AsyncStream<RoomEvent>.Continuation
    }

    private let state = NIOLockedValueBox<(nextId: Int, rooms: [String: [Subscriber]])>((0, [:]))

    public init() {}

    /// A stream of the room's events from now on; it ends when the room closes or the
    /// consumer stops iterating. Slow readers lose the oldest events beyond 1000.
    public func subscribe(roomId: String) -> AsyncStream<RoomEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: RoomEvent.self, bufferingPolicy: .bufferingNewest(1000))
        let id = state.withLockedValue { state -> Int in
            state.nextId += 1
            state.rooms[roomId, default: []].append(Subscriber(id: state.nextId, continuation: continuation))
            return state.nextId
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLockedValue { state in
                state.rooms[roomId]?.removeAll { $0.id == id }
                if state.rooms[roomId]?.isEmpty == true { state.rooms[roomId] = nil }
            }
        }
        return stream
    }

    public func subscriberCount(roomId: String) -> Int {
        state.withLockedValue { $0.rooms[roomId]?.count ?? 0 }
    }

    func publish(roomId: String, _ events: [EngineEvent]) {
        guard !events.isEmpty else { return }
        let subscribers = state.withLockedValue { $0.rooms[roomId] ?? [] }
        guard !subscribers.isEmpty else { return }
        for event in events {
            let roomEvent = RoomEvent(event)
            for subscriber in subscribers { subscriber.continuation.yield(roomEvent) }
        }
    }

    /// Publishes an event that does not come from the engine (recordings).
    public func publish(roomId: String, event: RoomEvent) {
        let subscribers = state.withLockedValue { $0.rooms[roomId] ?? [] }
        for subscriber in subscribers { subscriber.continuation.yield(event) }
    }

    /// Ends every stream of every room (the process is shutting down).
    public func finishAll() {
        let all = state.withLockedValue { state -> [Subscriber] in
            defer { state.rooms.removeAll() }
            return state.rooms.values.flatMap { $0 }
        }
        for subscriber in all { subscriber.continuation.finish() }
    }

    /// Ends every stream of a closed room.
    func finish(roomId: String) {
        let subscribers = state.withLockedValue { $0.rooms.removeValue(forKey: roomId) ?? [] }
        for subscriber in subscribers { subscriber.continuation.finish() }
    }
}

extension RoomEvent {
    init(_ event: EngineEvent) {
        switch event {
        case .broadcasterClosed(let broadcasterId):
            self.init(name: "broadcasterclose", fields: ["broadcasterId": broadcasterId])
        case .transportClosed(let transportId, let broadcasterId):
            self.init(name: "transportclose", fields: ["broadcasterId": broadcasterId, "transportId": transportId])
        case .producerClosed(let producerId, let broadcasterId):
            self.init(name: "producerclose", fields: ["broadcasterId": broadcasterId, "producerId": producerId])
        case .producerPaused(let producerId, let broadcasterId):
            self.init(name: "producerpause", fields: ["broadcasterId": broadcasterId, "producerId": producerId])
        case .producerResumed(let producerId, let broadcasterId):
            self.init(name: "producerresume", fields: ["broadcasterId": broadcasterId, "producerId": producerId])
        case .consumerClosed(let consumerId, let broadcasterId):
            self.init(name: "consumerclose", fields: ["broadcasterId": broadcasterId, "consumerId": consumerId])
        case .consumerPaused(let consumerId, let broadcasterId):
            self.init(name: "consumerpause", fields: ["broadcasterId": broadcasterId, "consumerId": consumerId])
        case .consumerResumed(let consumerId, let broadcasterId):
            self.init(name: "consumerresume", fields: ["broadcasterId": broadcasterId, "consumerId": consumerId])
        case .consumerProducerPaused(let consumerId, let broadcasterId):
            self.init(name: "consumerproducerpause", fields: ["broadcasterId": broadcasterId, "consumerId": consumerId])
        case .consumerProducerResumed(let consumerId, let broadcasterId):
            self.init(name: "consumerproducerresume", fields: ["broadcasterId": broadcasterId, "consumerId": consumerId])
        case .transportTupleLearned(let transportId, let broadcasterId, let rtcp, let remote):
            self.init(
                name: "tuple",
                fields: ["broadcasterId": broadcasterId, "transportId": transportId, "socket": rtcp ? "rtcp" : "rtp", "remote": remote])
        case .iceStateChanged(let transportId, let broadcasterId, let state):
            self.init(name: "icestatechange", fields: ["broadcasterId": broadcasterId, "transportId": transportId, "iceState": state])
        case .dtlsStateChanged(let transportId, let broadcasterId, let state, let reason):
            var fields = ["broadcasterId": broadcasterId, "transportId": transportId, "dtlsState": state]
            if let reason { fields["reason"] = reason }
            self.init(name: "dtlsstatechange", fields: fields)
        case .consumerLayersChanged(let consumerId, let broadcasterId, let layers):
            var fields = ["broadcasterId": broadcasterId, "consumerId": consumerId]
            if let layers {
                fields["spatialLayer"] = String(layers.spatialLayer)
                fields["temporalLayer"] = String(layers.temporalLayer)
            }
            self.init(name: "layerschange", fields: fields)
        case .score(let kind, let id, let broadcasterId, let score):
            self.init(name: "score", fields: ["broadcasterId": broadcasterId, kind + "Id": id, "score": String(score)])
        }
    }
}
