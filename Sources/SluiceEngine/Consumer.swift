public import SluiceRTP

/// Media the router sends to a broadcaster: one producer, re-stamped for one transport.
public final class Consumer {
    public let id: String
    public let producerId: String
    public let kind: MediaKind
    public let transportId: String
    public let broadcasterId: String
    public let rtpParameters: RtpParameters
    public let type: RtpStreamType
    public internal(set) var paused: Bool
    public internal(set) var producerPaused: Bool
    let media: ConsumerMedia
    /// The transport it sends on. A strong reference: closing the consumer (which closing the
    /// transport does first) removes it from every list, so no cycle outlives a close.
    let transport: Transport

    init(
        id: String, producer: Producer, transportId: String, broadcasterId: String, rtpParameters: RtpParameters,
        paused: Bool, transport: Transport, random: inout EngineRandom
    ) {
        self.transport = transport
        self.media = ConsumerMedia(
            parameters: rtpParameters, producerParameters: producer.rtpParameters, producerType: producer.type,
            producerMappedSsrcs: producer.rtpMapping.encodings.map(\.mappedSsrc), kind: producer.kind, random: &random)
        self.id = id
        self.producerId = producer.id
        self.kind = producer.kind
        self.transportId = transportId
        self.broadcasterId = broadcasterId
        self.rtpParameters = rtpParameters
        self.type = producer.type
        self.paused = paused
        self.producerPaused = producer.paused
    }

    /// The layers a simulcast or SVC consumer aims for; nil for simple consumers.
    public var preferredLayers: ConsumerLayers? { media.layers?.selector.preferred }

    /// The layers a simulcast or SVC consumer is sending now; nil while it sends nothing (and for
    /// simple consumers, which have no layers).
    public var currentLayers: ConsumerLayers? {
        guard !paused, !producerPaused else { return nil }
        return media.layers?.current
    }

    /// Whether the consumer selects layers (simulcast or SVC).
    public var hasLayers: Bool { media.layers != nil }
}

/// Body (and query) of `POST …/transports/:transportId/consume`.
public struct ConsumeOptions: Sendable, Hashable {
    public var producerId: String
    public var paused: Bool
    /// Overrides the broadcaster's capabilities for this consumer.
    public var rtpCapabilities: RtpCapabilities?
    /// Retransmission on this consumer; defaults to on for video, off for audio.
    public var enableRtx: Bool?

    public init(producerId: String, paused: Bool = false, rtpCapabilities: RtpCapabilities? = nil, enableRtx: Bool? = nil) {
        self.producerId = producerId
        self.paused = paused
        self.rtpCapabilities = rtpCapabilities
        self.enableRtx = enableRtx
    }
}
