/// ORTC rules: turning codec lists and parameters into what routers, producers and consumers use.
public enum Ortc {
    static let dynamicPayloadTypes: [Int] = Array(100...127) + Array(96...99)

    /// Builds a router's capabilities from its media codecs.
    ///
    /// Each codec must exist in ``SupportedRtpCapabilities``. Payload types come from the codec's
    /// `preferredPayloadType`, else the supported codec's static one, else the next free dynamic
    /// type; each video codec is followed by its `video/rtx` entry.
    public static func generateRouterRtpCapabilities(
        mediaCodecs: [RtpCodecCapability]
    ) throws(OrtcError) -> RtpCapabilities {
        var codecs: [RtpCodecCapability] = []
        var dynamicPool = dynamicPayloadTypes
        // Payload types asked for explicitly are reserved first so later codecs do not take them.
        let requested = mediaCodecs.compactMap(\.preferredPayloadType)
        dynamicPool.removeAll { requested.contains($0) }
        var used = Set<Int>()

        func nextDynamic() throws(OrtcError) -> Int {
            while let candidate = dynamicPool.first {
                dynamicPool.removeFirst()
                if !used.contains(candidate) { return candidate }
            }
            throw .invalid("cannot allocate more dynamic codec payload types")
        }

        for (index, mediaCodec) in mediaCodecs.enumerated() {
            try validateCapabilityCodec(mediaCodec, field: "mediaCodecs[\(index)]")
            guard !mediaCodec.isRtx else {
                throw .invalid("mediaCodecs[\(index)]: media codecs must not be RTX")
            }
            guard let supported = SupportedRtpCapabilities.codecs.first(where: {
                CodecMatching.matches(mediaCodec, $0, strict: false)
            }) else {
                throw .unsupported("media codec not supported [mimeType:\(mediaCodec.mimeType)]")
            }
            let payloadType: Int
            if let preferred = mediaCodec.preferredPayloadType {
                guard !used.contains(preferred) else {
                    throw .invalid("mediaCodecs[\(index)]: duplicated preferredPayloadType \(preferred)")
                }
                payloadType = preferred
            } else if let staticType = supported.preferredPayloadType, !used.contains(staticType) {
                payloadType = staticType
            } else {
                payloadType = try nextDynamic()
            }
            used.insert(payloadType)
            var parameters = supported.parameters
            parameters.merge(mediaCodec.parameters) { _, new in new }
            let codec = RtpCodecCapability(
                kind: supported.kind, mimeType: supported.mimeType, preferredPayloadType: payloadType,
                clockRate: supported.clockRate, channels: supported.kind == .audio ? (mediaCodec.channels ?? 1) : nil,
                parameters: parameters, rtcpFeedback: supported.rtcpFeedback
            )
            codecs.append(codec)
            if codec.kind == .video {
                let rtxPayloadType = try nextDynamic()
                used.insert(rtxPayloadType)
                codecs.append(
                    RtpCodecCapability(
                        kind: .video, mimeType: "video/rtx", preferredPayloadType: rtxPayloadType,
                        clockRate: codec.clockRate, parameters: ["apt": .int(payloadType)], rtcpFeedback: []
                    )
                )
            }
        }
        return RtpCapabilities(codecs: codecs, headerExtensions: SupportedRtpCapabilities.headerExtensions)
    }
}
