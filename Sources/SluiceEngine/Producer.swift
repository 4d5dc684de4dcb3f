public import SluiceRTP

/// Media a broadcaster sends into the router on one of its transports.
public final class Producer {
    public let id: String
    public let kind: MediaKind
    public let transportId: String
    public let broadcasterId: String
    /// The parameters as the producer sends them (after validation and H264 answer rewriting).
    public let rtpParameters: RtpParameters
    public let type: RtpStreamType
    public let rtpMapping: RtpMapping
    /// What consumers of this producer can receive.
    public let consumableRtpParameters: RtpParameters
    public internal(set) var paused: Bool
    /// Consumers in the order they were created; the packet path walks this list.
    private(set) var consumers: [Consumer] = []
    let media: ProducerMedia
    var keyFrameRequestsSent = 0
    /// Recorders attached inside the process.
    var taps: [any ProducerTap] = []
    /// Creation order within the router, so selections list producers as they were made.
    let createdOrder: Int

    init(
        id: String, kind: MediaKind, transportId: String, broadcasterId: String, rtpParameters: RtpParameters,
        rtpMapping: RtpMapping, consumableRtpParameters: RtpParameters, paused: Bool, routerCapabilities: RtpCapabilities,
        createdOrder: Int = 0
    ) {
        self.createdOrder = createdOrder
        self.media = ProducerMedia(parameters: rtpParameters, mapping: rtpMapping, routerCapabilities: routerCapabilities)
        self.id = id
        self.kind = kind
        self.transportId = transportId
        self.broadcasterId = broadcasterId
        self.rtpParameters = rtpParameters
        self.type = Ortc.producerType(rtpParameters)
        self.rtpMapping = rtpMapping
        self.consumableRtpParameters = consumableRtpParameters
        self.paused = paused
    }

    func addConsumer(_ consumer: Consumer) { consumers.append(consumer) }
    func removeConsumer(_ consumer: Consumer) { consumers.removeAll { $0 === consumer } }
}

/// Body of `POST …/transports/:transportId/producers`.
public struct ProduceOptions: Sendable, Hashable {
    public var kind: MediaKind
    public var rtpParameters: RtpParameters
    public var paused: Bool

    public init(kind: MediaKind, rtpParameters: RtpParameters, paused: Bool = false) {
        self.kind = kind
        self.rtpParameters = rtpParameters
        self.paused = paused
    }
}
