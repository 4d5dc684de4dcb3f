/// Codecs the recorder understands, from the RTP mimeType (case-insensitive "audio/opus", "video/VP8",
/// "video/VP9", "video/H264").
public enum RecordedCodec: String, Sendable, Hashable {
    case opus, vp8, vp9, h264

    /// The codec for an RTP mimeType such as `"video/VP8"`; `nil` for anything the recorder cannot record
    /// (including a known codec name under the wrong media type, e.g. `"video/opus"`).
    public init?(mimeType: String) {
        switch mimeType.lowercased() {
        case "audio/opus": self = .opus
        case "video/vp8": self = .vp8
        case "video/vp9": self = .vp9
        case "video/h264": self = .h264
        default: return nil
        }
    }

    /// `true` for VP8, VP9 and H264.
    public var isVideo: Bool {
        switch self {
        case .opus: false
        case .vp8, .vp9, .h264: true
        }
    }
}
