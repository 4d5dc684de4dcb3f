/// The class of a STUN message (RFC 5389 §6), carried in bits C1 (0x0100) and C0 (0x0010) of the
/// message type.
///
/// ```
///  0                 1
///  2  3  4 5 6 7 8 9 0 1 2 3 4 5
/// +--+--+-+-+-+-+-+-+-+-+-+-+-+-+
/// |M |M |M|M|M|C|M|M|M|C|M|M|M|M|
/// |11|10|9|8|7|1|6|5|4|0|3|2|1|0|
/// +--+--+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
public enum StunClass: Sendable, Hashable {
    case request
    case indication
    case successResponse
    case errorResponse

    /// The C1/C0 bits in their message-type positions.
    var typeBits: UInt16 {
        switch self {
        case .request: 0x0000
        case .indication: 0x0010
        case .successResponse: 0x0100
        case .errorResponse: 0x0110
        }
    }

    init(typeBits messageType: UInt16) {
        switch messageType & 0x0110 {
        case 0x0000: self = .request
        case 0x0010: self = .indication
        case 0x0100: self = .successResponse
        default: self = .errorResponse
        }
    }

    /// The 14-bit message type for `method` (12 bits; higher bits are dropped) in this class.
    func messageType(method: UInt16) -> UInt16 {
        let method = method & 0x0FFF
        return (method & 0x0F80) << 2 | (method & 0x0070) << 1 | (method & 0x000F) | typeBits
    }

    /// The 12-bit method of a message type.
    static func method(ofMessageType messageType: UInt16) -> UInt16 {
        (messageType >> 2) & 0x0F80 | (messageType >> 1) & 0x0070 | messageType & 0x000F
    }
}
