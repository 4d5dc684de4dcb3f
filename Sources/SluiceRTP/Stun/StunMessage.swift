public import NIOCore

/// A STUN message (RFC 5389 §6) with the ICE attributes of RFC 8445 §16.1.
///
/// ```
///  0                   1                   2                   3
/// |0 0|     STUN Message Type     |         Message Length        |
/// |                         Magic Cookie = 0x2112A442             |
/// |                     Transaction ID (96 bits)                  |
/// |                                                               |
/// |                                                               |
/// :                 attributes, each padded to 4 bytes            :
/// ```
/// Message Length counts the bytes after the 20-byte header and is a multiple of 4.
///
/// Attributes are kept in wire order. Per RFC 5389 §15.4 the convenience accessors (`username`,
/// `priority`, ...) only look at attributes before MESSAGE-INTEGRITY; FINGERPRINT must be last.
/// Integrity and fingerprint checks work on the raw bytes, because padding bytes (which may be any
/// value) are covered by them but not kept in `attributes`.
public struct StunMessage: Sendable, Hashable {
    public static let magicCookie: UInt32 = 0x2112_A442
    public static let bindingMethod: UInt16 = 0x0001
    static let headerLength = 20
    static let transactionIdLength = 12
    static let fingerprintXor: UInt32 = 0x5354_554E

    public var messageClass: StunClass
    /// The 12-bit method; 0x001 is Binding.
    public var method: UInt16
    /// 12 bytes. When written, longer IDs are cut and shorter ones zero-filled.
    public var transactionId: [UInt8]
    /// In wire order.
    public var attributes: [StunAttribute]

    public init(messageClass: StunClass, method: UInt16 = StunMessage.bindingMethod, transactionId: [UInt8], attributes: [StunAttribute] = []) {
        self.messageClass = messageClass
        self.method = method
        self.transactionId = transactionId
        self.attributes = attributes
    }

    /// Parses one whole STUN message: the readable bytes of `buffer` must be exactly the header plus
    /// Message Length bytes.
    public init(parsing buffer: ByteBuffer) throws(StunParseError) {
        var buffer = buffer
        guard buffer.readableBytes >= Self.headerLength,
              let messageType = buffer.readInteger(as: UInt16.self),
              let length = buffer.readInteger(as: UInt16.self),
              let cookie = buffer.readInteger(as: UInt32.self),
              let transactionId = buffer.readBytes(length: Self.transactionIdLength)
        else { throw .tooShort }
        guard messageType & 0xC000 == 0 else { throw .notStun }
        guard cookie == Self.magicCookie else { throw .badMagicCookie }
        guard length % 4 == 0, Int(length) == buffer.readableBytes else { throw .badLength }

        let xorKey = Self.xorKey(transactionId: transactionId)
        var attributes: [StunAttribute] = []
        var sawFingerprint = false
        while buffer.readableBytes > 0 {
            guard !sawFingerprint,
                  let type = buffer.readInteger(as: UInt16.self),
                  let valueLength = buffer.readInteger(as: UInt16.self),
                  let value = buffer.readSlice(length: Int(valueLength))
            else { throw .badAttribute }
            let padding = Self.paddingLength(Int(valueLength))
            guard buffer.readableBytes >= padding else { throw .badAttribute }
            buffer.moveReaderIndex(forwardBy: padding)
            let attribute = try StunAttribute(type: type, value: value, xorKey: xorKey)
            if case .fingerprint = attribute { sawFingerprint = true }
            attributes.append(attribute)
        }

        self.messageClass = StunClass(typeBits: messageType)
        self.method = StunClass.method(ofMessageType: messageType)
        self.transactionId = transactionId
        self.attributes = attributes
    }

    /// Whether `buffer` looks like STUN (RFC 7983 §7): at least 20 bytes, the two most significant
    /// bits 0, the magic cookie, and a length that is a multiple of 4. Does not parse attributes.
    public static func isStun(_ buffer: ByteBuffer) -> Bool {
        let start = buffer.readerIndex
        guard buffer.readableBytes >= headerLength,
              let first = buffer.getInteger(at: start, as: UInt8.self),
              let length = buffer.getInteger(at: start + 2, as: UInt16.self),
              let cookie = buffer.getInteger(at: start + 4, as: UInt32.self)
        else { return false }
        return first & 0xC0 == 0 && cookie == magicCookie && length % 4 == 0
    }

    // MARK: Attribute accessors (attributes before MESSAGE-INTEGRITY only)

    /// The attributes covered by MESSAGE-INTEGRITY, or all but FINGERPRINT when there is none.
    var protectedAttributes: ArraySlice<StunAttribute> {
        attributes.prefix { attribute in
            switch attribute {
            case .messageIntegrity, .fingerprint: false
            default: true
            }
        }
    }

    public var username: String? {
        for case .username(let value) in protectedAttributes { return value }
        return nil
    }

    public var priority: UInt32? {
        for case .priority(let value) in protectedAttributes { return value }
        return nil
    }

    public var useCandidate: Bool {
        protectedAttributes.contains(.useCandidate)
    }

    public var iceControlling: UInt64? {
        for case .iceControlling(let value) in protectedAttributes { return value }
        return nil
    }

    public var iceControlled: UInt64? {
        for case .iceControlled(let value) in protectedAttributes { return value }
        return nil
    }

    /// The first XOR-MAPPED-ADDRESS (plain address and port).
    public var xorMappedAddress: (address: [UInt8], port: UInt16)? {
        for case .xorMappedAddress(let address, let port) in protectedAttributes { return (address, port) }
        return nil
    }

    /// The first ERROR-CODE.
    public var errorCode: (code: Int, reason: String)? {
        for case .errorCode(let code, let reason) in protectedAttributes { return (code, reason) }
        return nil
    }

    public var hasMessageIntegrity: Bool {
        attributes.contains { if case .messageIntegrity = $0 { true } else { false } }
    }

    /// Whether the last attribute is FINGERPRINT (the parser rejects anything after it).
    public var hasFingerprint: Bool {
        if case .fingerprint = attributes.last { true } else { false }
    }

    // MARK: Helpers

    static func paddingLength(_ length: Int) -> Int {
        (4 - length % 4) % 4
    }

    /// The magic cookie followed by the transaction ID: the XOR key of XOR-MAPPED-ADDRESS.
    static func xorKey(transactionId: [UInt8]) -> [UInt8] {
        [0x21, 0x12, 0xA4, 0x42] + normalizedTransactionId(transactionId)
    }

    static func normalizedTransactionId(_ transactionId: [UInt8]) -> [UInt8] {
        Array(transactionId.prefix(transactionIdLength))
            + repeatElement(0, count: max(0, transactionIdLength - transactionId.count))
    }
}
