extension Ortc {
    static let validPayloadTypes = 0...127
    static let validHeaderExtensionIds = 1...255

    static func validateCapabilityCodec(_ codec: RtpCodecCapability, field: String) throws(OrtcError) {
        // As in the reference engine, the mime type decides the kind; a disagreeing `kind` is ignored.
        guard MediaKind(mimeType: codec.mimeType) != nil else {
            throw .invalid("\(field).mimeType: '\(codec.mimeType)' must look like audio/NAME or video/NAME")
        }
        if let payloadType = codec.preferredPayloadType, !validPayloadTypes.contains(payloadType) {
            throw .invalid("\(field).preferredPayloadType: \(payloadType) is outside 0-127")
        }
        guard codec.clockRate > 0 else { throw .invalid("\(field).clockRate: must be positive") }
        if let channels = codec.channels, !(1...255).contains(channels) {
            throw .invalid("\(field).channels: \(channels) is outside 1-255")
        }
        if codec.isRtx, codec.parameters["apt"]?.intValue == nil {
            throw .invalid("\(field).parameters.apt: an RTX codec needs a numeric apt")
        }
    }

    /// Checks remote capabilities (a broadcaster's `rtpCapabilities`).
    public static func validateRtpCapabilities(_ capabilities: RtpCapabilities) throws(OrtcError) {
        for (index, codec) in capabilities.codecs.enumerated() {
            try validateCapabilityCodec(codec, field: "rtpCapabilities.codecs[\(index)]")
        }
        for (index, ext) in capabilities.headerExtensions.enumerated() {
            guard !ext.uri.isEmpty else { throw .invalid("rtpCapabilities.headerExtensions[\(index)].uri: must not be empty") }
            guard validHeaderExtensionIds.contains(ext.preferredId) else {
                throw .invalid("rtpCapabilities.headerExtensions[\(index)].preferredId: \(ext.preferredId) is outside 1-255")
            }
        }
    }

    /// Checks and normalises a producer's RTP parameters: audio channels default to 1, video
    /// codecs carry none; `rtcp.reducedSize` defaults to true.
    public static func validateProducerRtpParameters(_ parameters: inout RtpParameters, kind: MediaKind) throws(OrtcError) {
        let field = "rtpParameters"
        if let mid = parameters.mid, mid.isEmpty { throw .invalid("\(field).mid: must not be empty") }
        guard !parameters.codecs.isEmpty else { throw .invalid("\(field).codecs: at least one codec is required") }
        var payloadTypes = Set<Int>()
        for index in parameters.codecs.indices {
            let codecField = "\(field).codecs[\(index)]"
            let codec = parameters.codecs[index]
            guard let codecKind = MediaKind(mimeType: codec.mimeType) else {
                throw .invalid("\(codecField).mimeType: '\(codec.mimeType)' must look like audio/NAME or video/NAME")
            }
            guard codecKind == kind else {
                throw .invalid("\(codecField).mimeType: '\(codec.mimeType)' is not a \(kind.rawValue) codec")
            }
            guard validPayloadTypes.contains(codec.payloadType) else {
                throw .invalid("\(codecField).payloadType: \(codec.payloadType) is outside 0-127")
            }
            guard payloadTypes.insert(codec.payloadType).inserted else {
                throw .invalid("\(codecField).payloadType: \(codec.payloadType) is used twice")
            }
            guard codec.clockRate > 0 else { throw .invalid("\(codecField).clockRate: must be positive") }
            if kind == .audio {
                let channels = codec.channels ?? 1
                guard (1...255).contains(channels) else {
                    throw .invalid("\(codecField).channels: \(channels) is outside 1-255")
                }
                parameters.codecs[index].channels = channels
            } else {
                parameters.codecs[index].channels = nil
            }
            if codec.isRtx, codec.parameters["apt"]?.intValue == nil {
                throw .invalid("\(codecField).parameters.apt: an RTX codec needs a numeric apt")
            }
        }
        if parameters.codecs[0].isRtx {
            throw .invalid("\(field).codecs[0]: the first codec must be a media codec, not RTX")
        }
        var extensionIds = Set<Int>()
        for (index, ext) in parameters.headerExtensions.enumerated() {
            let extField = "\(field).headerExtensions[\(index)]"
            guard !ext.uri.isEmpty else { throw .invalid("\(extField).uri: must not be empty") }
            guard validHeaderExtensionIds.contains(ext.id) else {
                throw .invalid("\(extField).id: \(ext.id) is outside 1-255")
            }
            guard extensionIds.insert(ext.id).inserted else { throw .invalid("\(extField).id: \(ext.id) is used twice") }
        }
        try validateEncodings(parameters, field: field)
        try validateLayers(parameters, kind: kind, field: field)
        if parameters.rtcp.reducedSize == nil { parameters.rtcp.reducedSize = true }
    }

    /// Simulcast (several encodings) is for VP8 and H264; layers of any kind are for video.
    private static func validateLayers(_ parameters: RtpParameters, kind: MediaKind, field: String) throws(OrtcError) {
        let mime = parameters.codecs.first { !$0.isRtx }?.mimeType.lowercased() ?? ""
        if parameters.encodings.count > 1 && mime != "video/vp8" && mime != "video/h264" {
            throw .unsupported("\(field).encodings: simulcast (several encodings) is supported for VP8 and H264 only, not \(mime)")
        }
        if kind == .audio {
            for (index, encoding) in parameters.encodings.enumerated() {
                let mode = ScalabilityMode(parsing: encoding.scalabilityMode)
                if mode.spatialLayers > 1 || mode.temporalLayers > 1 {
                    throw .unsupported("\(field).encodings[\(index)].scalabilityMode: audio has no layers")
                }
            }
        }
    }

    private static func validateEncodings(_ parameters: RtpParameters, field: String) throws(OrtcError) {
        guard !parameters.encodings.isEmpty else { throw .invalid("\(field).encodings: must not be empty") }
        for (index, encoding) in parameters.encodings.enumerated() {
            let encodingField = "\(field).encodings[\(index)]"
            if let rid = encoding.rid, rid.isEmpty { throw .invalid("\(encodingField).rid: must not be empty") }
            if let payloadType = encoding.codecPayloadType,
                !parameters.codecs.contains(where: { $0.payloadType == payloadType && !$0.isRtx })
            {
                throw .invalid("\(encodingField).codecPayloadType: \(payloadType) names no media codec")
            }
            if let maxBitrate = encoding.maxBitrate, maxBitrate < 0 {
                throw .invalid("\(encodingField).maxBitrate: must not be negative")
            }
            if parameters.encodings.count > 1, encoding.ssrc == nil, encoding.rid == nil {
                throw .invalid("\(encodingField): with several encodings each needs an ssrc or a rid")
            }
        }
        let ssrcs = parameters.encodings.flatMap { [$0.ssrc, $0.rtx?.ssrc].compactMap { $0 } }
        guard Set(ssrcs).count == ssrcs.count else { throw .invalid("\(field).encodings: an ssrc is used twice") }
        let rids = parameters.encodings.compactMap(\.rid)
        guard Set(rids).count == rids.count else { throw .invalid("\(field).encodings: a rid is used twice") }
        if parameters.encodings.count == 1, parameters.mid == nil,
            parameters.encodings[0].ssrc == nil, parameters.encodings[0].rid == nil
        {
            throw .invalid("\(field): without a mid, the encoding needs an ssrc or a rid so its packets can be matched")
        }
    }
}
