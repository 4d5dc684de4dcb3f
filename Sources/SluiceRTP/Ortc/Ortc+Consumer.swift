extension Ortc {
    /// Whether an endpoint with `capabilities` can receive what a producer offers.
    public static func canConsume(_ consumable: RtpParameters, capabilities: RtpCapabilities) -> Bool {
        let matching = consumable.codecs.filter { codec in
            capabilities.codecs.contains { CodecMatching.matches($0, codec, strict: true) }
        }
        guard let first = matching.first else { return false }
        return !first.isRtx
    }

    /// The parameters a consumer receives with: codecs both sides handle (router payload types,
    /// feedback from the consumer's capabilities), header extensions with the same URI and id,
    /// and one encoding with a fresh SSRC (`ssrc + 1` for RTX).
    public static func consumerRtpParameters(
        consumable: RtpParameters, capabilities: RtpCapabilities, enableRtx: Bool, ssrc: UInt32
    ) throws(OrtcError) -> RtpParameters {
        var consumer = RtpParameters(rtcp: consumable.rtcp)
        for var codec in consumable.codecs {
            if !enableRtx && codec.isRtx { continue }
            guard let capability = capabilities.codecs.first(where: { CodecMatching.matches($0, codec, strict: true) })
            else { continue }
            codec.rtcpFeedback = capability.rtcpFeedback.filter { enableRtx || $0.type != "nack" || !$0.parameter.isEmpty }
            consumer.codecs.append(codec)
        }
        // RTX entries whose media codec did not survive are useless.
        let mediaPayloadTypes = Set(consumer.codecs.filter { !$0.isRtx }.map(\.payloadType))
        consumer.codecs.removeAll { codec in
            codec.isRtx && !mediaPayloadTypes.contains(codec.parameters["apt"]?.intValue ?? -1)
        }
        let rtxSupported = consumer.codecs.contains(where: \.isRtx)
        guard let first = consumer.codecs.first, !first.isRtx else {
            throw .unsupported("no compatible media codecs: the consumer's rtpCapabilities match none of the producer's codecs")
        }
        consumer.headerExtensions = consumable.headerExtensions.filter { ext in
            capabilities.headerExtensions.contains { $0.preferredId == ext.id && $0.uri == ext.uri }
        }
        // Transport-wide congestion control wins over REMB; without either extension, neither.
        let uris = Set(consumer.headerExtensions.map(\.uri))
        let dropped: Set<String>
        if uris.contains(RtpHeaderExtensionUri.transportWideCc) {
            dropped = ["goog-remb"]
        } else if uris.contains(RtpHeaderExtensionUri.absSendTime) {
            dropped = ["transport-cc"]
        } else {
            dropped = ["transport-cc", "goog-remb"]
        }
        for index in consumer.codecs.indices {
            consumer.codecs[index].rtcpFeedback.removeAll { dropped.contains($0.type) }
        }
        var encoding = RtpEncodingParameters(ssrc: ssrc)
        if rtxSupported { encoding.rtx = RtxParameters(ssrc: ssrc &+ 1) }
        var scalabilityMode = consumable.encodings.first(where: { $0.scalabilityMode != nil })?.scalabilityMode
        if consumable.encodings.count > 1 {
            let temporalLayers = ScalabilityMode(parsing: scalabilityMode).temporalLayers
            scalabilityMode = "L\(consumable.encodings.count)T\(temporalLayers)"
        }
        encoding.scalabilityMode = scalabilityMode
        encoding.maxBitrate = consumable.encodings.compactMap(\.maxBitrate).max()
        consumer.encodings = [encoding]
        return consumer
    }
}
