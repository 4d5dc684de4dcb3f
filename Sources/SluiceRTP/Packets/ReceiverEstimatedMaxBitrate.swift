import NIOCore

/// REMB (draft-alvestrand-rmcat-remb-03): PSFB (PT=206), FMT=15 (application layer feedback).
///
/// ```
/// |V=2|P| FMT=15  |   PT=206      |             length            |
/// |                  SSRC of packet sender                        |
/// |                  SSRC of media source (0)                     |
/// |  Unique identifier 'R' 'E' 'M' 'B'                            |
/// |  Num SSRC     | BR Exp    |  BR Mantissa (18 bits)            |
/// |   SSRC feedback                                               |  Num SSRC times
/// ```
/// bitrate = mantissa << exp (bits per second). A value that overflows 64 bits reads as `UInt64.max`.
/// When written, the media SSRC is 0, the mantissa is rounded down and at most 255 SSRCs are written.
public struct ReceiverEstimatedMaxBitrate: Sendable, Hashable {
    public var senderSsrc: UInt32
    public var bitrate: UInt64
    public var ssrcs: [UInt32]

    public init(senderSsrc: UInt32, bitrate: UInt64, ssrcs: [UInt32]) {
        self.senderSsrc = senderSsrc
        self.bitrate = bitrate
        self.ssrcs = ssrcs
    }

    static let identifier: UInt32 = 0x5245_4D42 // "REMB"

    /// Whether a PSFB FMT=15 body carries REMB (the identifier after the two SSRCs).
    static func isRemb(_ body: ByteBuffer) -> Bool {
        body.getInteger(at: body.readerIndex + 8, as: UInt32.self) == identifier
    }

    init(body: inout ByteBuffer) throws(RtcpParseError) {
        senderSsrc = try body.readRtcp()
        _ = try body.readRtcp(UInt32.self) // media SSRC, always 0
        _ = try body.readRtcp(UInt32.self) // "REMB"
        let count: UInt8 = try body.readRtcp()
        let packed = try body.readRtcpUInt24()
        let exponent = packed >> 18
        let mantissa = UInt64(packed & 0x3FFFF)
        if mantissa != 0 && UInt64(mantissa.leadingZeroBitCount) < UInt64(exponent) {
            bitrate = UInt64.max
        } else {
            bitrate = mantissa << exponent
        }
        guard body.readableBytes >= Int(count) * 4 else { throw .badLength }
        var ssrcs: [UInt32] = []
        ssrcs.reserveCapacity(Int(count))
        for _ in 0..<count { ssrcs.append(try body.readRtcp()) }
        self.ssrcs = ssrcs
    }

    /// (exponent, mantissa) with mantissa < 2^18, rounding down.
    static func encode(_ bitrate: UInt64) -> (exponent: UInt32, mantissa: UInt32) {
        var exponent: UInt32 = 0
        while bitrate >> exponent > 0x3FFFF { exponent += 1 }
        return (exponent, UInt32(bitrate >> exponent))
    }

    func writeBody(into out: inout ByteBuffer) {
        let ssrcs = self.ssrcs.prefix(255)
        let (exponent, mantissa) = Self.encode(bitrate)
        out.writeInteger(senderSsrc)
        out.writeInteger(UInt32(0))
        out.writeInteger(Self.identifier)
        out.writeInteger(UInt8(ssrcs.count))
        out.writeRtcpUInt24(exponent << 18 | mantissa)
        for ssrc in ssrcs { out.writeInteger(ssrc) }
    }
}
