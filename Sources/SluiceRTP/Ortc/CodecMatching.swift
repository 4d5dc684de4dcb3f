/// The codec fields ORTC matching looks at, shared by capabilities and parameters.
public protocol RtpCodecDescribing {
    var mimeType: String { get }
    var clockRate: Int { get }
    var channels: Int? { get }
    var parameters: CodecParameters { get set }
}

extension RtpCodecCapability: RtpCodecDescribing {}
extension RtpCodecParameters: RtpCodecDescribing {}

extension RtpCodecDescribing {
    /// `video/rtx` and friends carry retransmissions, not media.
    public var isRtx: Bool { mimeType.lowercased().hasSuffix("/rtx") }
    var lowercasedMimeType: String { mimeType.lowercased() }
}

public enum CodecMatching {
    /// Whether two codecs match.
    ///
    /// Loose matching compares mime type, clock rate and channels. Strict matching also compares
    /// H264 packetization mode and profile, and VP9 profile. With `modify`, the H264
    /// `profile-level-id` of the answer is written into `a`.
    public static func matches<A: RtpCodecDescribing, B: RtpCodecDescribing>(
        _ a: inout A, _ b: B, strict: Bool, modify: Bool = false
    ) -> Bool {
        let mime = a.lowercasedMimeType
        guard mime == b.lowercasedMimeType, a.clockRate == b.clockRate else { return false }
        if mime.hasPrefix("audio/") && (a.channels ?? 1) != (b.channels ?? 1) { return false }
        switch mime {
        case "audio/multiopus":
            let keys = ["num_streams", "coupled_streams"]
            for key in keys where a.parameters[key]?.intValue != b.parameters[key]?.intValue { return false }
        case "video/h264", "video/h264-svc":
            guard strict else { return true }
            guard a.parameters.int("packetization-mode", default: 0) == b.parameters.int("packetization-mode", default: 0),
                H264ProfileLevelId.isSameProfile(a.parameters, b.parameters)
            else { return false }
            let answer: String?
            do {
                answer = try H264ProfileLevelId.answer(local: a.parameters, remote: b.parameters)
            } catch {
                return false
            }
            if modify {
                if let answer {
                    a.parameters["profile-level-id"] = .string(answer)
                } else {
                    a.parameters["profile-level-id"] = nil
                }
            }
        case "video/vp9":
            guard strict else { return true }
            guard a.parameters.int("profile-id", default: 0) == b.parameters.int("profile-id", default: 0) else {
                return false
            }
        default:
            break
        }
        return true
    }

    /// Non-mutating form for checks that must not rewrite their input.
    public static func matches<A: RtpCodecDescribing, B: RtpCodecDescribing>(_ a: A, _ b: B, strict: Bool) -> Bool {
        var copy = a
        return matches(&copy, b, strict: strict, modify: false)
    }
}
