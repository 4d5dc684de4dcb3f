import NIOCore

/// RFC 4588 retransmission payload format:
///
/// ```
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         RTP Header                            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |            OSN                |                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               |
/// |                  Original RTP Packet Payload                  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
/// The header keeps marker, timestamp, CSRCs and extensions; padding is not carried over.
extension RtpPacket {
    /// The RTX packet carrying this packet: payload type, SSRC and sequence number replaced, the
    /// original sequence number in the first two payload bytes, padding dropped.
    public func rtxEncoded(payloadType: UInt8, ssrc: UInt32, sequenceNumber: UInt16) -> RtpPacket {
        var out = ByteBuffer()
        out.reserveCapacity(headerLength + 2 + payloadLength)
        if let header = buffer.getSlice(at: buffer.readerIndex, length: headerLength) {
            out.writeImmutableBuffer(header)
        }
        out.writeInteger(self.sequenceNumber)
        if let body = buffer.getSlice(at: buffer.readerIndex + headerLength, length: payloadLength) {
            out.writeImmutableBuffer(body)
        }
        var rtx = RtpPacket(validated: out, headerLength: headerLength, paddingLength: 0)
        rtx.rewriteForRtx(payloadType: payloadType, ssrc: ssrc, sequenceNumber: sequenceNumber)
        return rtx
    }

    /// The original packet out of an RTX packet, given the original payload type and SSRC; nil when the
    /// payload has fewer than 2 bytes. Padding is dropped.
    public func rtxDecoded(payloadType: UInt8, ssrc: UInt32) -> RtpPacket? {
        guard payloadLength >= 2 else { return nil }
        let originalSequenceNumber = uint16(at: headerLength)
        var out = ByteBuffer()
        out.reserveCapacity(headerLength + payloadLength - 2)
        if let header = buffer.getSlice(at: buffer.readerIndex, length: headerLength) {
            out.writeImmutableBuffer(header)
        }
        if let body = buffer.getSlice(at: buffer.readerIndex + headerLength + 2, length: payloadLength - 2) {
            out.writeImmutableBuffer(body)
        }
        var original = RtpPacket(validated: out, headerLength: headerLength, paddingLength: 0)
        original.rewriteForRtx(payloadType: payloadType, ssrc: ssrc, sequenceNumber: originalSequenceNumber)
        return original
    }

    private mutating func rewriteForRtx(payloadType: UInt8, ssrc: UInt32, sequenceNumber: UInt16) {
        setByte(byte(at: 0) & ~0x20, at: 0) // no padding
        self.payloadType = payloadType
        self.ssrc = ssrc
        self.sequenceNumber = sequenceNumber
    }
}
