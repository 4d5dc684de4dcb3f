/// Where a recording is in its life.
public enum RecordingState: String, Sendable, Codable {
    /// Attached; waiting for key frames (and codec parameters) before the first file opens.
    case waitingForKeyFrame
    case recording
    /// Stop requested; files are being finalised.
    case stopping
    /// Every file is finalised.
    case stopped
    /// Writing failed (unwritable directory, full disk…); what was written is finalised.
    case failed
}

/// One output of a recording: a file, or for HLS a playlist with its segments.
public struct RecordingFile: Sendable, Codable, Hashable {
    /// Path relative to the recording's directory, as served under `…/files/`.
    public var name: String
    public var contentType: String
    public var bytes: Int64
    /// Seconds of media written.
    public var duration: Double
    /// Producer ids whose tracks the file carries.
    public var producerIds: [String]
    /// True once the file has its trailer (or final playlist) written.
    public var finalized: Bool
}

/// Per-producer counters of a recording.
public struct RecordingTrackStatus: Sendable, Codable, Hashable {
    public var producerId: String
    public var codec: String
    /// The codec written when it differs from the source (a transcode, e.g. "aac").
    public var transcodedTo: String?
    public var framesWritten: Int
    public var packetsLost: Int
    public var keyFrameRequests: Int
    /// Why the track is not recorded, if it is not.
    public var error: String?
    public var closed: Bool
}

/// A consistent view of a recording for the API.
public struct RecordingStatus: Sendable, Codable, Hashable {
    public var id: String
    public var format: String
    public var state: RecordingState
    public var files: [RecordingFile]
    public var tracks: [RecordingTrackStatus]
    public var bytesWritten: Int64
    /// Packets refused because the recorder's queue was full (a slow disk).
    public var packetsDropped: Int
    public var errors: [String]
    /// Transcodes in use, e.g. ["opus→aac", "vp8→h264"].
    public var transcodes: [String]
}

/// What a recording reports as it goes.
public enum RecordingEvent: Sendable, Hashable {
    case started(recordingId: String, file: String)
    case fileFinalized(recordingId: String, file: RecordingFile)
    case failed(recordingId: String, reason: String)
    case stopped(recordingId: String)
}

/// How a recording is set up.
public struct RecordingConfiguration: Sendable {
    public var id: String
    public var format: ContainerFormat
    /// Directory the recording owns (created if missing); every output lands inside it.
    public var directory: String
    /// Whether producers may join after the start (room or broadcaster selections).
    public var followsNewProducers: Bool
    public var hlsTargetDuration: Double
    public var hlsLiveWindow: Int
    /// Media items the queue holds before it refuses more.
    public var queueCapacity: Int
    /// How long to wait for key frames of every video track before starting without the late ones.
    public var keyFrameWait: Double

    public init(
        id: String, format: ContainerFormat, directory: String, followsNewProducers: Bool, hlsTargetDuration: Double = 2,
        hlsLiveWindow: Int = 6, queueCapacity: Int = 8192, keyFrameWait: Double = 5
    ) {
        self.id = id
        self.format = format
        self.directory = directory
        self.followsNewProducers = followsNewProducers
        self.hlsTargetDuration = hlsTargetDuration
        self.hlsLiveWindow = hlsLiveWindow
        self.queueCapacity = queueCapacity
        self.keyFrameWait = keyFrameWait
    }
}
