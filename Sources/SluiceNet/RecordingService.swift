internal import Foundation
internal import NIOConcurrencyHelpers
public import SluiceEngine
public import SluiceRecorder

/// How a recording was asked for.
public struct RecordingSelection: Sendable, Codable, Hashable {
    /// Given producers, or nil.
    public var producerIds: [String]?
    /// Every producer of this broadcaster, or nil.
    public var broadcasterId: String?
    /// True when every current and future producer of the room is recorded.
    public var allProducers: Bool

    public init(producerIds: [String]? = nil, broadcasterId: String? = nil, allProducers: Bool = false) {
        self.producerIds = producerIds
        self.broadcasterId = broadcasterId
        self.allProducers = allProducers
    }

    var tapSelection: TapSelection {
        if let producerIds { return .producers(producerIds) }
        if let broadcasterId { return .broadcaster(broadcasterId) }
        return .room
    }
}

/// A recording as the API shows it.
public struct RecordingSummary: Sendable, Hashable {
    public var id: String
    public var roomId: String
    public var selection: RecordingSelection
    /// Producers attached when it started.
    public var producerIds: [String]
    /// ISO 8601.
    public var createdAt: String
    public var status: RecordingStatus
}

/// Settings of in-process recording.
public struct RecordingSettings: Sendable {
    /// Every recording gets a directory of its own under this one.
    public var directory: String
    public var hlsTargetDuration: Double
    public var queueCapacity: Int

    public init(directory: String, hlsTargetDuration: Double = 2, queueCapacity: Int = 8192) {
        self.directory = directory
        self.hlsTargetDuration = hlsTargetDuration
        self.queueCapacity = queueCapacity
    }
}

/// Starts, lists and stops recordings; attaches them to producers on the rooms' workers.
public final class RecordingService: Sendable {
    public let settings: RecordingSettings
    private let pool: WorkerPool
    private struct Entry {
        let roomId: String
        let recording: Recording
        let adapter: RecorderTapAdapterBox
        let selection: RecordingSelection
        let producerIds: [String]
        let createdAt: String
    }
    private let entries = NIOLockedValueBox<[String: Entry]>([:])
    private let order = NIOLockedValueBox<[String]>([])

    public init(settings: RecordingSettings, pool: WorkerPool) {
        self.settings = settings
        self.pool = pool
    }

    /// Starts recording `selection` of a room in `format`.
    ///
    /// - Throws: ``EngineError`` — not found (room, broadcaster, producer ids), conflict (nothing to record).
    public func start(roomId: String, format: ContainerFormat, selection: RecordingSelection) async throws -> RecordingSummary {
        let worker = try pool.worker(ofRoom: roomId)
        let id = UUID().uuidString.lowercased()
        let events = pool.events
        let configuration = RecordingConfiguration(
            id: id, format: format, directory: settings.directory + "/" + id, followsNewProducers: selection.producerIds == nil,
            hlsTargetDuration: settings.hlsTargetDuration, queueCapacity: settings.queueCapacity)
        let recording = Recording(
            configuration: configuration, clock: { MediaTime.now.seconds },
            requestKeyFrame: { producerId in
                worker.execute { state in
                    try? state.room(roomId).router.requestKeyFrame(producerId: producerId, now: MediaTime.now)
                }
            },
            onEvent: { [weak self] event in
                events.publish(roomId: roomId, event: RoomEvent(recording: event))
                if case .failed = event { self?.detach(recordingId: id) }
            })
        let box = RecorderTapAdapterBox(RecorderTapAdapter(recording: recording))
        let tapSelection = selection.tapSelection
        let attached = try await worker.run { state -> [String] in
            let room = try state.room(roomId)
            var broadcasterExists = true
            if case .broadcaster(let broadcasterId) = tapSelection {
                broadcasterExists = (try? room.requireBroadcaster(broadcasterId)) != nil
            }
            return try room.router.attachTap(box.adapter, selection: tapSelection, broadcasterExists: broadcasterExists, now: MediaTime.now)
        }
        recording.start()
        let entry = Entry(roomId: roomId, recording: recording, adapter: box, selection: selection, producerIds: attached, createdAt: ISO8601DateFormatter().string(from: Date()))
        entries.withLockedValue { $0[id] = entry }
        order.withLockedValue { $0.append(id) }
        return summary(id: id, entry)
    }

    public func recordings(roomId: String) -> [RecordingSummary] {
        let ids = order.withLockedValue { $0 }
        let all = entries.withLockedValue { $0 }
        return ids.compactMap { id in all[id].flatMap { $0.roomId == roomId ? summary(id: id, $0) : nil } }
    }

    public func recording(roomId: String, id: String) throws(EngineError) -> RecordingSummary {
        guard let entry = entries.withLockedValue({ $0[id] }), entry.roomId == roomId else {
            throw .notFound("recording '\(id)' not found in room '\(roomId)'")
        }
        return summary(id: id, entry)
    }

    /// The directory of a recording, for serving its files.
    public func directory(roomId: String, id: String) throws(EngineError) -> String {
        guard let entry = entries.withLockedValue({ $0[id] }), entry.roomId == roomId else {
            throw .notFound("recording '\(id)' not found in room '\(roomId)'")
        }
        return entry.recording.configuration.directory
    }

    /// Stops a recording and waits until its files are finalised.
    public func stop(roomId: String, id: String) async throws -> RecordingSummary {
        guard let entry = entries.withLockedValue({ $0[id] }), entry.roomId == roomId else {
            throw EngineError.notFound("recording '\(id)' not found in room '\(roomId)'")
        }
        detach(recordingId: id)
        entry.recording.stop()
        await Self.waitUntilFinished([entry.recording], timeout: 30)
        return summary(id: id, entry)
    }

    /// Stops every recording of a room (the room is closing).
    public func stopAll(roomId: String) async {
        let recordings = entries.withLockedValue { $0.values.filter { $0.roomId == roomId }.map(\.recording) }
        for recording in recordings { recording.stop() }
        await Self.waitUntilFinished(recordings, timeout: 30)
    }

    /// Finalises every recording (process shutdown).
    public func stopAll(timeout: Double = 30) async {
        let recordings = entries.withLockedValue { $0.values.map(\.recording) }
        for recording in recordings { recording.stop() }
        await Self.waitUntilFinished(recordings, timeout: timeout)
    }

    public var activeCount: Int { entries.withLockedValue { $0.values.filter { !$0.recording.isDone }.count } }

    private func detach(recordingId: String) {
        guard let entry = entries.withLockedValue({ $0[recordingId] }), let worker = try? pool.worker(ofRoom: entry.roomId) else { return }
        let roomId = entry.roomId
        let box = entry.adapter
        worker.execute { state in
            try? state.room(roomId).router.detachTap(box.adapter)
        }
    }

    private func summary(id: String, _ entry: Entry) -> RecordingSummary {
        RecordingSummary(
            id: id, roomId: entry.roomId, selection: entry.selection, producerIds: entry.producerIds, createdAt: entry.createdAt,
            status: entry.recording.status)
    }

    /// Waits off the caller's executor: finalising can take a moment of disk I/O.
    private static func waitUntilFinished(_ recordings: [Recording], timeout: Double) async {
        guard !recordings.isEmpty else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let thread = Thread {
                let deadline = Date(timeIntervalSinceNow: timeout)
                for recording in recordings {
                    recording.waitUntilFinished(timeout: max(0, deadline.timeIntervalSinceNow))
                }
                continuation.resume()
            }
            thread.start()
        }
    }
}

/// The adapter is touched only on its room's worker loop; the box lets it travel there.
final class RecorderTapAdapterBox: @unchecked Sendable {
    let adapter: RecorderTapAdapter
    init(_ adapter: RecorderTapAdapter) { self.adapter = adapter }
}

extension RoomEvent {
    init(recording event: RecordingEvent) {
        switch event {
        case .started(let recordingId, let file):
            self.init(name: "recordingstart", fields: ["recordingId": recordingId, "file": file])
        case .fileFinalized(let recordingId, let file):
            self.init(
                name: "recordingfile",
                fields: [
                    "recordingId": recordingId, "file": file.name, "bytes": String(file.bytes),
                    "duration": String(format: "%.3f", file.duration),
                ])
        case .failed(let recordingId, let reason):
            self.init(name: "recordingfail", fields: ["recordingId": recordingId, "reason": reason])
        case .stopped(let recordingId):
            self.init(name: "recordingstop", fields: ["recordingId": recordingId])
        }
    }
}
