import NIOCore

/// Transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01
/// §3.1): RTPFB (PT=205), FMT=15.
///
/// ```
/// |V=2|P|  FMT=15 |    PT=205     |           length              |
/// |                     SSRC of packet sender                     |
/// |                      SSRC of media source                     |
/// |      base sequence number     |      packet status count      |
/// |                 reference time                | fb pkt. count |
/// |          packet chunk         |         packet chunk          |  ...
/// |         recv delta            |  recv delta   | zero padding  |  ...
/// ```
/// Packet chunks:
/// - run length: `0 | S(2) | run length(13)`, one status for `run length` packets;
/// - status vector: `1 | 0 | 14 × 1-bit status` (0 not received, 1 small delta) or
///   `1 | 1 | 7 × 2-bit status` (0 not received, 1 small delta, 2 large or negative delta).
///
/// Receive deltas, in 250 µs ticks: 1 byte unsigned (small) or 2 bytes signed (large), one per received
/// packet; the first is relative to the reference time (signed 24 bits, 64 ms units), each next one
/// relative to the previous received packet. Status 3 is reserved and rejected.
public struct TransportLayerCC: Sendable, Hashable {
    /// One sequence number covered by the feedback.
    public struct PacketStatus: Sendable, Hashable {
        public var sequenceNumber: UInt16
        /// Arrival time minus the previous received packet's (the reference time for the first),
        /// in microseconds (a multiple of 250 on the wire); nil when not received.
        public var receivedDeltaMicros: Int64?

        public init(sequenceNumber: UInt16, receivedDeltaMicros: Int64?) {
            self.sequenceNumber = sequenceNumber
            self.receivedDeltaMicros = receivedDeltaMicros
        }

        public var isReceived: Bool { receivedDeltaMicros != nil }
    }

    public var senderSsrc: UInt32
    public var mediaSsrc: UInt32
    public var baseSequenceNumber: UInt16
    /// Signed 24-bit value in units of 64 ms.
    public var referenceTime: Int32
    public var feedbackPacketCount: UInt8
    /// One entry per sequence number from `baseSequenceNumber` on, consecutive. When written, the
    /// statuses are taken in order from `baseSequenceNumber` (their `sequenceNumber` is not consulted)
    /// and at most 65535 are written.
    public var packets: [PacketStatus]

    public init(
        senderSsrc: UInt32, mediaSsrc: UInt32, baseSequenceNumber: UInt16, referenceTime: Int32,
        feedbackPacketCount: UInt8, packets: [PacketStatus]
    ) {
        self.senderSsrc = senderSsrc
        self.mediaSsrc = mediaSsrc
        self.baseSequenceNumber = baseSequenceNumber
        self.referenceTime = referenceTime
        self.feedbackPacketCount = feedbackPacketCount
        self.packets = packets
    }

    static let deltaTickMicros: Int64 = 250
    static let referenceTimeTickMicros: Int64 = 64_000

    /// Status symbols.
    static let notReceived: UInt8 = 0
    static let smallDelta: UInt8 = 1
    static let largeDelta: UInt8 = 2

    /// The reference time in microseconds.
    public var referenceTimeMicros: Int64 { Int64(referenceTime) * Self.referenceTimeTickMicros }

    /// Received packets with their arrival times (reference time + running sum of deltas), in µs.
    public var arrivals: [Arrival] {
        var time = referenceTimeMicros
        var result: [Arrival] = []
        for packet in packets {
            guard let delta = packet.receivedDeltaMicros else { continue }
            time += delta
            result.append(Arrival(sequenceNumber: packet.sequenceNumber, arrivalTimeMicros: time))
        }
        return result
    }

    init(body: inout ByteBuffer) throws(RtcpParseError) {
        senderSsrc = try body.readRtcp()
        mediaSsrc = try body.readRtcp()
        baseSequenceNumber = try body.readRtcp()
        let statusCount = Int(try body.readRtcp(UInt16.self))
        referenceTime = rtcpSignExtend24(try body.readRtcpUInt24())
        feedbackPacketCount = try body.readRtcp()

        var symbols: [UInt8] = []
        symbols.reserveCapacity(statusCount)
        while symbols.count < statusCount {
            let chunk: UInt16 = try body.readRtcp(or: .badItem)
            let remaining = statusCount - symbols.count
            if chunk & 0x8000 == 0 {
                let symbol = UInt8((chunk >> 13) & 0x3)
                let run = min(Int(chunk & 0x1FFF), remaining)
                symbols.append(contentsOf: repeatElement(symbol, count: run))
            } else if chunk & 0x4000 == 0 {
                for index in 0..<min(14, remaining) {
                    symbols.append(UInt8((chunk >> (13 - index)) & 0x1))
                }
            } else {
                for index in 0..<min(7, remaining) {
                    symbols.append(UInt8((chunk >> (2 * (6 - index))) & 0x3))
                }
            }
        }

        var packets: [PacketStatus] = []
        packets.reserveCapacity(statusCount)
        for (index, symbol) in symbols.enumerated() {
            let sequenceNumber = baseSequenceNumber &+ UInt16(truncatingIfNeeded: index)
            let delta: Int64?
            switch symbol {
            case Self.notReceived:
                delta = nil
            case Self.smallDelta:
                delta = Int64(try body.readRtcp(UInt8.self, or: .badItem)) * Self.deltaTickMicros
            case Self.largeDelta:
                delta = Int64(try body.readRtcp(Int16.self, or: .badItem)) * Self.deltaTickMicros
            default:
                throw .badItem
            }
            packets.append(PacketStatus(sequenceNumber: sequenceNumber, receivedDeltaMicros: delta))
        }
        self.packets = packets
    }

    /// The delta in 250 µs ticks, rounded half away from zero and clamped to 16 bits signed.
    static func ticks(_ micros: Int64) -> Int64 {
        let half = deltaTickMicros / 2
        let rounded = (micros >= 0 ? micros + half : micros - half) / deltaTickMicros
        return min(max(rounded, Int64(Int16.min)), Int64(Int16.max))
    }

    static func symbol(forTicks ticks: Int64?) -> UInt8 {
        guard let ticks else { return notReceived }
        return (0...255).contains(ticks) ? smallDelta : largeDelta
    }

    func writeBody(into out: inout ByteBuffer) {
        let packets = self.packets.prefix(0xFFFF)
        out.writeInteger(senderSsrc)
        out.writeInteger(mediaSsrc)
        out.writeInteger(baseSequenceNumber)
        out.writeInteger(UInt16(packets.count))
        out.writeRtcpUInt24(UInt32(bitPattern: referenceTime) & 0xFF_FFFF)
        out.writeInteger(feedbackPacketCount)

        let ticks = packets.map { $0.receivedDeltaMicros.map(Self.ticks) }
        var encoder = TransportCCChunkEncoder()
        for value in ticks { encoder.add(Self.symbol(forTicks: value), into: &out) }
        encoder.finish(into: &out)
        for case let value? in ticks {
            if Self.symbol(forTicks: value) == Self.smallDelta {
                out.writeInteger(UInt8(value))
            } else {
                out.writeInteger(Int16(value))
            }
        }
        // The compound serialiser pads the packet to a word with RTCP padding (P=1), as libwebrtc does.
    }
}

/// Packs status symbols into chunks the way libwebrtc's `TransportFeedback::LastChunk` does, so that
/// feedback we write matches what Chrome writes for the same statuses: collect up to 7 symbols freely,
/// up to 14 while none is a large delta, and any number (up to 8191) while all are equal; when the next
/// symbol does not fit, emit a run-length chunk (all equal), a 1-bit vector (14 symbols) or a 2-bit
/// vector of the first 7 and keep the rest.
struct TransportCCChunkEncoder {
    static let maxRunLength = 0x1FFF
    static let oneBitCapacity = 14
    static let twoBitCapacity = 7

    private var symbols: [UInt8] = []
    private var size = 0
    private var allSame = true
    private var hasLarge = false

    init() {
        symbols.reserveCapacity(Self.oneBitCapacity)
    }

    private func canAdd(_ symbol: UInt8) -> Bool {
        if size < Self.twoBitCapacity { return true }
        if size < Self.oneBitCapacity && !hasLarge && symbol != TransportLayerCC.largeDelta { return true }
        if size < Self.maxRunLength && allSame && symbols.first == symbol { return true }
        return false
    }

    private mutating func push(_ symbol: UInt8) {
        if size < Self.oneBitCapacity { symbols.append(symbol) }
        size += 1
        allSame = allSame && symbol == symbols.first
        hasLarge = hasLarge || symbol == TransportLayerCC.largeDelta
    }

    private mutating func clear() {
        symbols.removeAll(keepingCapacity: true)
        size = 0
        allSame = true
        hasLarge = false
    }

    mutating func add(_ symbol: UInt8, into out: inout ByteBuffer) {
        if !canAdd(symbol) { emit(into: &out) }
        push(symbol)
    }

    private mutating func emit(into out: inout ByteBuffer) {
        if allSame {
            out.writeInteger(runLengthChunk())
            clear()
        } else if size == Self.oneBitCapacity {
            out.writeInteger(oneBitChunk())
            clear()
        } else {
            out.writeInteger(twoBitChunk(count: Self.twoBitCapacity))
            let rest = Array(symbols.dropFirst(Self.twoBitCapacity))
            clear()
            for symbol in rest { push(symbol) }
        }
    }

    mutating func finish(into out: inout ByteBuffer) {
        guard size > 0 else { return }
        if allSame {
            out.writeInteger(runLengthChunk())
        } else if size <= Self.twoBitCapacity {
            out.writeInteger(twoBitChunk(count: size))
        } else {
            out.writeInteger(oneBitChunk())
        }
        clear()
    }

    private func runLengthChunk() -> UInt16 {
        UInt16(symbols.first ?? 0) << 13 | UInt16(size)
    }

    private func oneBitChunk() -> UInt16 {
        var chunk: UInt16 = 0x8000
        for (index, symbol) in symbols.prefix(Self.oneBitCapacity).enumerated() {
            chunk |= UInt16(symbol & 0x1) << (13 - index)
        }
        return chunk
    }

    private func twoBitChunk(count: Int) -> UInt16 {
        var chunk: UInt16 = 0xC000
        for (index, symbol) in symbols.prefix(count).enumerated() {
            chunk |= UInt16(symbol & 0x3) << (2 * (6 - index))
        }
        return chunk
    }
}
