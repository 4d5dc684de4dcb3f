import NIOCore
import SluiceEngine
import SluiceRTP
import Testing

// A str0m-style harness for the sans-IO engine: one Room, virtual time, no sockets. The "sender"
// (the producer side) and the "receivers" (consumer transports) are plain SocketAddress values;
// everything the router wants sent is collected from its outbox, logged with the virtual time it
// left, and handed to test-supplied handlers that may answer (NACK → resend, PLI → key frame, …).

/// SplitMix64 (Steele, Lea, Flood 2014), for the engine's ids/SSRCs and for seeded packet loss.
/// (Named apart from the other test files' generator so both can live in one module.)
struct MediaSplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// True with probability `percent`/100.
    mutating func chance(percent: Int) -> Bool {
        Int(next() % 100) < percent
    }
}

/// VP8 payloads (RFC 7741): a one-byte descriptor, then the start of the VP8 frame.
enum MediaVp8 {
    /// First packet of a key frame: S=1, PID=0, then a frame tag with P=0 and the start code.
    static func keyFrame(_ filler: UInt8 = 0xAA) -> [UInt8] {
        [0x10, 0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A, 0x80, 0x02, 0xE0, 0x01] + [UInt8](repeating: filler, count: 40)
    }

    /// First packet of a delta frame: S=1, PID=0, frame tag with P=1.
    static func delta(_ filler: UInt8 = 0xBB) -> [UInt8] {
        [0x10, 0x11, 0x02, 0x00] + [UInt8](repeating: filler, count: 40)
    }

    static func isKeyFrame(_ packet: RtpPacket) -> Bool {
        KeyFrameDetector.isKeyFrame(mimeType: "video/VP8", payload: packet.payload)
    }
}

/// One datagram the router emitted, with the virtual time it left.
struct MediaDatagram {
    var at: MediaTime
    var transportId: String
    var socket: TransportSocket
    var destination: SocketAddress
    var data: ByteBuffer

    var packetClass: PacketClass { PacketClass.classify(data) }

    var rtp: RtpPacket? {
        guard packetClass == .rtp else { return nil }
        return try? RtpPacket(parsing: data)
    }

    var rtcp: [RtcpPacket]? {
        guard packetClass == .rtcp else { return nil }
        return try? RtcpCompound.parse(data)
    }
}

/// A consumer transport of the receiving broadcaster: connected to `address` with rtcp-mux.
struct MediaReceiver {
    var transportId: String
    var address: SocketAddress
}

/// A consumer as the test sees it.
struct MediaConsumer {
    var id: String
    var transportId: String
    var address: SocketAddress
    var ssrc: UInt32
    var rtxSsrc: UInt32?
    var payloadType: Int
    var rtxPayloadType: Int?
    var cname: String?
}

final class MediaHarness {
    static let senderAddress = mediaAddress("10.0.0.1", 6000)
    static let intruderAddress = mediaAddress("10.0.0.66", 6666)
    static let receiverAddress = mediaAddress("127.0.0.1", 5004)
    static let videoSsrc: UInt32 = 2222
    static let audioSsrc: UInt32 = 1111
    static let producerBroadcaster = "pub"
    static let consumerBroadcaster = "sub"
    static let routerCapabilities: RtpCapabilities = {
        do {
            return try Ortc.generateRouterRtpCapabilities(mediaCodecs: SupportedRtpCapabilities.defaultMediaCodecs)
        } catch {
            preconditionFailure("default media codecs must be accepted: \(error)")
        }
    }()
    static let videoFeedback = [RtcpFeedback(type: "nack"), RtcpFeedback(type: "nack", parameter: "pli")]

    let room: Room
    var router: Router { room.router }
    let sendTransportId: String
    let videoProducerId: String
    let audioProducerId: String
    private(set) var now: MediaTime
    private var nextTimeout: MediaTime
    private var scheduled: [(at: MediaTime, order: Int, action: () -> Void)] = []
    private var scheduleOrder = 0
    /// Everything the router sent, in order.
    private(set) var sent: [MediaDatagram] = []
    /// Called for every datagram the router emits (after it is logged); may feed the router again.
    var onDatagram: ((MediaDatagram) -> Void)?

    /// - Parameters:
    ///   - videoPayloadType: the PT the sender uses for VP8 (the router's is 101).
    ///   - videoFeedback: rtcpFeedback of the VP8 producer codec (nack + nack pli by default).
    init(
        seed: UInt64 = 1, start: MediaTime = MediaTime(milliseconds: 10_000), videoPayloadType: Int = 101,
        videoFeedback: [RtcpFeedback] = MediaHarness.videoFeedback
    ) throws {
        room = Room(
            id: "media-room",
            configuration: RouterConfiguration(
                rtpCapabilities: Self.routerCapabilities, dtlsFingerprints: [], ntpClock: NtpClock(offset: 0)),
            random: EngineRandom(MediaSplitMix64(seed: seed)))
        now = start
        nextTimeout = start
        _ = try room.createBroadcaster(
            BroadcasterOptions(id: Self.producerBroadcaster, displayName: "sender", device: BroadcasterDevice(name: "test")))
        sendTransportId = try room.createPlainTransport(
            broadcasterId: Self.producerBroadcaster, options: PlainTransportOptions(comedia: true, rtcpMux: true),
            binding: TransportBinding(listenIp: "127.0.0.1", announcedIp: "127.0.0.1", port: 40000)
        ).id
        videoProducerId = try room.produce(
            broadcasterId: Self.producerBroadcaster, transportId: sendTransportId,
            options: ProduceOptions(
                kind: .video,
                rtpParameters: RtpParameters(
                    codecs: [
                        RtpCodecParameters(
                            mimeType: "video/VP8", payloadType: videoPayloadType, clockRate: 90000, rtcpFeedback: videoFeedback)
                    ],
                    encodings: [RtpEncodingParameters(ssrc: Self.videoSsrc)])))
        audioProducerId = try room.produce(
            broadcasterId: Self.producerBroadcaster, transportId: sendTransportId,
            options: ProduceOptions(
                kind: .audio,
                rtpParameters: RtpParameters(
                    codecs: [RtpCodecParameters(mimeType: "audio/opus", payloadType: 100, clockRate: 48000, channels: 2)],
                    encodings: [RtpEncodingParameters(ssrc: Self.audioSsrc)])))
        _ = try room.createBroadcaster(
            BroadcasterOptions(
                id: Self.consumerBroadcaster, displayName: "receiver", device: BroadcasterDevice(name: "test"),
                rtpCapabilities: Self.routerCapabilities))
    }

    var sendTransport: Transport {
        guard let transport = router.transport(withId: sendTransportId) else { preconditionFailure("send transport gone") }
        return transport
    }

    // MARK: Receivers and consumers

    func addReceiver(port: Int = 5004) throws -> MediaReceiver {
        let id = try room.createPlainTransport(
            broadcasterId: Self.consumerBroadcaster, options: PlainTransportOptions(comedia: false, rtcpMux: true),
            binding: TransportBinding(listenIp: "127.0.0.1", announcedIp: "127.0.0.1", port: 41000 + port % 1000)
        ).id
        try room.connectPlainTransport(
            broadcasterId: Self.consumerBroadcaster, transportId: id,
            options: PlainTransportConnectOptions(ip: "127.0.0.1", port: port))
        return MediaReceiver(transportId: id, address: mediaAddress("127.0.0.1", port))
    }

    func consume(_ producerId: String, on receiver: MediaReceiver, paused: Bool = false) throws -> MediaConsumer {
        let state = try room.consume(
            broadcasterId: Self.consumerBroadcaster, transportId: receiver.transportId,
            options: ConsumeOptions(producerId: producerId, paused: paused))
        let media = state.rtpParameters.codecs.first { !$0.mimeType.lowercased().hasSuffix("/rtx") }
        let rtx = state.rtpParameters.codecs.first { $0.mimeType.lowercased().hasSuffix("/rtx") }
        return MediaConsumer(
            id: state.id, transportId: receiver.transportId, address: receiver.address,
            ssrc: state.rtpParameters.encodings[0].ssrc ?? 0, rtxSsrc: state.rtpParameters.encodings[0].rtx?.ssrc,
            payloadType: media?.payloadType ?? -1, rtxPayloadType: rtx?.payloadType, cname: state.rtpParameters.rtcp.cname)
    }

    // MARK: Time

    /// Runs due timers (every ``Router/timerInterval`` ms) and scheduled actions up to `target`,
    /// in time order; then `now` is `target`.
    func advance(to target: MediaTime) {
        while true {
            let event = scheduled.indices.min { lhs, rhs in
                (scheduled[lhs].at, scheduled[lhs].order) < (scheduled[rhs].at, scheduled[rhs].order)
            }
            let eventAt = event.map { scheduled[$0].at }
            if let event, let eventAt, eventAt <= target, eventAt < nextTimeout {
                let action = scheduled.remove(at: event).action
                now = max(now, eventAt)
                action()
                continue
            }
            guard nextTimeout <= target else { break }
            now = max(now, nextTimeout)
            router.handleTimeout(now: now)
            nextTimeout = nextTimeout + Router.timerInterval
            flush()
        }
        now = max(now, target)
    }

    func advance(by milliseconds: UInt64) { advance(to: now + milliseconds) }

    /// Runs `action` at virtual time `at` (during a later ``advance(to:)``).
    func schedule(at: MediaTime, _ action: @escaping () -> Void) {
        scheduleOrder += 1
        scheduled.append((at, scheduleOrder, action))
    }

    // MARK: Input

    /// A datagram from the sender (or any source) into the producer transport.
    func fromSender(_ data: ByteBuffer, source: SocketAddress = MediaHarness.senderAddress) {
        router.receive(data, on: sendTransport, socket: .rtp, from: source, now: now)
        flush()
    }

    func fromSender(_ packet: RtpPacket, source: SocketAddress = MediaHarness.senderAddress) {
        fromSender(packet.buffer, source: source)
    }

    /// RTCP from a receiver into its consumer transport.
    func fromReceiver(_ packets: [RtcpPacket], transportId: String, source: SocketAddress) {
        fromReceiver(RtcpCompound.serialize(packets), transportId: transportId, source: source)
    }

    func fromReceiver(_ data: ByteBuffer, transportId: String, source: SocketAddress) {
        guard let transport = router.transport(withId: transportId) else {
            Issue.record("no transport \(transportId)")
            return
        }
        router.receive(data, on: transport, socket: .rtp, from: source, now: now)
        flush()
    }

    func fromReceiver(_ packets: [RtcpPacket], consumer: MediaConsumer) {
        fromReceiver(packets, transportId: consumer.transportId, source: consumer.address)
    }

    /// Collects the outbox, logs it and hands each datagram to ``onDatagram``.
    func flush() {
        var batch: [MediaDatagram] = []
        router.drainOutbox { datagram in
            batch.append(
                MediaDatagram(
                    at: now, transportId: datagram.transport.id, socket: datagram.socket, destination: datagram.destination,
                    data: datagram.data))
        }
        for datagram in batch {
            sent.append(datagram)
            onDatagram?(datagram)
        }
    }

    // MARK: Packets

    static func video(
        seq: UInt16, timestamp: UInt32 = 0, keyFrame: Bool = false, payloadType: UInt8 = 101, ssrc: UInt32 = videoSsrc,
        marker: Bool = true
    ) -> RtpPacket {
        RtpPacket(
            payloadType: payloadType, sequenceNumber: seq, timestamp: timestamp, ssrc: ssrc, marker: marker,
            payload: keyFrame ? MediaVp8.keyFrame(UInt8(truncatingIfNeeded: seq)) : MediaVp8.delta(UInt8(truncatingIfNeeded: seq)))
    }

    static func audio(seq: UInt16, timestamp: UInt32 = 0) -> RtpPacket {
        RtpPacket(
            payloadType: 100, sequenceNumber: seq, timestamp: timestamp, ssrc: audioSsrc,
            payload: [0xFC] + [UInt8](repeating: UInt8(truncatingIfNeeded: seq), count: 30))
    }

    /// Sends one video packet from the sender at the current time.
    @discardableResult
    func sendVideo(seq: UInt16, keyFrame: Bool = false, payloadType: UInt8 = 101) -> RtpPacket {
        let packet = Self.video(seq: seq, timestamp: 3000 &* UInt32(seq), keyFrame: keyFrame, payloadType: payloadType)
        videoSent.append((now, seq, keyFrame))
        fromSender(packet)
        return packet
    }

    // MARK: A steady video source

    /// The sequence number of the next packet ``runVideo(until:every:keyFrameWhen:)`` sends.
    var nextVideoSeq: UInt16 = 1
    private var nextVideoAt: MediaTime?
    /// Set (e.g. by a PLI handler) to make the next packet of ``runVideo`` a key frame.
    var keyFrameNext = true
    /// PT the steady source writes.
    var videoPayloadType: UInt8 = 101
    /// Every packet ``sendVideo`` sent: time, sequence number, key frame.
    private(set) var videoSent: [(at: MediaTime, seq: UInt16, keyFrame: Bool)] = []

    /// Sends one video packet every `interval` ms until `target` (inclusive), advancing time. The first
    /// packet ever is a key frame; later ones when ``keyFrameNext`` is set or `keyFrameWhen` says so.
    func runVideo(until target: MediaTime, every interval: UInt64 = 20, keyFrameWhen: (MediaTime) -> Bool = { _ in false }) {
        var at = max(nextVideoAt ?? now, now)
        while at <= target {
            advance(to: at)
            let keyFrame = keyFrameNext || keyFrameWhen(at)
            keyFrameNext = false
            sendVideo(seq: nextVideoSeq, keyFrame: keyFrame, payloadType: videoPayloadType)
            nextVideoSeq &+= 1
            at = at + interval
        }
        nextVideoAt = at
        advance(to: target)
    }

    func runVideo(for milliseconds: UInt64, every interval: UInt64 = 20) {
        runVideo(until: now + milliseconds, every: interval)
    }

    // MARK: Log queries

    func rtp(to address: SocketAddress) -> [RtpPacket] {
        sent.filter { $0.destination == address }.compactMap(\.rtp)
    }

    func rtcp(to address: SocketAddress, since: MediaTime? = nil) -> [(at: MediaTime, packet: RtcpPacket)] {
        sent.filter { datagram in
            datagram.destination == address && (since.map { datagram.at >= $0 } ?? true)
        }.flatMap { datagram in
            (datagram.rtcp ?? []).map { (datagram.at, $0) }
        }
    }

    /// PLIs sent towards the sender for the video SSRC, with their times.
    func plisToSender(since: MediaTime? = nil) -> [MediaTime] {
        rtcp(to: Self.senderAddress, since: since).compactMap { entry in
            if case .pli(let pli) = entry.packet, pli.mediaSsrc == Self.videoSsrc { return entry.at }
            return nil
        }
    }

    func sendTransportStats() throws -> TransportStats {
        try room.transportStats(broadcasterId: Self.producerBroadcaster, transportId: sendTransportId)
    }

    func consumerStats(_ consumer: MediaConsumer) throws -> ConsumerStats {
        try room.consumerStats(broadcasterId: Self.consumerBroadcaster, consumerId: consumer.id, now: now)
    }

    func producerStats(_ producerId: String) throws -> ProducerStats {
        try room.producerStats(broadcasterId: Self.producerBroadcaster, producerId: producerId, now: now)
    }
}

func mediaAddress(_ ip: String, _ port: Int) -> SocketAddress {
    do {
        return try SocketAddress(ipAddress: ip, port: port)
    } catch {
        preconditionFailure("bad test address \(ip):\(port)")
    }
}

extension MediaTime {
    static func ms(_ value: UInt64) -> MediaTime { MediaTime(milliseconds: value) }
}

/// All drop counters added up.
extension TransportDropCounters {
    var total: Int {
        notRtpOrRtcp + malformedRtp + malformedRtcp + unknownSsrc + wrongSource + notConnected + srtpFailure
            + unknownPayloadType + waitingForKeyFrame
    }
}
