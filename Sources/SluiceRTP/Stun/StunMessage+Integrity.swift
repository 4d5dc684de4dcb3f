public import NIOCore

extension StunMessage {
    /// Where one attribute sits in raw message bytes.
    struct RawAttribute {
        var type: UInt16
        /// Offset of the attribute header from the start of the message.
        var offset: Int
        /// Value length, without padding.
        var length: Int
    }

    /// Walks the attributes of raw message bytes; nil when the header or any attribute is malformed.
    static func rawAttributes(_ bytes: [UInt8]) -> [RawAttribute]? {
        guard bytes.count >= headerLength, bytes.count % 4 == 0,
              Int(bytes[2]) << 8 | Int(bytes[3]) == bytes.count - headerLength
        else { return nil }
        var result: [RawAttribute] = []
        var offset = headerLength
        while offset < bytes.count {
            guard offset + 4 <= bytes.count else { return nil }
            let type = UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
            let length = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            let end = offset + 4 + length + paddingLength(length)
            guard end <= bytes.count else { return nil }
            result.append(RawAttribute(type: type, offset: offset, length: length))
            offset = end
        }
        return result
    }

    /// RFC 5389 §15.4: HMAC-SHA1 over the message up to MESSAGE-INTEGRITY with the length field adjusted.
    ///
    /// `raw` holds the bytes this message was parsed from (its readable bytes). The key is
    /// `password` as is: the short-term credential of ICE (the SASLprep of an ICE password is the
    /// password itself). Attributes after MESSAGE-INTEGRITY are not covered, except that the length
    /// field is set as if the message ended right after MESSAGE-INTEGRITY.
    public func verifyMessageIntegrity(password: [UInt8], raw: ByteBuffer) -> Bool {
        let bytes = Array(raw.readableBytesView)
        guard let attributes = Self.rawAttributes(bytes),
              let integrity = attributes.first(where: { $0.type == StunAttribute.messageIntegrityType }),
              integrity.length == HmacSha1.digestSize
        else { return false }
        var covered = Array(bytes[0..<integrity.offset])
        let adjustedLength = integrity.offset + 4 + HmacSha1.digestSize - Self.headerLength
        covered[2] = UInt8(truncatingIfNeeded: adjustedLength >> 8)
        covered[3] = UInt8(truncatingIfNeeded: adjustedLength)
        let expected = HmacSha1.authenticate(covered, key: password)
        let valueStart = integrity.offset + 4
        let found = Array(bytes[valueStart..<valueStart + HmacSha1.digestSize])
        return HmacSha1.constantTimeEqual(expected, found)
    }

    /// RFC 5389 §15.5: CRC-32 over the message up to FINGERPRINT, XOR 0x5354554e.
    ///
    /// `raw` holds the bytes this message was parsed from; FINGERPRINT must be its last attribute.
    public func verifyFingerprint(raw: ByteBuffer) -> Bool {
        let bytes = Array(raw.readableBytesView)
        guard let last = Self.rawAttributes(bytes)?.last,
              last.type == StunAttribute.fingerprintType, last.length == 4,
              last.offset + 8 == bytes.count
        else { return false }
        let found = UInt32(bytes[last.offset + 4]) << 24 | UInt32(bytes[last.offset + 5]) << 16
            | UInt32(bytes[last.offset + 6]) << 8 | UInt32(bytes[last.offset + 7])
        return Crc32.checksum(bytes[0..<last.offset]) ^ Self.fingerprintXor == found
    }

    /// Serialises; when `integrityPassword` is given appends MESSAGE-INTEGRITY, then FINGERPRINT when `fingerprint` is true.
    ///
    /// Any `messageIntegrity` and `fingerprint` in `attributes` are left out: those two are always
    /// computed here, last, in that order. Padding is zeros. Addresses that are not 4 or 16 bytes are
    /// left out, as are attributes that would push the message past the 16-bit length.
    public func serialized(integrityPassword: [UInt8]?, fingerprint: Bool) -> ByteBuffer {
        let transactionId = Self.normalizedTransactionId(transactionId)
        let xorKey = Self.xorKey(transactionId: transactionId)
        var out = ByteBufferAllocator().buffer(capacity: 128)
        out.writeInteger(messageClass.messageType(method: method))
        out.writeInteger(UInt16(0)) // length, set below
        out.writeInteger(Self.magicCookie)
        out.writeBytes(transactionId)

        // Room for MESSAGE-INTEGRITY (24) and FINGERPRINT (8) within the largest word-aligned length.
        let maximumBodyLength = 0xFFFC - 32
        for attribute in attributes {
            switch attribute {
            case .messageIntegrity, .fingerprint: continue
            default: break
            }
            guard let value = attribute.value(xorKey: xorKey) else { continue }
            let padding = Self.paddingLength(value.count)
            guard out.readableBytes - Self.headerLength + 4 + value.count + padding <= maximumBodyLength else { continue }
            out.writeInteger(attribute.type)
            out.writeInteger(UInt16(value.count))
            out.writeBytes(value)
            out.writeRepeatingByte(0, count: padding)
        }

        if let integrityPassword {
            setLength(of: &out, adding: 4 + HmacSha1.digestSize)
            let mac = HmacSha1.authenticate(out.readableBytesView, key: integrityPassword)
            out.writeInteger(StunAttribute.messageIntegrityType)
            out.writeInteger(UInt16(HmacSha1.digestSize))
            out.writeBytes(mac)
        }
        if fingerprint {
            setLength(of: &out, adding: 8)
            let crc = Crc32.checksum(out.readableBytesView) ^ Self.fingerprintXor
            out.writeInteger(StunAttribute.fingerprintType)
            out.writeInteger(UInt16(4))
            out.writeInteger(crc)
        }
        setLength(of: &out, adding: 0)
        return out
    }

    /// Sets the length field to the body written so far plus `extra` bytes.
    private func setLength(of out: inout ByteBuffer, adding extra: Int) {
        let length = out.readableBytes - Self.headerLength + extra
        out.setInteger(UInt16(truncatingIfNeeded: length), at: out.readerIndex + 2)
    }
}
