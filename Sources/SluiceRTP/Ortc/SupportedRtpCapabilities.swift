/// Header extension URIs the engine knows.
public enum RtpHeaderExtensionUri {
    public static let mid = "urn:ietf:params:rtp-hdrext:sdes:mid"
    public static let rtpStreamId = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"
    public static let repairedRtpStreamId = "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"
    public static let absSendTime = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
    public static let transportWideCc = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
    public static let audioLevel = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
    public static let videoOrientation = "urn:3gpp:video-orientation"
    public static let toffset = "urn:ietf:params:rtp-hdrext:toffset"
    public static let absCaptureTime = "http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time"
    public static let playoutDelay = "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay"
}

/// Everything the engine can route: router capabilities are drawn from this list.
public enum SupportedRtpCapabilities {
    static let videoFeedback: [RtcpFeedback] = [
        RtcpFeedback(type: "nack"), RtcpFeedback(type: "nack", parameter: "pli"),
        RtcpFeedback(type: "ccm", parameter: "fir"), RtcpFeedback(type: "goog-remb"),
        RtcpFeedback(type: "transport-cc"),
    ]
    static let opusFeedback: [RtcpFeedback] = [RtcpFeedback(type: "nack"), RtcpFeedback(type: "transport-cc")]
    static let plainAudioFeedback: [RtcpFeedback] = [RtcpFeedback(type: "transport-cc")]

    public static let codecs: [RtpCodecCapability] = [
        RtpCodecCapability(kind: .audio, mimeType: "audio/opus", clockRate: 48000, channels: 2, rtcpFeedback: opusFeedback),
        RtpCodecCapability(kind: .audio, mimeType: "audio/multiopus", clockRate: 48000, channels: 4, rtcpFeedback: opusFeedback),
        RtpCodecCapability(kind: .audio, mimeType: "audio/PCMU", preferredPayloadType: 0, clockRate: 8000, rtcpFeedback: plainAudioFeedback),
        RtpCodecCapability(kind: .audio, mimeType: "audio/PCMA", preferredPayloadType: 8, clockRate: 8000, rtcpFeedback: plainAudioFeedback),
        RtpCodecCapability(kind: .audio, mimeType: "audio/G722", preferredPayloadType: 9, clockRate: 8000, rtcpFeedback: plainAudioFeedback),
        RtpCodecCapability(kind: .audio, mimeType: "audio/telephone-event", clockRate: 48000),
        RtpCodecCapability(kind: .audio, mimeType: "audio/telephone-event", clockRate: 8000),
        RtpCodecCapability(kind: .video, mimeType: "video/VP8", clockRate: 90000, rtcpFeedback: videoFeedback),
        RtpCodecCapability(kind: .video, mimeType: "video/VP9", clockRate: 90000, rtcpFeedback: videoFeedback),
        RtpCodecCapability(kind: .video, mimeType: "video/H264", clockRate: 90000, rtcpFeedback: videoFeedback),
        RtpCodecCapability(kind: .video, mimeType: "video/H265", clockRate: 90000, rtcpFeedback: videoFeedback),
        RtpCodecCapability(kind: .video, mimeType: "video/AV1", clockRate: 90000, rtcpFeedback: videoFeedback),
    ]

    public static let headerExtensions: [RtpHeaderExtension] = {
        typealias Uri = RtpHeaderExtensionUri
        return [
            RtpHeaderExtension(kind: .audio, uri: Uri.mid, preferredId: 1),
            RtpHeaderExtension(kind: .video, uri: Uri.mid, preferredId: 1),
            RtpHeaderExtension(kind: .video, uri: Uri.rtpStreamId, preferredId: 2, direction: .recvonly),
            RtpHeaderExtension(kind: .video, uri: Uri.repairedRtpStreamId, preferredId: 3, direction: .recvonly),
            RtpHeaderExtension(kind: .audio, uri: Uri.absSendTime, preferredId: 4),
            RtpHeaderExtension(kind: .video, uri: Uri.absSendTime, preferredId: 4),
            // Audio takes transport-wide sequence numbers on receive only, as the reference engine does.
            RtpHeaderExtension(kind: .audio, uri: Uri.transportWideCc, preferredId: 5, direction: .recvonly),
            RtpHeaderExtension(kind: .video, uri: Uri.transportWideCc, preferredId: 5),
            RtpHeaderExtension(kind: .audio, uri: Uri.audioLevel, preferredId: 10),
            RtpHeaderExtension(kind: .video, uri: Uri.videoOrientation, preferredId: 11),
            RtpHeaderExtension(kind: .video, uri: Uri.toffset, preferredId: 12),
            RtpHeaderExtension(kind: .audio, uri: Uri.absCaptureTime, preferredId: 13),
            RtpHeaderExtension(kind: .video, uri: Uri.absCaptureTime, preferredId: 13),
            RtpHeaderExtension(kind: .audio, uri: Uri.playoutDelay, preferredId: 14),
            RtpHeaderExtension(kind: .video, uri: Uri.playoutDelay, preferredId: 14),
        ]
    }()

    /// The media codecs a room gets unless configured otherwise (mediasoup-demo's list).
    public static let defaultMediaCodecs: [RtpCodecCapability] = [
        RtpCodecCapability(kind: .audio, mimeType: "audio/opus", clockRate: 48000, channels: 2),
        RtpCodecCapability(kind: .video, mimeType: "video/VP8", clockRate: 90000, parameters: ["x-google-start-bitrate": .int(1000)]),
        RtpCodecCapability(
            kind: .video, mimeType: "video/VP9", clockRate: 90000,
            parameters: ["profile-id": .int(2), "x-google-start-bitrate": .int(1000)]
        ),
        RtpCodecCapability(
            kind: .video, mimeType: "video/h264", clockRate: 90000,
            parameters: [
                "packetization-mode": .int(1), "profile-level-id": .string("4d0032"),
                "level-asymmetry-allowed": .int(1), "x-google-start-bitrate": .int(1000),
            ]
        ),
        RtpCodecCapability(
            kind: .video, mimeType: "video/h264", clockRate: 90000,
            parameters: [
                "packetization-mode": .int(1), "profile-level-id": .string("42e01f"),
                "level-asymmetry-allowed": .int(1), "x-google-start-bitrate": .int(1000),
            ]
        ),
    ]
}
