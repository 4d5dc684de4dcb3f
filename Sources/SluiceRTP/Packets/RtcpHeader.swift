import NIOCore

/// The RTCP common header (RFC 3550 §6.4.1):
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|  count  |      PT       |    length (words - 1)         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
/// `count` is RC/SC for reports, SDES and BYE, and FMT for feedback (RFC 4585 §6.1).
enum RtcpPacketType {
    static let senderReport: UInt8 = 200
    static let receiverReport: UInt8 = 201
    static let sourceDescription: UInt8 = 202
    static let goodbye: UInt8 = 203
    static let applicationDefined: UInt8 = 204
    static let transportFeedback: UInt8 = 205 // RTPFB
    static let payloadFeedback: UInt8 = 206 // PSFB
    static let extendedReport: UInt8 = 207

    // RTPFB formats
    static let fmtNack: UInt8 = 1
    static let fmtTransportCC: UInt8 = 15
    // PSFB formats
    static let fmtPli: UInt8 = 1
    static let fmtFir: UInt8 = 4
    static let fmtAfb: UInt8 = 15
}

extension ByteBuffer {
    /// Reads a big-endian integer or throws `error` when the bytes are not there.
    @inline(__always)
    mutating func readRtcp<T: FixedWidthInteger>(
        _: T.Type = T.self, or error: RtcpParseError = .badLength
    ) throws(RtcpParseError) -> T {
        guard let value = readInteger(as: T.self) else { throw error }
        return value
    }

    /// Reads a 24-bit big-endian unsigned value.
    @inline(__always)
    mutating func readRtcpUInt24(or error: RtcpParseError = .badLength) throws(RtcpParseError) -> UInt32 {
        let high = try readRtcp(UInt8.self, or: error)
        let low = try readRtcp(UInt16.self, or: error)
        return UInt32(high) << 16 | UInt32(low)
    }

    @inline(__always)
    mutating func writeRtcpUInt24(_ value: UInt32) {
        writeInteger(UInt8(truncatingIfNeeded: value >> 16))
        writeInteger(UInt16(truncatingIfNeeded: value))
    }

    /// Writes zero bytes up to the next multiple of 4 counted from `start`.
    @inline(__always)
    mutating func writeRtcpZeroPadding(from start: Int) {
        let used = (writerIndex - start) % 4
        if used != 0 { writeRepeatingByte(0, count: 4 - used) }
    }
}

/// Sign-extends a 24-bit two's-complement value.
@inline(__always)
func rtcpSignExtend24(_ value: UInt32) -> Int32 {
    Int32(bitPattern: value << 8) >> 8
}

/// The low 24 bits of a signed value, clamped to the 24-bit range first.
@inline(__always)
func rtcpEncodeSigned24(_ value: Int32) -> UInt32 {
    let clamped = min(max(value, -0x80_0000), 0x7F_FFFF)
    return UInt32(bitPattern: clamped) & 0xFF_FFFF
}

/// UTF-8 bytes of `text`, cut to at most `maxBytes` without splitting a character.
func rtcpUtf8Prefix(_ text: String, maxBytes: Int) -> [UInt8] {
    let bytes = Array(text.utf8)
    guard bytes.count > maxBytes else { return bytes }
    var end = maxBytes
    while end > 0, bytes[end] & 0xC0 == 0x80 { end -= 1 }
    return Array(bytes[..<end])
}
