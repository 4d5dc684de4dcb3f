/// Turns in-order packets (and gaps) from a ``ReorderBuffer`` into frames.
///
/// Video is only ever emitted from a key frame on: a stream starts out waiting for one, and any gap,
/// malformed packet or frame whose start is missing discards the frame concerned and makes the stream wait
/// for the next key frame again, so no delta frame is emitted whose references are missing. While it
/// waits, ``needsKeyFrame`` is true (the caller asks the sender for a key frame).
///
/// Malformed payloads are dropped and counted in ``malformed``; no byte sequence traps.
public struct Depacketizer: Sendable {
    public let codec: RecordedCodec

    public private(set) var dimensions: VideoDimensions?
    private var waitingForKeyFrame = true
    private var opusMalformed = 0
    private var vp8 = VP8Assembler()
    private var vp9 = VP9Assembler()
    private var h264 = H264Assembler()

    public init(codec: RecordedCodec) {
        self.codec = codec
    }

    /// Video only: waiting for a key frame, from the start until the first key frame and again after any
    /// loss until the next one.
    public var needsKeyFrame: Bool {
        codec.isVideo && waitingForKeyFrame
    }

    /// H264 only: the current SPS and PPS, once both were seen (in STAP-A, single NAL unit or FU-A packets).
    public var h264ParameterSets: H264ParameterSets? {
        codec == .h264 ? h264.parameterSets : nil
    }

    /// Packets dropped because the payload was malformed (plus VP8 key frames without a valid header).
    public var malformed: Int {
        switch codec {
        case .opus: opusMalformed
        case .vp8: vp8.malformed
        case .vp9: vp9.malformed
        case .h264: h264.malformed
        }
    }

    /// Feeds the next in-order output of the ``ReorderBuffer``; returns the frames it completes.
    public mutating func push(_ output: ReorderOutput) -> [EncodedFrame] {
        switch output {
        case .gap:
            switch codec {
            case .opus: break
            case .vp8: vp8.discard()
            case .vp9: vp9.discard()
            case .h264: h264.discard()
            }
            if codec.isVideo { waitingForKeyFrame = true }
            return []
        case .packet(let packet):
            switch codec {
            case .opus:
                guard !packet.payload.isEmpty else {
                    opusMalformed += 1
                    return []
                }
                return [EncodedFrame(data: packet.payload, timestamp: packet.timestamp, isKeyFrame: true, arrival: packet.arrival)]
            case .vp8:
                return gate(vp8.push(packet))
            case .vp9:
                return gate(vp9.push(packet))
            case .h264:
                return gate(h264.push(packet))
            }
        }
    }

    /// Passes key frames, and delta frames only while the chain since the last key frame is unbroken.
    private mutating func gate(_ events: [AssemblyEvent]) -> [EncodedFrame] {
        var frames: [EncodedFrame] = []
        for event in events {
            switch event {
            case .broken:
                waitingForKeyFrame = true
            case .frame(let frame, let size):
                if frame.isKeyFrame {
                    waitingForKeyFrame = false
                    if let size { dimensions = size }
                } else if waitingForKeyFrame {
                    continue
                }
                frames.append(frame)
            }
        }
        return frames
    }
}
