/// A codec as used by one producer or consumer.
public struct RtpCodecParameters: Sendable, Hashable, Codable {
    public var mimeType: String
    public var payloadType: Int
    public var clockRate: Int
    public var channels: Int?
    public var parameters: CodecParameters
    public var rtcpFeedback: [RtcpFeedback]

    public init(
        mimeType: String, payloadType: Int, clockRate: Int, channels: Int? = nil,
        parameters: CodecParameters = [:], rtcpFeedback: [RtcpFeedback] = []
    ) {
        self.mimeType = mimeType
        self.payloadType = payloadType
        self.clockRate = clockRate
        self.channels = channels
        self.parameters = parameters
        self.rtcpFeedback = rtcpFeedback
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.mimeType = try container.decode(String.self, forKey: .mimeType)
        self.payloadType = try container.decode(Int.self, forKey: .payloadType)
        self.clockRate = try container.decode(Int.self, forKey: .clockRate)
        self.channels = try container.decodeIfPresent(Int.self, forKey: .channels)
        self.parameters = try container.decodeIfPresent(CodecParameters.self, forKey: .parameters) ?? [:]
        self.rtcpFeedback = try container.decodeIfPresent([RtcpFeedback].self, forKey: .rtcpFeedback) ?? []
    }
}

/// A header extension as negotiated for one producer or consumer.
public struct RtpHeaderExtensionParameters: Sendable, Hashable, Codable {
    public var uri: String
    public var id: Int
    public var encrypt: Bool
    public var parameters: CodecParameters

    public init(uri: String, id: Int, encrypt: Bool = false, parameters: CodecParameters = [:]) {
        self.uri = uri
        self.id = id
        self.encrypt = encrypt
        self.parameters = parameters
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.uri = try container.decode(String.self, forKey: .uri)
        self.id = try container.decode(Int.self, forKey: .id)
        self.encrypt = try container.decodeIfPresent(Bool.self, forKey: .encrypt) ?? false
        self.parameters = try container.decodeIfPresent(CodecParameters.self, forKey: .parameters) ?? [:]
    }
}

/// The RTX stream of an encoding.
public struct RtxParameters: Sendable, Hashable, Codable {
    public var ssrc: UInt32
    public init(ssrc: UInt32) { self.ssrc = ssrc }
}

/// One RTP stream (simulcast layer or the single stream) of a producer or consumer.
public struct RtpEncodingParameters: Sendable, Hashable, Codable {
    public var ssrc: UInt32?
    public var rid: String?
    public var codecPayloadType: Int?
    public var rtx: RtxParameters?
    public var dtx: Bool?
    public var scalabilityMode: String?
    public var maxBitrate: Int?
    public var maxFramerate: Double?
    public var scaleResolutionDownBy: Double?
    public var active: Bool?

    public init(
        ssrc: UInt32? = nil, rid: String? = nil, codecPayloadType: Int? = nil, rtx: RtxParameters? = nil,
        dtx: Bool? = nil, scalabilityMode: String? = nil, maxBitrate: Int? = nil
    ) {
        self.ssrc = ssrc
        self.rid = rid
        self.codecPayloadType = codecPayloadType
        self.rtx = rtx
        self.dtx = dtx
        self.scalabilityMode = scalabilityMode
        self.maxBitrate = maxBitrate
    }
}

/// RTCP settings of a producer or consumer.
public struct RtcpParameters: Sendable, Hashable, Codable {
    public var cname: String?
    public var reducedSize: Bool?
    public var mux: Bool?

    public init(cname: String? = nil, reducedSize: Bool? = nil, mux: Bool? = nil) {
        self.cname = cname
        self.reducedSize = reducedSize
        self.mux = mux
    }
}

/// Everything that describes what a producer sends or a consumer receives.
public struct RtpParameters: Sendable, Hashable, Codable {
    public var mid: String?
    public var codecs: [RtpCodecParameters]
    public var headerExtensions: [RtpHeaderExtensionParameters]
    public var encodings: [RtpEncodingParameters]
    public var rtcp: RtcpParameters

    public init(
        mid: String? = nil, codecs: [RtpCodecParameters] = [], headerExtensions: [RtpHeaderExtensionParameters] = [],
        encodings: [RtpEncodingParameters] = [], rtcp: RtcpParameters = RtcpParameters()
    ) {
        self.mid = mid
        self.codecs = codecs
        self.headerExtensions = headerExtensions
        self.encodings = encodings
        self.rtcp = rtcp
    }

    /// Decodes with the ORTC defaults: no `encodings` means one empty encoding.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.mid = try container.decodeIfPresent(String.self, forKey: .mid)
        self.codecs = try container.decode([RtpCodecParameters].self, forKey: .codecs)
        self.headerExtensions =
            try container.decodeIfPresent([RtpHeaderExtensionParameters].self, forKey: .headerExtensions) ?? []
        self.encodings = try container.decodeIfPresent([RtpEncodingParameters].self, forKey: .encodings) ?? [RtpEncodingParameters()]
        self.rtcp = try container.decodeIfPresent(RtcpParameters.self, forKey: .rtcp) ?? RtcpParameters()
    }
}

/// Producer type as consumers see it.
public enum RtpStreamType: String, Sendable, Hashable, Codable {
    case simple, simulcast, svc, pipe
}
