/// A complete encoded frame.
public struct EncodedFrame: Sendable {
    /// Opus: the packet. VP8/VP9: the frame, payload descriptors stripped. H264: AVCC, 4-byte big-endian
    /// length-prefixed NAL units, with SPS, PPS, AUD and filler data removed (parameter sets go to
    /// ``Depacketizer/h264ParameterSets``).
    public var data: [UInt8]
    /// RTP timestamp.
    public var timestamp: UInt32
    public var isKeyFrame: Bool
    /// Arrival of the frame's first packet.
    public var arrival: Double

    public init(data: [UInt8], timestamp: UInt32, isKeyFrame: Bool, arrival: Double) {
        self.data = data
        self.timestamp = timestamp
        self.isKeyFrame = isKeyFrame
        self.arrival = arrival
    }
}

/// Width and height of a video frame in pixels.
public struct VideoDimensions: Sendable, Hashable {
    public var width: Int
    public var height: Int

    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }
}
