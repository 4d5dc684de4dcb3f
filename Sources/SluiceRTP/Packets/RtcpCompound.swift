public import NIOCore

/// A compound RTCP packet (RFC 3550 §6.1), or a reduced-size one (RFC 5506): RTCP packets back to
/// back, each with its own common header. No rule about which packet comes first is enforced.
public enum RtcpCompound {
    /// Parses every packet of a (possibly reduced-size) compound packet; throws on the first malformed
    /// one (length fields that lie, truncated items); never reads out of bounds. An empty buffer is
    /// `.tooShort`.
    public static func parse(_ buffer: ByteBuffer) throws(RtcpParseError) -> [RtcpPacket] {
        var rest = buffer
        guard rest.readableBytes > 0 else { throw .tooShort }
        var packets: [RtcpPacket] = []
        while rest.readableBytes > 0 {
            let start = rest.readerIndex
            guard let first = rest.getInteger(at: start, as: UInt8.self),
                  let packetType = rest.getInteger(at: start + 1, as: UInt8.self),
                  let words = rest.getInteger(at: start + 2, as: UInt16.self)
            else { throw .tooShort }
            guard first >> 6 == 2 else { throw .badVersion }
            let length = (Int(words) + 1) * 4
            guard length <= rest.readableBytes else { throw .badLength }
            var bodyLength = length - 4
            if first & 0x20 != 0 {
                guard let padding = rest.getInteger(at: start + length - 1, as: UInt8.self),
                      padding > 0, Int(padding) <= bodyLength
                else { throw .badPadding }
                bodyLength -= Int(padding)
            }
            guard let body = rest.getSlice(at: start + 4, length: bodyLength) else { throw .badLength }
            packets.append(try RtcpPacket(packetType: packetType, count: first & 0x1F, body: body))
            rest.moveReaderIndex(forwardBy: length)
        }
        return packets
    }

    /// Appends every packet to `buffer`.
    public static func serialize(_ packets: [RtcpPacket], into buffer: inout ByteBuffer) {
        for packet in packets { packet.write(into: &buffer) }
    }

    /// The packets as a new buffer.
    public static func serialize(_ packets: [RtcpPacket]) -> ByteBuffer {
        var buffer = ByteBuffer()
        serialize(packets, into: &buffer)
        return buffer
    }
}
