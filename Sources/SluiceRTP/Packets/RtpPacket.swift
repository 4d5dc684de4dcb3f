public import NIOCore

/// An RTP packet (RFC 3550 §5.1), parsed in place: the packet keeps its bytes and reads every field
/// straight out of them, and the setters rewrite those bytes, so forwarding a packet costs no
/// allocation (unless the buffer is shared, in which case the first write copies it once).
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|X|  CC   |M|     PT      |       sequence number         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                           timestamp                           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           synchronization source (SSRC) identifier            |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |            contributing source (CSRC) identifiers             |
/// |                             ....                              |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |      defined by profile       |           length              |  (X=1)
/// |                        header extension                       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                     payload ...   | padding ... | pad count   |
/// ```
///
/// All offsets in this type are relative to the first byte of the packet (`buffer.readerIndex`).
public struct RtpPacket: Sendable {
    /// Exactly the packet bytes (`readerIndex..<writerIndex`).
    public internal(set) var buffer: ByteBuffer
    /// Fixed header + CSRCs + extension block.
    public internal(set) var headerLength: Int
    /// Padding bytes at the end, including the count byte itself; 0 when P=0.
    public internal(set) var paddingLength: Int

    static let fixedHeaderLength = 12

    /// Parses `buffer`'s readable bytes as one RTP packet. Validates the version, that the CSRCs,
    /// the extension header and its declared length fit, and that padding is consistent.
    /// Extension *elements* are not validated here: reading them stops at the first malformed one.
    public init(parsing buffer: ByteBuffer) throws(RtpParseError) {
        let length = buffer.readableBytes
        let base = buffer.readerIndex
        guard length >= Self.fixedHeaderLength,
              let first = buffer.getInteger(at: base, as: UInt8.self)
        else { throw .tooShort }
        guard first >> 6 == 2 else { throw .badVersion }
        var header = Self.fixedHeaderLength + Int(first & 0x0F) * 4
        guard header <= length else { throw .badCsrcCount }
        if first & 0x10 != 0 {
            guard let words = buffer.getInteger(at: base + header + 2, as: UInt16.self) else { throw .badExtension }
            header += 4 + Int(words) * 4
            guard header <= length else { throw .badExtension }
        }
        var padding = 0
        if first & 0x20 != 0 {
            guard let count = buffer.getInteger(at: base + length - 1, as: UInt8.self),
                  count > 0, header + Int(count) <= length
            else { throw .badPadding }
            padding = Int(count)
        }
        self.buffer = buffer
        self.headerLength = header
        self.paddingLength = padding
    }

    /// For bytes this module wrote itself and whose layout it knows.
    init(validated buffer: ByteBuffer, headerLength: Int, paddingLength: Int) {
        self.buffer = buffer
        self.headerLength = headerLength
        self.paddingLength = paddingLength
    }

    // MARK: Byte access (offsets relative to the packet start; out of range reads give 0)

    @inline(__always)
    func byte(at offset: Int) -> UInt8 {
        buffer.getInteger(at: buffer.readerIndex + offset, as: UInt8.self) ?? 0
    }

    @inline(__always)
    func uint16(at offset: Int) -> UInt16 {
        buffer.getInteger(at: buffer.readerIndex + offset, as: UInt16.self) ?? 0
    }

    @inline(__always)
    func uint32(at offset: Int) -> UInt32 {
        buffer.getInteger(at: buffer.readerIndex + offset, as: UInt32.self) ?? 0
    }

    @inline(__always)
    mutating func setByte(_ value: UInt8, at offset: Int) {
        buffer.setInteger(value, at: buffer.readerIndex + offset)
    }

    // MARK: Fixed header

    /// The number of bytes in the packet.
    public var count: Int { buffer.readableBytes }

    public var marker: Bool {
        get { byte(at: 1) & 0x80 != 0 }
        set { setByte((byte(at: 1) & 0x7F) | (newValue ? 0x80 : 0), at: 1) }
    }

    /// 7 bits; the setter ignores the top bit of the new value.
    public var payloadType: UInt8 {
        get { byte(at: 1) & 0x7F }
        set { setByte((byte(at: 1) & 0x80) | (newValue & 0x7F), at: 1) }
    }

    public var sequenceNumber: UInt16 {
        get { uint16(at: 2) }
        set { buffer.setInteger(newValue, at: buffer.readerIndex + 2) }
    }

    public var timestamp: UInt32 {
        get { uint32(at: 4) }
        set { buffer.setInteger(newValue, at: buffer.readerIndex + 4) }
    }

    public var ssrc: UInt32 {
        get { uint32(at: 8) }
        set { buffer.setInteger(newValue, at: buffer.readerIndex + 8) }
    }

    public var csrcCount: Int { Int(byte(at: 0) & 0x0F) }

    /// The contributing sources (allocates; not for the forwarding path).
    public var csrcs: [UInt32] {
        (0..<csrcCount).map { uint32(at: Self.fixedHeaderLength + $0 * 4) }
    }

    public var hasPadding: Bool { byte(at: 0) & 0x20 != 0 }

    public var hasExtension: Bool { byte(at: 0) & 0x10 != 0 }

    // MARK: Payload

    /// Where the payload starts, relative to the packet start; equal to `headerLength`.
    public var payloadOffset: Int { headerLength }

    /// Payload bytes, excluding padding.
    public var payloadLength: Int { buffer.readableBytes - headerLength - paddingLength }

    /// The payload without padding, a view into `buffer` (its indices are `buffer` indices).
    public var payload: ByteBufferView {
        buffer.viewBytes(at: buffer.readerIndex + headerLength, length: payloadLength) ?? ByteBufferView()
    }

    /// A packet with no payload, e.g. a padding-only probe.
    public var isPaddingOnly: Bool { payloadLength == 0 }
}

extension RtpPacket: Equatable {
    /// Packets are equal when their bytes are equal.
    public static func == (lhs: RtpPacket, rhs: RtpPacket) -> Bool {
        lhs.buffer == rhs.buffer
    }
}

extension RtpPacket: CustomStringConvertible {
    public var description: String {
        "RtpPacket(pt: \(payloadType), seq: \(sequenceNumber), ts: \(timestamp), ssrc: \(ssrc), m: \(marker), "
            + "header: \(headerLength), payload: \(payloadLength), padding: \(paddingLength))"
    }
}
