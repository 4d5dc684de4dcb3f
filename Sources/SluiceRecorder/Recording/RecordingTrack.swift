internal import NIOCore
internal import SluiceRTP

/// One producer inside a recording: packets → in order → frames → timeline.
final class RecordingTrack {
    let info: RecorderTrackInfo
    let codec: RecordedCodec
    /// The codec written to the container (differs when transcoding).
    let outputCodec: TrackCodec
    var reorder = ReorderBuffer()
    var depacketizer: Depacketizer
    var clock: TrackClock
    var closed = false
    var paused: Bool
    /// Frames placed on the timeline, waiting for the output to open (or for their turn).
    var pending: [OutputPacket] = []
    /// Index of this track in the current output part, if it is in it.
    var outputIndex: Int?
    var lastPts: Int64 = .min
    var lastDuration: Int64 = 0
    var framesWritten = 0
    var keyFrameRequests = 0
    var lastKeyFrameRequestAt: Double = -.infinity
    var lastKeyFrameTime: Double?
    var lastWrittenTime: Double?
    var audioTranscoder: OpusToAacTranscoder?
    var videoTranscoder: Vp8ToH264Transcoder?
    var malformedPackets = 0
    /// Why this track is not recorded (an unsupported codec for the format, a failed transcoder).
    var error: String?
    /// Video: the next packet written must be a key frame (a new output part, a gap).
    var needsKeyFrameInOutput = true
    var lastForcedKeyFramePts: Int64?

    init(info: RecorderTrackInfo, codec: RecordedCodec, outputCodec: TrackCodec) {
        self.info = info
        self.codec = codec
        self.outputCodec = outputCodec
        self.depacketizer = Depacketizer(codec: codec)
        self.clock = TrackClock(clockRate: info.clockRate)
        self.paused = info.paused
    }

    var isVideo: Bool { codec.isVideo }
    var timeBase: Int32 { isVideo ? 90000 : 48000 }
    var transcodes: Bool { outputCodec.rawValue != codec.rawValue }

    /// A track is ready to open an output once it can describe itself: audio at once, video
    /// with a key frame in hand (and its parameter sets).
    var isReady: Bool {
        guard isVideo else { return !pending.isEmpty }
        return pending.contains { $0.isKeyFrame } && description() != nil
    }

    /// Takes one RTP packet; returns frames completed by it.
    func receive(_ buffer: ByteBuffer, arrival: Double) -> [EncodedFrame] {
        guard let packet = try? RtpPacket(parsing: buffer), !packet.isPaddingOnly else {
            malformedPackets += 1
            return []
        }
        guard Int(packet.payloadType) == info.payloadType else { return [] }
        let payload = Array(packet.payload)
        let input = RecorderPacket(
            sequenceNumber: packet.sequenceNumber, timestamp: packet.timestamp, marker: packet.marker, payload: payload, arrival: arrival)
        var frames: [EncodedFrame] = []
        for output in reorder.insert(input) {
            frames.append(contentsOf: depacketizer.push(output))
        }
        return frames
    }

    /// Ends what is in flight (pause, close, stop).
    func drain() -> [EncodedFrame] {
        var frames: [EncodedFrame] = []
        for output in reorder.flush() {
            frames.append(contentsOf: depacketizer.push(output))
        }
        return frames
    }

    /// Forgets sequence and timestamp history so the next packets start afresh (after a pause
    /// the sender may have restarted); video waits for a key frame again.
    func restart() {
        reorder.reset()
        depacketizer = Depacketizer(codec: codec)
        clock.reset()
    }

    /// The container's description of this track, once its parameters are known.
    func description() -> TrackDescription? {
        switch outputCodec {
        case .opus:
            return TrackDescription(codec: .opus, timeBase: 48000, extradata: opusHead(channels: max(1, info.channels)), channels: max(1, info.channels))
        case .aac:
            guard let transcoder = audioTranscoder else { return nil }
            return TrackDescription(codec: .aac, timeBase: 48000, extradata: transcoder.extradata, channels: 2)
        case .vp8, .vp9:
            let size = depacketizer.dimensions
            return TrackDescription(codec: outputCodec, timeBase: 90000, extradata: [], width: size?.width ?? 0, height: size?.height ?? 0)
        case .h264:
            if let transcoder = videoTranscoder {
                guard let extradata = transcoder.extradata else { return nil }
                return TrackDescription(codec: .h264, timeBase: 90000, extradata: extradata, width: transcoder.width, height: transcoder.height)
            }
            guard let sets = depacketizer.h264ParameterSets else { return nil }
            let size = sets.dimensions ?? depacketizer.dimensions
            return TrackDescription(
                codec: .h264, timeBase: 90000, extradata: sets.avcDecoderConfigurationRecord, width: size?.width ?? 0, height: size?.height ?? 0)
        }
    }
}

/// A frame ready for the container: pts counts from the recording's epoch in the track's time base.
struct OutputPacket {
    var data: [UInt8]
    var pts: Int64
    var isKeyFrame: Bool
    /// In the track's time base; 0 when unknown.
    var duration: Int64 = 0
    /// Seconds on the local clock.
    var time: Double
}
