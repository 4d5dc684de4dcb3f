public import NIOCore

/// What kind of packet a datagram on a multiplexed port is, from its first byte
/// (RFC 7983 §7; RTP/RTCP split per RFC 5761 §4).
public enum PacketClass: Sendable, Hashable {
    case stun
    case dtls
    case rtp
    case rtcp
    case unknown

    /// Classifies a datagram: STUN 0–3, DTLS 20–63, RTP/RTCP 128–191 (RTCP when the second byte,
    /// the RTCP packet type, is 192–223), anything else (ZRTP, TURN channels, empty) is `.unknown`.
    public static func classify(_ buffer: ByteBuffer) -> PacketClass {
        guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return .unknown }
        switch first {
        case 0...3:
            return .stun
        case 20...63:
            return .dtls
        case 128...191:
            guard let second = buffer.getInteger(at: buffer.readerIndex + 1, as: UInt8.self) else { return .unknown }
            return (192...223).contains(second) ? .rtcp : .rtp
        default:
            return .unknown
        }
    }
}
