/// How a producer's payload types and SSRCs map onto the router's.
public struct RtpMapping: Sendable, Hashable, Codable {
    public struct CodecMapping: Sendable, Hashable, Codable {
        public var payloadType: Int
        public var mappedPayloadType: Int
    }

    public struct EncodingMapping: Sendable, Hashable, Codable {
        public var ssrc: UInt32?
        public var rid: String?
        public var scalabilityMode: String?
        public var mappedSsrc: UInt32
    }

    public var codecs: [CodecMapping]
    public var encodings: [EncodingMapping]

    public func mappedPayloadType(for payloadType: Int) -> Int? {
        codecs.first { $0.payloadType == payloadType }?.mappedPayloadType
    }
}

extension Ortc {
    /// Maps a producer's codecs onto router codecs (strict matching; H264 answers written back
    /// into `parameters`) and gives each encoding a router SSRC starting at `mappedSsrcBase`.
    public static func producerRtpMapping(
        _ parameters: inout RtpParameters, routerCapabilities: RtpCapabilities, mappedSsrcBase: UInt32
    ) throws(OrtcError) -> RtpMapping {
        var mappedPayloadTypes: [Int: Int] = [:]
        for index in parameters.codecs.indices where !parameters.codecs[index].isRtx {
            var codec = parameters.codecs[index]
            guard let capability = routerCapabilities.codecs.first(where: {
                !$0.isRtx && CodecMatching.matches(&codec, $0, strict: true, modify: true)
            }), let routerPayloadType = capability.preferredPayloadType
            else {
                throw .unsupported(
                    "unsupported codec [mimeType:\(codec.mimeType), payloadType:\(codec.payloadType)]: the room has no matching codec"
                )
            }
            parameters.codecs[index] = codec
            mappedPayloadTypes[codec.payloadType] = routerPayloadType
        }
        for codec in parameters.codecs where codec.isRtx {
            let apt = codec.parameters["apt"]?.intValue ?? -1
            guard let mediaPayloadType = mappedPayloadTypes[apt],
                parameters.codecs.contains(where: { $0.payloadType == apt && !$0.isRtx })
            else {
                throw .invalid("rtpParameters.codecs: no media codec with payloadType \(apt) for RTX payloadType \(codec.payloadType)")
            }
            guard let rtxCapability = routerCapabilities.codecs.first(where: {
                $0.isRtx && $0.parameters["apt"]?.intValue == mediaPayloadType
            }), let rtxPayloadType = rtxCapability.preferredPayloadType
            else {
                throw .unsupported("no RTX codec in the room for codec payloadType \(mediaPayloadType)")
            }
            mappedPayloadTypes[codec.payloadType] = rtxPayloadType
        }
        let codecs = parameters.codecs.compactMap { codec -> RtpMapping.CodecMapping? in
            mappedPayloadTypes[codec.payloadType].map { .init(payloadType: codec.payloadType, mappedPayloadType: $0) }
        }
        var encodings: [RtpMapping.EncodingMapping] = []
        for (index, encoding) in parameters.encodings.enumerated() {
            encodings.append(
                .init(
                    ssrc: encoding.ssrc, rid: encoding.rid, scalabilityMode: encoding.scalabilityMode,
                    mappedSsrc: mappedSsrcBase &+ UInt32(truncatingIfNeeded: index)
                ))
        }
        return RtpMapping(codecs: codecs, encodings: encodings)
    }

    /// What consumers of a producer can receive: router payload types with the producer's codec
    /// parameters, the router's sendable header extensions of that kind, mapped SSRCs.
    public static func consumableRtpParameters(
        kind: MediaKind, parameters: RtpParameters, routerCapabilities: RtpCapabilities, mapping: RtpMapping
    ) -> RtpParameters {
        var consumable = RtpParameters()
        for codec in parameters.codecs where !codec.isRtx {
            guard let payloadType = mapping.mappedPayloadType(for: codec.payloadType),
                let capability = routerCapabilities.codecs.first(where: { $0.preferredPayloadType == payloadType })
            else { continue }
            consumable.codecs.append(
                RtpCodecParameters(
                    mimeType: capability.mimeType, payloadType: payloadType, clockRate: capability.clockRate,
                    channels: capability.channels, parameters: codec.parameters, rtcpFeedback: capability.rtcpFeedback
                ))
            if let rtx = routerCapabilities.codecs.first(where: { $0.isRtx && $0.parameters["apt"]?.intValue == payloadType }),
                let rtxPayloadType = rtx.preferredPayloadType
            {
                consumable.codecs.append(
                    RtpCodecParameters(
                        mimeType: rtx.mimeType, payloadType: rtxPayloadType, clockRate: rtx.clockRate,
                        parameters: rtx.parameters, rtcpFeedback: rtx.rtcpFeedback
                    ))
            }
        }
        for ext in routerCapabilities.headerExtensions
        where ext.kind == kind && (ext.direction == .sendrecv || ext.direction == .sendonly) {
            consumable.headerExtensions.append(
                RtpHeaderExtensionParameters(uri: ext.uri, id: ext.preferredId, encrypt: ext.preferredEncrypt)
            )
        }
        for (index, encoding) in parameters.encodings.enumerated() where index < mapping.encodings.count {
            var consumableEncoding = encoding
            consumableEncoding.ssrc = mapping.encodings[index].mappedSsrc
            consumableEncoding.rid = nil
            consumableEncoding.rtx = nil
            consumableEncoding.codecPayloadType = nil
            consumable.encodings.append(consumableEncoding)
        }
        consumable.rtcp = RtcpParameters(cname: parameters.rtcp.cname, reducedSize: true)
        return consumable
    }

    /// Producer type: several encodings are simulcast; one encoding with several layers is SVC
    /// for VP9/AV1 and simulcast (temporal layers) otherwise.
    public static func producerType(_ parameters: RtpParameters) -> RtpStreamType {
        if parameters.encodings.count > 1 { return .simulcast }
        guard let encoding = parameters.encodings.first else { return .simple }
        let mode = ScalabilityMode(parsing: encoding.scalabilityMode)
        guard mode.spatialLayers > 1 || mode.temporalLayers > 1 else { return .simple }
        let mime = parameters.codecs.first(where: { !$0.isRtx })?.mimeType.lowercased() ?? ""
        return mime == "video/vp9" || mime == "video/av1" ? .svc : .simulcast
    }
}
