import NIOCore

/// A STUN attribute (RFC 5389 §15, RFC 8445 §16.1).
///
/// ```
///  0                   1                   2                   3
/// |         Type                  |            Length             |
/// :                         Value (variable)                 ....  : padded to 4 bytes
/// ```
/// Addresses are 4 (IPv4) or 16 (IPv6) raw bytes in network order. `xorMappedAddress` holds the
/// plain address and port: the XOR with the magic cookie and transaction ID is undone when parsing
/// and redone when writing. `errorCode` holds the full code (class × 100 + number, e.g. 401).
/// USERNAME must be valid UTF-8; SOFTWARE and the ERROR-CODE reason are decoded leniently
/// (invalid sequences become U+FFFD).
public enum StunAttribute: Sendable, Hashable {
    case username(String)
    /// The 20-byte HMAC-SHA1 as found on the wire.
    case messageIntegrity([UInt8])
    /// The CRC-32 as found on the wire (already XORed with 0x5354554e).
    case fingerprint(UInt32)
    case xorMappedAddress(address: [UInt8], port: UInt16)
    case mappedAddress(address: [UInt8], port: UInt16)
    case priority(UInt32)
    case useCandidate
    case iceControlling(UInt64)
    case iceControlled(UInt64)
    case errorCode(code: Int, reason: String)
    case software(String)
    /// Any other attribute; `value` excludes the padding.
    case unknown(type: UInt16, value: [UInt8])

    static let mappedAddressType: UInt16 = 0x0001
    static let usernameType: UInt16 = 0x0006
    static let messageIntegrityType: UInt16 = 0x0008
    static let errorCodeType: UInt16 = 0x0009
    static let xorMappedAddressType: UInt16 = 0x0020
    static let priorityType: UInt16 = 0x0024
    static let useCandidateType: UInt16 = 0x0025
    static let softwareType: UInt16 = 0x8022
    static let fingerprintType: UInt16 = 0x8028
    static let iceControlledType: UInt16 = 0x8029
    static let iceControllingType: UInt16 = 0x802A

    static let ipv4Family: UInt8 = 0x01
    static let ipv6Family: UInt8 = 0x02

    /// Decodes one attribute value (padding already removed). `xorKey` is the magic cookie followed
    /// by the transaction ID (16 bytes).
    init(type: UInt16, value: ByteBuffer, xorKey: [UInt8]) throws(StunParseError) {
        var value = value
        switch type {
        case Self.usernameType:
            guard let bytes = value.readBytes(length: value.readableBytes),
                  let string = String(validating: bytes, as: UTF8.self)
            else { throw .badAttribute }
            self = .username(string)
        case Self.messageIntegrityType:
            guard value.readableBytes == HmacSha1.digestSize,
                  let bytes = value.readBytes(length: HmacSha1.digestSize)
            else { throw .badAttribute }
            self = .messageIntegrity(bytes)
        case Self.fingerprintType:
            self = .fingerprint(try Self.readExactly(&value))
        case Self.priorityType:
            self = .priority(try Self.readExactly(&value))
        case Self.iceControllingType:
            self = .iceControlling(try Self.readExactly(&value))
        case Self.iceControlledType:
            self = .iceControlled(try Self.readExactly(&value))
        case Self.useCandidateType:
            guard value.readableBytes == 0 else { throw .badAttribute }
            self = .useCandidate
        case Self.mappedAddressType:
            let (address, port) = try Self.readAddress(&value, xorKey: nil)
            self = .mappedAddress(address: address, port: port)
        case Self.xorMappedAddressType:
            let (address, port) = try Self.readAddress(&value, xorKey: xorKey)
            self = .xorMappedAddress(address: address, port: port)
        case Self.errorCodeType:
            // | reserved (21 bits, 0) | class (3) | number (8) | reason phrase (UTF-8) ...
            guard let header = value.readInteger(as: UInt32.self) else { throw .badAttribute }
            let codeClass = Int((header >> 8) & 0x7)
            let number = Int(header & 0xFF)
            guard number < 100 else { throw .badAttribute }
            let reason = value.readString(length: value.readableBytes) ?? ""
            self = .errorCode(code: codeClass * 100 + number, reason: reason)
        case Self.softwareType:
            self = .software(value.readString(length: value.readableBytes) ?? "")
        default:
            self = .unknown(type: type, value: value.readBytes(length: value.readableBytes) ?? [])
        }
    }

    private static func readExactly<T: FixedWidthInteger>(_ value: inout ByteBuffer) throws(StunParseError) -> T {
        guard value.readableBytes == MemoryLayout<T>.size, let integer = value.readInteger(as: T.self) else {
            throw .badAttribute
        }
        return integer
    }

    /// MAPPED-ADDRESS / XOR-MAPPED-ADDRESS (RFC 5389 §15.1–15.2):
    /// `| 0 | family | port |` then 4 or 16 address bytes.
    private static func readAddress(
        _ value: inout ByteBuffer, xorKey: [UInt8]?
    ) throws(StunParseError) -> (address: [UInt8], port: UInt16) {
        guard let _ = value.readInteger(as: UInt8.self),
              let family = value.readInteger(as: UInt8.self),
              let rawPort = value.readInteger(as: UInt16.self)
        else { throw .badAttribute }
        let addressLength: Int
        switch family {
        case ipv4Family: addressLength = 4
        case ipv6Family: addressLength = 16
        default: throw .badAttribute
        }
        guard value.readableBytes == addressLength, let rawAddress = value.readBytes(length: addressLength) else {
            throw .badAttribute
        }
        guard let xorKey else { return (rawAddress, rawPort) }
        return (xorAddress(rawAddress, key: xorKey), rawPort ^ 0x2112)
    }

    /// XORs an address with the leading bytes of `key` (magic cookie, then transaction ID).
    static func xorAddress(_ address: [UInt8], key: [UInt8]) -> [UInt8] {
        var result = address
        for index in result.indices where index < key.count {
            result[index] ^= key[index]
        }
        return result
    }

    /// The wire type of this attribute.
    var type: UInt16 {
        switch self {
        case .username: Self.usernameType
        case .messageIntegrity: Self.messageIntegrityType
        case .fingerprint: Self.fingerprintType
        case .xorMappedAddress: Self.xorMappedAddressType
        case .mappedAddress: Self.mappedAddressType
        case .priority: Self.priorityType
        case .useCandidate: Self.useCandidateType
        case .iceControlling: Self.iceControllingType
        case .iceControlled: Self.iceControlledType
        case .errorCode: Self.errorCodeType
        case .software: Self.softwareType
        case .unknown(let type, _): type
        }
    }

    /// The value bytes, without padding, or nil when the attribute cannot be written (an address
    /// that is not 4 or 16 bytes).
    func value(xorKey: [UInt8]) -> [UInt8]? {
        switch self {
        case .username(let string), .software(let string):
            return Array(string.utf8)
        case .messageIntegrity(let bytes):
            return bytes
        case .fingerprint(let value), .priority(let value):
            return Self.bigEndianBytes(value)
        case .iceControlling(let value), .iceControlled(let value):
            return Self.bigEndianBytes(value)
        case .useCandidate:
            return []
        case .mappedAddress(let address, let port):
            return Self.addressValue(address, port: port)
        case .xorMappedAddress(let address, let port):
            return Self.addressValue(Self.xorAddress(address, key: xorKey), port: port ^ 0x2112)
        case .errorCode(let code, let reason):
            let code = min(max(code, 0), 799)
            return [0, 0, UInt8(code / 100), UInt8(code % 100)] + Array(reason.utf8)
        case .unknown(_, let value):
            return value
        }
    }

    private static func addressValue(_ address: [UInt8], port: UInt16) -> [UInt8]? {
        let family: UInt8
        switch address.count {
        case 4: family = ipv4Family
        case 16: family = ipv6Family
        default: return nil
        }
        return [0, family] + bigEndianBytes(port) + address
    }

    private static func bigEndianBytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        (0..<MemoryLayout<T>.size).reversed().map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }
}
