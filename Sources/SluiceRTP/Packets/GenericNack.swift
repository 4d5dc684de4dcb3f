import NIOCore

/// Generic NACK (RFC 4585 §6.2.1): RTPFB (PT=205), FMT=1.
///
/// ```
/// |V=2|P|  FMT=1  |   PT=205      |          length               |
/// |                  SSRC of packet sender                        |
/// |                  SSRC of media source                         |
/// |            PID                |             BLP               |  (one or more)
/// ```
/// PID is a lost sequence number; bit i of BLP (LSB = 0) reports PID+i+1 lost as well.
public struct GenericNack: Sendable, Hashable {
    public struct NackItem: Sendable, Hashable {
        public var pid: UInt16
        public var blp: UInt16

        public init(pid: UInt16, blp: UInt16) {
            self.pid = pid
            self.blp = blp
        }

        /// The sequence numbers this item reports lost, in order.
        public var lostSequenceNumbers: [UInt16] {
            var result = [pid]
            for bit in 0..<16 where blp & (1 << bit) != 0 {
                result.append(pid &+ UInt16(bit + 1))
            }
            return result
        }
    }

    public var senderSsrc: UInt32
    public var mediaSsrc: UInt32
    public var items: [NackItem]

    public init(senderSsrc: UInt32, mediaSsrc: UInt32, items: [NackItem]) {
        self.senderSsrc = senderSsrc
        self.mediaSsrc = mediaSsrc
        self.items = items
    }

    /// Packs lost sequence numbers (any order, duplicates allowed) into as few items as possible,
    /// sorted in wrap-aware order relative to the first number.
    public init(senderSsrc: UInt32, mediaSsrc: UInt32, lostSequenceNumbers: [UInt16]) {
        var items: [NackItem] = []
        for number in SequenceNumberOrder.sortedUnique(lostSequenceNumbers) {
            if let last = items.last {
                let distance = number &- last.pid
                if distance >= 1 && distance <= 16 {
                    items[items.count - 1].blp |= 1 << (distance - 1)
                    continue
                }
            }
            items.append(NackItem(pid: number, blp: 0))
        }
        self.init(senderSsrc: senderSsrc, mediaSsrc: mediaSsrc, items: items)
    }

    /// Every sequence number reported lost, in item order.
    public var lostSequenceNumbers: [UInt16] {
        items.flatMap(\.lostSequenceNumbers)
    }

    init(body: inout ByteBuffer) throws(RtcpParseError) {
        senderSsrc = try body.readRtcp()
        mediaSsrc = try body.readRtcp()
        var items: [NackItem] = []
        items.reserveCapacity(body.readableBytes / 4)
        while body.readableBytes >= 4 {
            items.append(NackItem(pid: try body.readRtcp(), blp: try body.readRtcp()))
        }
        self.items = items
    }

    func writeBody(into out: inout ByteBuffer) {
        out.writeInteger(senderSsrc)
        out.writeInteger(mediaSsrc)
        for item in items {
            out.writeInteger(item.pid)
            out.writeInteger(item.blp)
        }
    }
}
