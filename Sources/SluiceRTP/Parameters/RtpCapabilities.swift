/// Media kind of a codec, producer or consumer.
public enum MediaKind: String, Sendable, Hashable, Codable, CaseIterable {
    case audio
    case video

    /// The kind named by a mime type's top-level type (`audio/opus` → audio).
    public init?(mimeType: String) {
        let parts = mimeType.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[1].isEmpty, let kind = MediaKind(rawValue: parts[0].lowercased()) else { return nil }
        self = kind
    }
}

/// Direction of a header extension as seen by the router.
public enum RtpHeaderExtensionDirection: String, Sendable, Hashable, Codable {
    case sendrecv, sendonly, recvonly, inactive
}

/// One RTCP feedback mechanism (`nack`, `nack pli`, `ccm fir`, `goog-remb`, `transport-cc`).
public struct RtcpFeedback: Sendable, Hashable, Codable {
    public var type: String
    /// Empty string when the feedback has no parameter, as mediasoup clients expect.
    public var parameter: String

    public init(type: String, parameter: String = "") {
        self.type = type
        self.parameter = parameter
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.type = try container.decode(String.self, forKey: .type)
        self.parameter = try container.decodeIfPresent(String.self, forKey: .parameter) ?? ""
    }
}

/// A codec the router (or a remote endpoint) can handle.
public struct RtpCodecCapability: Sendable, Hashable, Codable {
    public var kind: MediaKind
    public var mimeType: String
    public var preferredPayloadType: Int?
    public var clockRate: Int
    public var channels: Int?
    public var parameters: CodecParameters
    public var rtcpFeedback: [RtcpFeedback]

    public init(
        kind: MediaKind, mimeType: String, preferredPayloadType: Int? = nil, clockRate: Int,
        channels: Int? = nil, parameters: CodecParameters = [:], rtcpFeedback: [RtcpFeedback] = []
    ) {
        self.kind = kind
        self.mimeType = mimeType
        self.preferredPayloadType = preferredPayloadType
        self.clockRate = clockRate
        self.channels = channels
        self.parameters = parameters
        self.rtcpFeedback = rtcpFeedback
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.mimeType = try container.decode(String.self, forKey: .mimeType)
        if let kind = try container.decodeIfPresent(MediaKind.self, forKey: .kind) {
            self.kind = kind
        } else if let kind = MediaKind(mimeType: mimeType) {
            self.kind = kind
        } else {
            throw DecodingError.dataCorruptedError(
                forKey: .mimeType, in: container, debugDescription: "must look like audio/NAME or video/NAME")
        }
        self.preferredPayloadType = try container.decodeIfPresent(Int.self, forKey: .preferredPayloadType)
        self.clockRate = try container.decode(Int.self, forKey: .clockRate)
        self.channels = try container.decodeIfPresent(Int.self, forKey: .channels)
        self.parameters = try container.decodeIfPresent(CodecParameters.self, forKey: .parameters) ?? [:]
        self.rtcpFeedback = try container.decodeIfPresent([RtcpFeedback].self, forKey: .rtcpFeedback) ?? []
    }
}

/// A header extension the router (or a remote endpoint) can handle.
public struct RtpHeaderExtension: Sendable, Hashable, Codable {
    public var kind: MediaKind
    public var uri: String
    public var preferredId: Int
    public var preferredEncrypt: Bool
    public var direction: RtpHeaderExtensionDirection

    public init(
        kind: MediaKind, uri: String, preferredId: Int, preferredEncrypt: Bool = false,
        direction: RtpHeaderExtensionDirection = .sendrecv
    ) {
        self.kind = kind
        self.uri = uri
        self.preferredId = preferredId
        self.preferredEncrypt = preferredEncrypt
        self.direction = direction
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.kind = try container.decode(MediaKind.self, forKey: .kind)
        self.uri = try container.decode(String.self, forKey: .uri)
        self.preferredId = try container.decode(Int.self, forKey: .preferredId)
        self.preferredEncrypt = try container.decodeIfPresent(Bool.self, forKey: .preferredEncrypt) ?? false
        self.direction = try container.decodeIfPresent(RtpHeaderExtensionDirection.self, forKey: .direction) ?? .sendrecv
    }
}

/// What an endpoint can send or receive: the shape `GET /rooms/:roomId` returns.
public struct RtpCapabilities: Sendable, Hashable, Codable {
    public var codecs: [RtpCodecCapability]
    public var headerExtensions: [RtpHeaderExtension]

    public init(codecs: [RtpCodecCapability] = [], headerExtensions: [RtpHeaderExtension] = []) {
        self.codecs = codecs
        self.headerExtensions = headerExtensions
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.codecs = try container.decodeIfPresent([RtpCodecCapability].self, forKey: .codecs) ?? []
        self.headerExtensions = try container.decodeIfPresent([RtpHeaderExtension].self, forKey: .headerExtensions) ?? []
    }
}
