/// Something that happened inside a room, for the owner to act on (close sockets, notify clients).
public enum EngineEvent: Sendable, Hashable {
    case broadcasterClosed(broadcasterId: String)
    case transportClosed(transportId: String, broadcasterId: String)
    case producerClosed(producerId: String, broadcasterId: String)
    case producerPaused(producerId: String, broadcasterId: String)
    case producerResumed(producerId: String, broadcasterId: String)
    case consumerClosed(consumerId: String, broadcasterId: String)
    case consumerPaused(consumerId: String, broadcasterId: String)
    case consumerResumed(consumerId: String, broadcasterId: String)
    case consumerProducerPaused(consumerId: String, broadcasterId: String)
    case consumerProducerResumed(consumerId: String, broadcasterId: String)
    /// A simulcast or SVC consumer's current layers changed; nil when it stopped sending.
    case consumerLayersChanged(consumerId: String, broadcasterId: String, layers: ConsumerLayers?)
    /// A comedia transport learned where its peer sends from.
    case transportTupleLearned(transportId: String, broadcasterId: String, rtcp: Bool, remote: String)
    /// A WebRTC transport's ICE state changed.
    case iceStateChanged(transportId: String, broadcasterId: String, state: String)
    /// A WebRTC transport's DTLS state changed; `reason` says why it failed.
    case dtlsStateChanged(transportId: String, broadcasterId: String, state: String, reason: String?)
    /// A producer's or consumer's score changed (`kind` is "producer" or "consumer").
    case score(kind: String, id: String, broadcasterId: String, score: Int)
}
