import SluiceRTP

/// Which `OrtcError` case a call produced, for tables of expected failures.
enum OrtcErrorKind: String, Sendable, CustomStringConvertible {
    case invalid, unsupported
    /// Something other than an `OrtcError` was thrown.
    case otherError
    var description: String { rawValue }

    init(_ error: OrtcError) {
        switch error {
        case .invalid: self = .invalid
        case .unsupported: self = .unsupported
        }
    }
}

/// Runs `body` and reports the kind of `OrtcError` it threw, or nil when it succeeded.
func ortcErrorKind(_ body: () throws -> Void) -> OrtcErrorKind? {
    do {
        try body()
        return nil
    } catch let error as OrtcError {
        return OrtcErrorKind(error)
    } catch {
        return .otherError
    }
}

enum Fixtures {
    /// The router capabilities of a room with mediasoup-demo's default codecs.
    static let routerCapabilities: RtpCapabilities = {
        do {
            return try Ortc.generateRouterRtpCapabilities(mediaCodecs: SupportedRtpCapabilities.defaultMediaCodecs)
        } catch {
            preconditionFailure("default media codecs must be accepted: \(error)")
        }
    }()

    static func opus(pt: Int = 100, channels: Int? = 2, parameters: CodecParameters = [:]) -> RtpCodecParameters {
        RtpCodecParameters(mimeType: "audio/opus", payloadType: pt, clockRate: 48000, channels: channels, parameters: parameters)
    }

    static func vp8(pt: Int = 101, parameters: CodecParameters = [:]) -> RtpCodecParameters {
        RtpCodecParameters(mimeType: "video/VP8", payloadType: pt, clockRate: 90000, parameters: parameters)
    }

    static func vp9(pt: Int = 103, profileId: Int? = 2) -> RtpCodecParameters {
        RtpCodecParameters(
            mimeType: "video/VP9", payloadType: pt, clockRate: 90000,
            parameters: profileId.map { ["profile-id": .int($0)] } ?? [:])
    }

    static func h264(pt: Int = 102, profileLevelId: String? = "42e01f", packetizationMode: Int? = 1, asymmetry: Int? = nil)
        -> RtpCodecParameters
    {
        var parameters: CodecParameters = [:]
        if let profileLevelId { parameters["profile-level-id"] = .string(profileLevelId) }
        if let packetizationMode { parameters["packetization-mode"] = .int(packetizationMode) }
        if let asymmetry { parameters["level-asymmetry-allowed"] = .int(asymmetry) }
        return RtpCodecParameters(mimeType: "video/H264", payloadType: pt, clockRate: 90000, parameters: parameters)
    }

    static func rtx(pt: Int, apt: ParameterValue?) -> RtpCodecParameters {
        RtpCodecParameters(
            mimeType: "video/rtx", payloadType: pt, clockRate: 90000, parameters: apt.map { ["apt": $0] } ?? [:])
    }

    /// What ffmpeg's reference script produces for audio.
    static var audioParameters: RtpParameters {
        RtpParameters(codecs: [opus(parameters: ["sprop-stereo": .int(1)])], encodings: [RtpEncodingParameters(ssrc: 1111)])
    }

    /// What ffmpeg's reference script produces for video.
    static var videoParameters: RtpParameters {
        RtpParameters(codecs: [vp8()], encodings: [RtpEncodingParameters(ssrc: 2222)])
    }

    /// Validates, maps and builds the consumable parameters, as the router does on produce.
    static func produce(
        _ parameters: RtpParameters, kind: MediaKind, mappedSsrcBase: UInt32 = 500_000_000
    ) throws(OrtcError) -> (parameters: RtpParameters, mapping: RtpMapping, consumable: RtpParameters) {
        var parameters = parameters
        try Ortc.validateProducerRtpParameters(&parameters, kind: kind)
        let mapping = try Ortc.producerRtpMapping(
            &parameters, routerCapabilities: routerCapabilities, mappedSsrcBase: mappedSsrcBase)
        let consumable = Ortc.consumableRtpParameters(
            kind: kind, parameters: parameters, routerCapabilities: routerCapabilities, mapping: mapping)
        return (parameters, mapping, consumable)
    }

    static func consumable(_ parameters: RtpParameters, kind: MediaKind) -> RtpParameters {
        do {
            return try produce(parameters, kind: kind).consumable
        } catch {
            preconditionFailure("fixture parameters must be accepted: \(error)")
        }
    }
}

extension RtpCodecCapability {
    /// A capability as a receiving endpoint (a browser, mediasoup-client) would advertise it.
    static func receiver(
        _ mimeType: String, pt: Int, clockRate: Int = 90000, channels: Int? = nil, parameters: CodecParameters = [:],
        feedback: [RtcpFeedback] = []
    ) -> RtpCodecCapability {
        RtpCodecCapability(
            kind: MediaKind(mimeType: mimeType) ?? .video, mimeType: mimeType, preferredPayloadType: pt, clockRate: clockRate,
            channels: channels, parameters: parameters, rtcpFeedback: feedback)
    }
}
