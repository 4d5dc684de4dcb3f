internal import Foundation
internal import NIOCore

/// One recording: a thread that takes producers' packets from a bounded queue and writes them
/// to files with libavformat.
///
/// Feed it with ``offer(_:)`` from any thread (it never blocks); read ``status`` from any thread.
/// Everything else runs on the recording's own thread, so muxing and disk I/O never touch a
/// worker loop.
public final class Recording: @unchecked Sendable {
    public let configuration: RecordingConfiguration
    public var id: String { configuration.id }

    let queue: InputQueue<RecorderInput>
    let clock: @Sendable () -> Double
    let keyFrameRequester: @Sendable (String) -> Void
    let eventSink: @Sendable (RecordingEvent) -> Void

    private let lock = NSLock()
    private var published: RecordingStatus
    private var stopRequested = false
    private var droppedPackets = 0
    private let finished = NSCondition()
    private var isFinished = false

    // Owned by the recording thread.
    var tracks: [String: RecordingTrack] = [:]
    var trackOrder: [String] = []
    var groupOffsets: [String: Double] = [:]
    var part: OutputPart?
    var partCount = 0
    var files: [RecordingFile] = []
    var errors: [String] = []
    var state: RecordingState = .waitingForKeyFrame
    /// Local time all pts count from (the recording's start).
    var epoch: Double = 0
    var lastPublish: Double = 0
    /// Since when the recording waits for tracks to be ready.
    var waitingSince: Double = 0

    /// - Parameters:
    ///   - clock: the local monotonic clock, seconds, in the same domain as input arrival times.
    ///   - requestKeyFrame: asks a producer's sender for a key frame (called on the recording thread).
    ///   - onEvent: recording events (called on the recording thread).
    public init(
        configuration: RecordingConfiguration, clock: @escaping @Sendable () -> Double,
        requestKeyFrame: @escaping @Sendable (String) -> Void, onEvent: @escaping @Sendable (RecordingEvent) -> Void
    ) {
        self.configuration = configuration
        self.queue = InputQueue(capacity: configuration.queueCapacity)
        self.clock = clock
        self.keyFrameRequester = requestKeyFrame
        self.eventSink = onEvent
        self.published = RecordingStatus(
            id: configuration.id, format: configuration.format.rawValue, state: .waitingForKeyFrame, files: [], tracks: [],
            bytesWritten: 0, packetsDropped: 0, errors: [], transcodes: [])
    }

    /// libav's own messages go to stderr; only errors are worth printing there.
    private static let quietLibav: Void = LibavLog.setLevel(.error)

    /// Starts the recording thread.
    public func start() {
        Self.quietLibav
        let thread = Thread { [self] in run() }
        thread.name = "sluice-recording-\(configuration.id.prefix(8))"
        thread.start()
    }

    /// Hands one item to the recording; false (and counted) when media is refused because the
    /// queue is full or the recording has ended.
    @discardableResult
    public func offer(_ input: RecorderInput) -> Bool {
        if queue.offer(input, force: input.isControl) { return true }
        if !input.isControl {
            lock.lock()
            droppedPackets += 1
            lock.unlock()
        }
        return false
    }

    /// Asks the recording to finalise its files and end. Returns at once.
    public func stop() {
        lock.lock()
        stopRequested = true
        lock.unlock()
        queue.wake()
    }

    /// Waits until every file is finalised; false on timeout.
    @discardableResult
    public func waitUntilFinished(timeout: Double) -> Bool {
        finished.lock()
        defer { finished.unlock() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while !isFinished {
            if !finished.wait(until: deadline) { return isFinished }
        }
        return true
    }

    public var isDone: Bool {
        finished.lock()
        defer { finished.unlock() }
        return isFinished
    }

    /// The latest state, files and counters.
    public var status: RecordingStatus {
        lock.lock()
        defer { lock.unlock() }
        var status = published
        status.packetsDropped = droppedPackets
        return status
    }

    private var shouldStop: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopRequested
    }

    // MARK: The recording thread

    private func run() {
        epoch = clock()
        waitingSince = epoch
        do {
            try FileManager.default.createDirectory(atPath: configuration.directory, withIntermediateDirectories: true)
        } catch {
            fail("cannot create the recording directory: \(error.localizedDescription)")
        }
        while state != .failed {
            let items = queue.takeAll(timeout: 0.05)
            for item in items where state != .failed { handle(item) }
            guard state != .failed else { break }
            tick(now: clock())
            if shouldStop { break }
        }
        queue.close()
        // What was offered before the stop (media, closes) is still recorded.
        for item in queue.takeAll(timeout: 0) where state != .failed { handle(item) }
        if state != .failed {
            state = .stopping
            publish()
            finishAll()
        }
        if state != .failed { state = .stopped }
        publish()
        eventSink(.stopped(recordingId: id))
        finished.lock()
        isFinished = true
        finished.broadcast()
        finished.unlock()
    }

    /// Ends the recording on a write error: what was written is closed best-effort.
    func fail(_ reason: String) {
        guard state != .failed else { return }
        errors.append(reason)
        closePart(failed: true)
        state = .failed
        publish()
        eventSink(.failed(recordingId: id, reason: reason))
    }

    func publish() {
        var trackStatuses: [RecordingTrackStatus] = []
        var transcodes: [String] = []
        for producerId in trackOrder {
            guard let track = tracks[producerId] else { continue }
            trackStatuses.append(track.status)
            if track.transcodes, track.error == nil { transcodes.append("\(track.codec.rawValue)→\(track.outputCodec.rawValue)") }
        }
        var allFiles = files
        if let part, let file = part.fileStatus() { allFiles.append(file) }
        let bytes = allFiles.reduce(Int64(0)) { $0 + $1.bytes }
        lock.lock()
        published.state = state
        published.files = allFiles
        published.tracks = trackStatuses
        published.bytesWritten = bytes
        published.errors = errors
        published.transcodes = transcodes
        lock.unlock()
    }
}

extension RecordingTrack {
    var status: RecordingTrackStatus {
        RecordingTrackStatus(
            producerId: info.producerId, codec: codec.rawValue, transcodedTo: transcodes ? outputCodec.rawValue : nil,
            framesWritten: framesWritten, packetsLost: reorder.lost, keyFrameRequests: keyFrameRequests, error: error, closed: closed)
    }
}
