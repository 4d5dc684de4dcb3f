import NIOCore

/// BYE (RFC 3550 §6.6), PT=203, count = number of SSRC/CSRCs.
///
/// ```
/// |V=2|P|    SC   |   PT=BYE=203  |             length            |
/// |                           SSRC/CSRC                           |
/// :                              ...                              :
/// |     length    |               reason for leaving            ... (opt)
/// ```
/// The reason is cut to 255 UTF-8 bytes when written; at most 31 sources are written.
public struct Goodbye: Sendable, Hashable {
    public var ssrcs: [UInt32]
    public var reason: String?

    public init(ssrcs: [UInt32], reason: String? = nil) {
        self.ssrcs = ssrcs
        self.reason = reason
    }

    init(body: inout ByteBuffer, count: UInt8) throws(RtcpParseError) {
        guard body.readableBytes >= Int(count) * 4 else { throw .badLength }
        var ssrcs: [UInt32] = []
        ssrcs.reserveCapacity(Int(count))
        for _ in 0..<count { ssrcs.append(try body.readRtcp()) }
        self.ssrcs = ssrcs
        if body.readableBytes > 0 {
            let length: UInt8 = try body.readRtcp(or: .badItem)
            guard let text = body.readString(length: Int(length)) else { throw .badItem }
            reason = text
        } else {
            reason = nil
        }
    }

    var count: UInt8 { UInt8(min(ssrcs.count, 31)) }

    func writeBody(into out: inout ByteBuffer) {
        let start = out.writerIndex
        for ssrc in ssrcs.prefix(31) { out.writeInteger(ssrc) }
        if let reason {
            let text = rtcpUtf8Prefix(reason, maxBytes: 255)
            out.writeInteger(UInt8(text.count))
            out.writeBytes(text)
            out.writeRtcpZeroPadding(from: start)
        }
    }
}
