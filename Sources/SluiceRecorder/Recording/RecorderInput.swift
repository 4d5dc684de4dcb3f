public import NIOCore

/// A producer as the recorder needs to know it.
public struct RecorderTrackInfo: Sendable, Hashable {
    public var producerId: String
    public var isVideo: Bool
    /// The codec's mime type ("audio/opus", "video/VP8", …).
    public var mimeType: String
    public var payloadType: Int
    public var clockRate: Int
    public var channels: Int
    /// Tracks that share a CNAME share a sender clock.
    public var cname: String
    public var paused: Bool

    public init(producerId: String, isVideo: Bool, mimeType: String, payloadType: Int, clockRate: Int, channels: Int, cname: String, paused: Bool) {
        self.producerId = producerId
        self.isVideo = isVideo
        self.mimeType = mimeType
        self.payloadType = payloadType
        self.clockRate = clockRate
        self.channels = channels
        self.cname = cname
        self.paused = paused
    }
}

/// What a recording is fed from the packet path. Times are seconds on the caller's monotonic clock.
public enum RecorderInput: Sendable {
    case trackAdded(RecorderTrackInfo)
    /// One whole RTP packet (header included).
    case rtp(producerId: String, packet: ByteBuffer, arrival: Double)
    /// The sender's wall clock (NTP, seconds) at RTP timestamp `rtpTimestamp`.
    case senderReport(producerId: String, ntpSeconds: Double, rtpTimestamp: UInt32, arrival: Double)
    case paused(producerId: String)
    case resumed(producerId: String)
    case closed(producerId: String)

    /// Control items are never dropped, whatever the queue's fill.
    var isControl: Bool {
        switch self {
        case .rtp, .senderReport: return false
        case .trackAdded, .paused, .resumed, .closed: return true
        }
    }
}
