import NIOCore

extension RtpPacket {
    /// Builds a packet (the serialiser).
    ///
    /// - `payloadType` keeps its low 7 bits; at most 15 CSRCs are written.
    /// - Extensions use the one-byte form when every element has id 1...14 and 1...16 bytes, else the
    ///   two-byte form; elements with id 0 or more than 255 bytes are skipped.
    /// - `paddingLength` (clamped to 0...255) bytes of padding are appended: zeros, then the count.
    public init(
        payloadType: UInt8, sequenceNumber: UInt16, timestamp: UInt32, ssrc: UInt32, marker: Bool = false,
        csrcs: [UInt32] = [], extensions: [(id: UInt8, value: [UInt8])] = [],
        payload: some Collection<UInt8>, paddingLength: Int = 0
    ) {
        let csrcs = csrcs.prefix(15)
        let padding = min(max(paddingLength, 0), 255)
        var out = ByteBuffer()
        out.reserveCapacity(
            Self.fixedHeaderLength + csrcs.count * 4 + extensions.reduce(0) { $0 + 2 + $1.value.count } + 4
                + payload.count + padding)
        out.writeInteger(UInt8(0x80 | (padding > 0 ? 0x20 : 0) | UInt8(csrcs.count)))
        out.writeInteger((marker ? 0x80 : 0) | (payloadType & 0x7F))
        out.writeInteger(sequenceNumber)
        out.writeInteger(timestamp)
        out.writeInteger(ssrc)
        for csrc in csrcs { out.writeInteger(csrc) }
        if Self.writeExtensionBlock(extensions, into: &out) {
            out.setInteger((out.getInteger(at: 0, as: UInt8.self) ?? 0x80) | 0x10, at: 0)
        }
        let headerLength = out.writerIndex
        out.writeBytes(payload)
        if padding > 0 {
            out.writeRepeatingByte(0, count: padding - 1)
            out.writeInteger(UInt8(padding))
        }
        self.init(validated: out, headerLength: headerLength, paddingLength: padding)
    }
}
