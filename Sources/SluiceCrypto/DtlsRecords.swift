/// Structural checks and framing of DTLS 1.0/1.2 records (RFC 6347 §4.1) on
/// the bytes that enter and leave a `DtlsSession`.
///
/// Incoming datagrams are screened before OpenSSL sees them: OpenSSL drops a
/// whole datagram at the first record with a bad header, and treats a
/// malformed plaintext (epoch 0) handshake fragment as a fatal error, so a
/// single forged or corrupted datagram could otherwise abort a handshake.
/// Encrypted records (epoch ≥ 1) are only checked for framing; OpenSSL
/// authenticates them and silently discards forgeries.
enum DtlsRecords {
    static let headerLength = 13
    /// 2^14 plaintext + 2048 expansion (RFC 6347 §4.1 / RFC 5246 §6.2.3).
    static let maximumRecordLength = 16_384 + 2_048
    /// Largest plaintext handshake message accepted (OpenSSL's default
    /// certificate-list limit is 100 KiB).
    static let maximumHandshakeMessageLength = 102_400

    enum ContentType: UInt8 {
        case changeCipherSpec = 20
        case alert = 21
        case handshake = 22
        case applicationData = 23
    }

    /// Handshake message types that can legitimately appear in DTLS 1.2.
    static let handshakeTypes: Set<UInt8> = [0, 1, 2, 3, 4, 11, 12, 13, 14, 15, 16, 20, 22]

    struct Screened {
        /// The acceptable records, in order, concatenated.
        var accepted: [UInt8] = []
        /// Records (or an unframeable tail) that were dropped.
        var rejected = 0
    }

    /// Splits `datagram` into records and keeps those that pass the checks.
    /// A record whose header is unusable (unknown type or version, length past
    /// the end) ends the scan: what follows cannot be framed.
    static func screen(_ datagram: UnsafeRawBufferPointer) -> Screened {
        var result = Screened()
        var offset = 0
        let count = datagram.count
        while offset < count {
            guard count - offset >= headerLength else {
                result.rejected += 1
                break
            }
            let type = datagram[offset]
            let versionMajor = datagram[offset + 1]
            let versionMinor = datagram[offset + 2]
            let epoch = UInt16(datagram[offset + 3]) << 8 | UInt16(datagram[offset + 4])
            let length = Int(datagram[offset + 11]) << 8 | Int(datagram[offset + 12])
            let bodyStart = offset + headerLength
            guard let contentType = ContentType(rawValue: type),
                  versionMajor == 0xFE, versionMinor == 0xFF || versionMinor == 0xFD,
                  length <= maximumRecordLength, length <= count - bodyStart
            else {
                result.rejected += 1
                break
            }
            let body = UnsafeRawBufferPointer(rebasing: datagram[bodyStart..<(bodyStart + length)])
            if length > 0, epoch != 0 || plaintextBodyIsValid(contentType, body) {
                result.accepted.append(contentsOf: UnsafeRawBufferPointer(rebasing: datagram[offset..<(bodyStart + length)]))
            } else {
                result.rejected += 1
            }
            offset = bodyStart + length
        }
        return result
    }

    /// Checks an epoch-0 record body, which nothing authenticates.
    private static func plaintextBodyIsValid(_ type: ContentType, _ body: UnsafeRawBufferPointer) -> Bool {
        switch type {
        case .changeCipherSpec:
            return body.count == 1 && body[0] == 1
        case .alert:
            return body.count == 2 && (body[0] == 1 || body[0] == 2)
        case .applicationData:
            return false  // application data is always protected
        case .handshake:
            // One or more fragments: type(1) length(3) message_seq(2)
            // fragment_offset(3) fragment_length(3) fragment.
            var offset = 0
            while offset < body.count {
                guard body.count - offset >= 12, handshakeTypes.contains(body[offset]) else { return false }
                let messageLength = uint24(body, offset + 1)
                let fragmentOffset = uint24(body, offset + 6)
                let fragmentLength = uint24(body, offset + 9)
                guard messageLength <= maximumHandshakeMessageLength,
                      fragmentOffset + fragmentLength <= messageLength,
                      fragmentLength <= body.count - offset - 12
                else { return false }
                offset += 12 + fragmentLength
            }
            return true
        }
    }

    private static func uint24(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> Int {
        Int(bytes[offset]) << 16 | Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2])
    }

    /// Packs the records OpenSSL wrote (a byte stream, since a memory BIO keeps
    /// no datagram boundaries) into datagrams of at most `mtu` bytes, never
    /// splitting a record. A record larger than `mtu` (OpenSSL sizes records to
    /// the MTU, so this should not happen) travels alone; an incomplete trailing
    /// header is sent as is rather than lost.
    static func packDatagrams(_ stream: [UInt8], mtu: Int) -> [[UInt8]] {
        var datagrams: [[UInt8]] = []
        var datagramStart = 0
        var offset = 0
        while offset < stream.count {
            var recordEnd = stream.count
            if stream.count - offset >= headerLength {
                let length = Int(stream[offset + 11]) << 8 | Int(stream[offset + 12])
                recordEnd = min(stream.count, offset + headerLength + length)
            }
            if recordEnd - datagramStart > mtu, offset > datagramStart {
                datagrams.append(Array(stream[datagramStart..<offset]))
                datagramStart = offset
            }
            offset = recordEnd
        }
        if offset > datagramStart {
            datagrams.append(Array(stream[datagramStart..<offset]))
        }
        return datagrams
    }
}
