import NIOCore

/// FIR (RFC 5104 §4.3.1): PSFB (PT=206), FMT=4.
///
/// ```
/// |V=2|P|  FMT=4  |   PT=206      |          length               |
/// |                  SSRC of packet sender                        |
/// |             SSRC of media source (unused, 0)                  |
/// |                              SSRC                             |  FCI entry,
/// | Seq nr.       |    Reserved (0)                               |  one or more
/// ```
public struct FullIntraRequest: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        public var ssrc: UInt32
        public var sequenceNumber: UInt8

        public init(ssrc: UInt32, sequenceNumber: UInt8) {
            self.ssrc = ssrc
            self.sequenceNumber = sequenceNumber
        }
    }

    public var senderSsrc: UInt32
    public var mediaSsrc: UInt32
    public var entries: [Entry]

    public init(senderSsrc: UInt32, mediaSsrc: UInt32 = 0, entries: [Entry]) {
        self.senderSsrc = senderSsrc
        self.mediaSsrc = mediaSsrc
        self.entries = entries
    }

    init(body: inout ByteBuffer) throws(RtcpParseError) {
        senderSsrc = try body.readRtcp()
        mediaSsrc = try body.readRtcp()
        var entries: [Entry] = []
        entries.reserveCapacity(body.readableBytes / 8)
        while body.readableBytes >= 8 {
            let ssrc: UInt32 = try body.readRtcp()
            let sequenceNumber: UInt8 = try body.readRtcp()
            body.moveReaderIndex(forwardBy: 3)
            entries.append(Entry(ssrc: ssrc, sequenceNumber: sequenceNumber))
        }
        self.entries = entries
    }

    func writeBody(into out: inout ByteBuffer) {
        out.writeInteger(senderSsrc)
        out.writeInteger(mediaSsrc)
        for entry in entries {
            out.writeInteger(entry.ssrc)
            out.writeInteger(entry.sequenceNumber)
            out.writeRepeatingByte(0, count: 3)
        }
    }
}
