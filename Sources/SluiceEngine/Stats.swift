public import SluiceRTP
internal import NIOCore

/// Counters of a transport (`GET …/transports/:id/stats`).
public struct TransportStats: Sendable, Hashable, Codable {
    public var id: String
    public var type: String
    public var bytesReceived: Int
    public var bytesSent: Int
    public var rtpPacketsReceived: Int
    public var rtcpPacketsReceived: Int
    public var rtpPacketsSent: Int
    public var rtcpPacketsSent: Int
    public var remoteRtp: String?
    public var remoteRtcp: String?
    /// Datagrams dropped, by reason.
    public var dropped: TransportDropCounters
}

/// One received stream of a producer.
public struct InboundStreamStats: Sendable, Hashable, Codable {
    public var ssrc: UInt32
    public var mappedSsrc: UInt32
    public var rtxSsrc: UInt32?
    public var packetsReceived: Int
    public var bytesReceived: Int
    public var packetsLost: Int
    public var packetsDiscarded: Int
    public var packetsRetransmitted: Int
    public var packetsRepaired: Int
    public var nackPackets: Int
    public var jitter: UInt32
    public var bitrate: Int
    public var score: Int
}

public struct ProducerStats: Sendable, Hashable, Codable {
    public var id: String
    public var kind: MediaKind
    public var paused: Bool
    public var score: Int
    public var keyFrameRequestsSent: Int
    public var keyFrameRequestsCoalesced: Int
    public var packetsDroppedUnknownPayloadType: Int
    public var streams: [InboundStreamStats]
}

public struct ConsumerStats: Sendable, Hashable, Codable {
    public var id: String
    public var producerId: String
    public var kind: MediaKind
    public var ssrc: UInt32
    public var rtxSsrc: UInt32?
    public var packetsSent: Int
    public var bytesSent: Int
    public var bitrate: Int
    public var packetsRetransmitted: Int
    public var packetsDroppedWaitingForKeyFrame: Int
    public var nackCount: Int
    public var pliCount: Int
    public var firCount: Int
    /// From the receiver's reports.
    public var fractionLost: UInt8
    public var packetsLost: Int
    public var jitter: UInt32
    /// Milliseconds; absent until a receiver report allowed measuring it.
    public var roundTripTime: UInt64?
    public var score: Int
}

extension Room {
    public func transportStats(broadcasterId: String, transportId: String) throws(EngineError) -> TransportStats {
        let transport = try router.transport(transportId, of: try requiredBroadcasterId(broadcasterId))
        let media = transport.media
        return TransportStats(
            id: transport.id, type: transport.state.type, bytesReceived: media.bytesReceived, bytesSent: media.bytesSent,
            rtpPacketsReceived: media.rtpPacketsReceived, rtcpPacketsReceived: media.rtcpPacketsReceived,
            rtpPacketsSent: media.rtpPacketsSent, rtcpPacketsSent: media.rtcpPacketsSent,
            remoteRtp: media.rtpRemote.map(\.endpointText), remoteRtcp: media.rtcpRemote.map(\.endpointText), dropped: media.drops)
    }

    public func producerStats(broadcasterId: String, producerId: String, now: MediaTime) throws(EngineError) -> ProducerStats {
        let producer = try router.producer(producerId, of: try requiredBroadcasterId(broadcasterId))
        let streams = producer.media.streams.compactMap { $0 }.map { stream in
            InboundStreamStats(
                ssrc: stream.ssrc, mappedSsrc: stream.mappedSsrc, rtxSsrc: stream.rtxSsrc,
                packetsReceived: stream.packetsReceived, bytesReceived: stream.bytesReceived, packetsLost: stream.lost,
                packetsDiscarded: stream.packetsDiscarded, packetsRetransmitted: stream.packetsRetransmitted,
                packetsRepaired: stream.nack?.recoveredPackets ?? 0, nackPackets: stream.nack?.nackedPackets ?? 0,
                jitter: stream.jitter, bitrate: stream.bitrate.current(now: now), score: stream.score.score)
        }
        return ProducerStats(
            id: producer.id, kind: producer.kind, paused: producer.paused, score: streams.map(\.score).max() ?? 0,
            keyFrameRequestsSent: producer.keyFrameRequestsSent,
            keyFrameRequestsCoalesced: producer.media.keyFrameRequests.coalesced,
            packetsDroppedUnknownPayloadType: producer.media.packetsDroppedUnknownPayloadType, streams: streams)
    }

    public func consumerStats(broadcasterId: String, consumerId: String, now: MediaTime) throws(EngineError) -> ConsumerStats {
        let consumer = try router.consumer(consumerId, of: try requiredBroadcasterId(broadcasterId))
        let stream = consumer.media.stream
        return ConsumerStats(
            id: consumer.id, producerId: consumer.producerId, kind: consumer.kind, ssrc: stream.ssrc, rtxSsrc: stream.rtxSsrc,
            packetsSent: stream.packetsSent, bytesSent: stream.bytesSent, bitrate: stream.bitrate.current(now: now),
            packetsRetransmitted: stream.packetsRetransmitted,
            packetsDroppedWaitingForKeyFrame: consumer.media.packetsDroppedWaitingForKeyFrame, nackCount: stream.nackCount,
            pliCount: stream.pliCount, firCount: stream.firCount, fractionLost: stream.fractionLost,
            packetsLost: stream.packetsLost, jitter: stream.receiverJitter,
            roundTripTime: stream.rttMeasured ? stream.rttMilliseconds : nil, score: stream.score.score)
    }

    /// Asks the consumer's producer for a key frame (`POST …/consumers/:id/request-key-frame`).
    public func requestKeyFrame(broadcasterId: String, consumerId: String, now: MediaTime) throws(EngineError) {
        let consumer = try router.consumer(consumerId, of: try requiredBroadcasterId(broadcasterId))
        router.consumerRequestedKeyFrame(consumer, now: now)
    }

    private func requiredBroadcasterId(_ broadcasterId: String) throws(EngineError) -> String {
        try requireBroadcaster(broadcasterId)
        return broadcasterId
    }
}

extension SocketAddress {
    /// `ip:port` (`[ip]:port` for IPv6), as clients write addresses.
    var endpointText: String {
        let ip = ipAddress ?? "?"
        let port = self.port.map(String.init) ?? "?"
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}
