/// The containers the recorder writes.
public enum ContainerFormat: String, Sendable, CaseIterable {
    case webm, mp4, mkv, hls

    /// The codecs this container accepts.
    public var allowedCodecs: Set<TrackCodec> {
        switch self {
        case .webm: [.vp8, .vp9, .opus]
        case .mp4: [.h264, .vp9, .opus, .aac]
        case .mkv: Set(TrackCodec.allCases)
        case .hls: [.h264, .aac]
        }
    }

    /// The file extension of the main output (the playlist for HLS).
    public var fileExtension: String {
        switch self {
        case .webm: "webm"
        case .mp4: "mp4"
        case .mkv: "mkv"
        case .hls: "m3u8"
        }
    }

    /// The libavformat muxer name.
    var muxerName: String {
        switch self {
        case .webm: "webm"
        case .mp4: "mp4"
        case .mkv: "matroska"
        case .hls: "hls"
        }
    }
}

/// The codecs of recorded tracks.
public enum TrackCodec: String, Sendable, CaseIterable {
    case opus, aac, vp8, vp9, h264

    public var isAudio: Bool { self == .opus || self == .aac }
    public var isVideo: Bool { !isAudio }
}

/// One track of a container: its codec, clock and codec configuration.
public struct TrackDescription: Sendable, Equatable {
    public var codec: TrackCodec
    /// Clock rate: 48000 for opus/aac, 90000 for video; packets' pts/dts are in 1/timeBase units.
    public var timeBase: Int32
    /// avcC for h264, OpusHead for opus, AudioSpecificConfig for aac, empty for VP8/VP9.
    /// An empty OpusHead is replaced by a default one for `channels` at 48 kHz.
    public var extradata: [UInt8]
    public var width: Int = 0
    public var height: Int = 0
    public var sampleRate: Int = 48000
    public var channels: Int = 2

    public init(
        codec: TrackCodec,
        timeBase: Int32? = nil,
        extradata: [UInt8] = [],
        width: Int = 0,
        height: Int = 0,
        sampleRate: Int = 48000,
        channels: Int = 2
    ) {
        self.codec = codec
        self.timeBase = timeBase ?? (codec.isAudio ? Int32(clamping: sampleRate) : 90000)
        self.extradata = extradata
        self.width = width
        self.height = height
        self.sampleRate = sampleRate
        self.channels = channels
    }
}

/// Tuning of a ``Muxer``.
public struct MuxerOptions: Sendable, Equatable {
    /// HLS: the target segment duration in seconds (segments are cut at the first key frame after it).
    public var hlsTargetDuration: Double = 2
    /// HLS: segments kept by a rolling live playlist (see ``Muxer/rollingPlaylist(from:window:targetDuration:initName:)``).
    public var hlsLiveWindow: Int = 6
    /// MP4: the longest fragment in seconds; Matroska: the longest cluster.
    public var fragmentDuration: Double = 1

    public init(hlsTargetDuration: Double = 2, hlsLiveWindow: Int = 6, fragmentDuration: Double = 1) {
        self.hlsTargetDuration = hlsTargetDuration
        self.hlsLiveWindow = hlsLiveWindow
        self.fragmentDuration = fragmentDuration
    }
}

/// A compressed frame produced by a transcoder; timestamps in the transcoder's output clock.
public struct EncodedPacket: Sendable, Equatable {
    public var data: [UInt8]
    public var pts: Int64
    public var dts: Int64
    public var isKeyFrame: Bool
    public var duration: Int64

    public init(data: [UInt8], pts: Int64, dts: Int64, isKeyFrame: Bool, duration: Int64) {
        self.data = data
        self.pts = pts
        self.dts = dts
        self.isKeyFrame = isKeyFrame
        self.duration = duration
    }
}
