public import SluiceRTP

/// A transport of a router: where a broadcaster's RTP comes in and goes out.
///
/// Owns its producers and consumers (by id); the router holds the objects.
public final class Transport {
    public enum Variant {
        case plain(PlainTransportState)
        case webRtc(WebRtcTransportState)
    }

    public let id: String
    public let broadcasterId: String
    public internal(set) var variant: Variant
    let media: TransportMedia
    /// CNAME given to producers whose parameters carry none.
    let cnameForProducers: String
    private(set) var producerIds: [String] = []
    private(set) var consumerIds: [String] = []
    private var nextMidForConsumers = 0
    /// Producer lookup tables of the RTP listener: by SSRC (media and RTX), MID and RID.
    private var ssrcTable: [UInt32: String] = [:]
    private var midTable: [String: String] = [:]
    private var ridTable: [String: String] = [:]
    /// SSRC → producer object, the packet path's lookup (no string hashing per packet).
    private var producersBySsrc: [UInt32: Producer] = [:]

    init(id: String, broadcasterId: String, variant: Variant, cname: String, rtcpSsrc: UInt32) {
        self.media = TransportMedia(rtcpSsrc: rtcpSsrc)
        self.id = id
        self.broadcasterId = broadcasterId
        self.variant = variant
        self.cnameForProducers = cname
    }

    var isConnected: Bool {
        switch variant {
        case .plain: return media.rtpRemote != nil
        case .webRtc(let webRtc): return webRtc.remoteDtlsParameters != nil
        }
    }

    /// Reserves the producer's SSRCs, MID and RIDs; fails without side effects on a clash.
    func addProducer(id producerId: String, parameters: RtpParameters) throws(EngineError) {
        let ssrcs = parameters.encodings.flatMap { [$0.ssrc, $0.rtx?.ssrc].compactMap { $0 } }
        for ssrc in ssrcs where ssrcTable[ssrc] != nil {
            throw .conflict("ssrc \(ssrc) is already used by another producer on transport \(id)")
        }
        if let mid = parameters.mid, midTable[mid] != nil {
            throw .conflict("mid '\(mid)' is already used by another producer on transport \(id)")
        }
        let rids = parameters.encodings.compactMap(\.rid)
        // RIDs only need to be unique among producers without a MID to tell them apart.
        if parameters.mid == nil {
            for rid in rids where ridTable[rid] != nil {
                throw .conflict("rid '\(rid)' is already used by another producer on transport \(id)")
            }
        }
        for ssrc in ssrcs { ssrcTable[ssrc] = producerId }
        if let mid = parameters.mid { midTable[mid] = producerId }
        if parameters.mid == nil { for rid in rids { ridTable[rid] = producerId } }
        producerIds.append(producerId)
    }

    /// The producer id for an SSRC, MID or RID seen on this transport.
    func producerId(ssrc: UInt32) -> String? { ssrcTable[ssrc] }
    func producerId(mid: String) -> String? { midTable[mid] }
    func producerId(rid: String) -> String? { ridTable[rid] }
    func producer(ssrc: UInt32) -> Producer? { producersBySsrc[ssrc] }

    func learn(ssrc: UInt32, producer: Producer) {
        ssrcTable[ssrc] = producer.id
        producersBySsrc[ssrc] = producer
    }

    /// Makes the producer's declared SSRCs visible to the packet path.
    func register(_ producer: Producer) {
        for (ssrc, id) in ssrcTable where id == producer.id { producersBySsrc[ssrc] = producer }
    }

    func removeProducer(id producerId: String) {
        producerIds.removeAll { $0 == producerId }
        ssrcTable = ssrcTable.filter { $0.value != producerId }
        midTable = midTable.filter { $0.value != producerId }
        ridTable = ridTable.filter { $0.value != producerId }
        producersBySsrc = producersBySsrc.filter { $0.value.id != producerId }
    }

    /// The MID for the next consumer: "0", "1", … as the reference engine numbers them.
    func allocateConsumerMid() -> String {
        defer { nextMidForConsumers = (nextMidForConsumers + 1) % 100_000_000 }
        return String(nextMidForConsumers)
    }

    func addConsumer(id consumerId: String) { consumerIds.append(consumerId) }
    func removeConsumer(id consumerId: String) { consumerIds.removeAll { $0 == consumerId } }
}
