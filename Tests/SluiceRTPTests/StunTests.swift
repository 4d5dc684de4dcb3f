import NIOCore
import Testing

@testable import SluiceRTP

private func stunHex(_ string: String) -> [UInt8] {
    var result: [UInt8] = []
    var iterator = string.filter { !$0.isWhitespace }.makeIterator()
    while let high = iterator.next(), let low = iterator.next() {
        if let byte = UInt8(String([high, low]), radix: 16) { result.append(byte) }
    }
    return result
}

@Suite("Stun crypto primitives")
struct StunCryptoTests {
    @Test("SHA-1 (FIPS 180-4 examples)", arguments: [
        ("", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        ("abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1"),
    ])
    func sha1(message: String, digest: String) {
        #expect(Sha1.hash(Array(message.utf8)) == stunHex(digest))
    }

    @Test("SHA-1 of a million 'a' fed in uneven pieces")
    func sha1Million() {
        var sha = Sha1()
        var fed = 0
        var piece = 1
        while fed < 1_000_000 {
            let count = min(piece, 1_000_000 - fed)
            sha.update(repeatElement(UInt8(ascii: "a"), count: count))
            fed += count
            piece = piece % 131 + 7
        }
        #expect(sha.finalize() == stunHex("34aa973cd4c4daa4f61eeb2bdbad27316534016f"))
    }

    @Test("SHA-1 around the padding boundary (55, 56, 63, 64, 65 bytes)")
    func sha1Boundaries() {
        // Digests from Python hashlib.sha1(b"a" * n).
        let expected: [Int: String] = [
            55: "c1c8bbdc22796e28c0e15163d20899b65621d65a",
            56: "c2db330f6083854c99d4b5bfb6e8f29f201be699",
            63: "03f09f5b158a7a8cdad920bddc29b81c18a551f5",
            64: "0098ba824b5c16427bd7a1122a5a442a25ec644d",
            65: "11655326c708d70319be2610e8a57d9a5b959d3b",
        ]
        for (count, digest) in expected {
            #expect(Sha1.hash(Array(repeating: UInt8(ascii: "a"), count: count)) == stunHex(digest), "\(count)")
        }
    }

    @Test("HMAC-SHA1 (RFC 2202 test cases 1–3, 6)", arguments: [
        ([UInt8](repeating: 0x0B, count: 20), Array("Hi There".utf8), "b617318655057264e28bc0b6fb378c8ef146be00"),
        (Array("Jefe".utf8), Array("what do ya want for nothing?".utf8), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"),
        ([UInt8](repeating: 0xAA, count: 20), [UInt8](repeating: 0xDD, count: 50), "125d7342b9ac11cd91a39af48aa17b4f63f175d3"),
        ([UInt8](repeating: 0xAA, count: 80), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
         "aa4ae5e15272d00e95705637ce8a3b55ed402112"),
    ])
    func hmacSha1(key: [UInt8], message: [UInt8], digest: String) {
        #expect(HmacSha1.authenticate(message, key: key) == stunHex(digest))
    }

    @Test("CRC-32 (IEEE, as zlib)", arguments: [
        ("123456789", UInt32(0xCBF4_3926)),
        ("", UInt32(0)),
        ("The quick brown fox jumps over the lazy dog", UInt32(0x414F_A339)),
    ])
    func crc32(message: String, checksum: UInt32) {
        #expect(Crc32.checksum(Array(message.utf8)) == checksum)
    }

    @Test("constant-time compare")
    func constantTimeEqual() {
        #expect(HmacSha1.constantTimeEqual([1, 2, 3], [1, 2, 3]))
        #expect(!HmacSha1.constantTimeEqual([1, 2, 3], [1, 2, 4]))
        #expect(!HmacSha1.constantTimeEqual([1, 2, 3], [1, 2]))
    }
}

@Suite("Stun messages")
struct StunTests {
    @Test("RFC 5769 vectors parse", arguments: stunVectors)
    func parse(vector: StunVector) throws {
        let message = try StunMessage(parsing: packetsBuffer(vector.bytes))
        #expect(message.messageClass == vector.messageClass)
        #expect(message.method == StunMessage.bindingMethod)
        #expect(message.transactionId == stunVectorTransactionId)
        #expect(message.attributes == vector.attributes + [.messageIntegrity(vector.integrity), .fingerprint(vector.fingerprint)])
        #expect(message.hasMessageIntegrity)
        #expect(message.hasFingerprint)
        #expect(StunMessage.isStun(packetsBuffer(vector.bytes)))
    }

    @Test("RFC 5769 vectors verify integrity and fingerprint", arguments: stunVectors)
    func verify(vector: StunVector) throws {
        let raw = packetsBuffer(vector.bytes)
        let message = try StunMessage(parsing: raw)
        #expect(message.verifyMessageIntegrity(password: stunVectorPassword, raw: raw))
        #expect(message.verifyFingerprint(raw: raw))
    }

    @Test("RFC 5769 vectors verify from a buffer with a non-zero reader index", arguments: stunVectors)
    func verifyOffset(vector: StunVector) throws {
        var raw = packetsBuffer([0xFF, 0xEE, 0xDD] + vector.bytes)
        raw.moveReaderIndex(forwardBy: 3)
        let message = try StunMessage(parsing: raw)
        #expect(message.verifyMessageIntegrity(password: stunVectorPassword, raw: raw))
        #expect(message.verifyFingerprint(raw: raw))
    }

    @Test("RFC 5769 vectors re-serialise (zero padding, MI and FINGERPRINT recomputed)", arguments: stunVectors)
    func reserialise(vector: StunVector) throws {
        let message = try StunMessage(parsing: packetsBuffer(vector.bytes))
        let out = message.serialized(integrityPassword: stunVectorPassword, fingerprint: true)
        #expect(packetsBytes(out) == vector.zeroPaddedBytes)
        // Apart from the padding and the two checksums, the bytes are the RFC's own.
        let body = vector.bytes.count - vector.zeroPaddedTail.count
        for offset in 0..<body where !vector.paddingOffsets.contains(offset) {
            #expect(packetsBytes(out)[offset] == vector.bytes[offset], "offset \(offset)")
        }
        let reparsed = try StunMessage(parsing: out)
        #expect(reparsed.verifyMessageIntegrity(password: stunVectorPassword, raw: out))
        #expect(reparsed.verifyFingerprint(raw: out))
        #expect(Array(reparsed.attributes.dropLast(2)) == vector.attributes)
    }

    @Test("RFC 5769 request: ICE accessors")
    func requestAccessors() throws {
        let message = try StunMessage(parsing: packetsBuffer(stunSampleRequest.bytes))
        #expect(message.username == "evtj:h6vY")
        #expect(message.priority == 0x6E00_01FF)
        #expect(message.iceControlled == 0x932F_F9B1_5126_3B36)
        #expect(message.iceControlling == nil)
        #expect(!message.useCandidate)
    }

    @Test("wrong password does not verify", arguments: stunVectors)
    func wrongPassword(vector: StunVector) throws {
        let raw = packetsBuffer(vector.bytes)
        let message = try StunMessage(parsing: raw)
        #expect(!message.verifyMessageIntegrity(password: Array("VOkJxbRl1RmTxUk/WvJxBu".utf8), raw: raw))
        #expect(!message.verifyMessageIntegrity(password: [], raw: raw))
    }

    @Test("any flipped byte breaks the fingerprint; any flipped covered byte breaks the integrity", arguments: stunVectors)
    func flippedByte(vector: StunVector) throws {
        let integrityEnd = vector.bytes.count - 8
        for offset in 0..<vector.bytes.count {
            var bytes = vector.bytes
            bytes[offset] ^= 0x01
            let raw = packetsBuffer(bytes)
            let message = StunMessage(messageClass: .request, transactionId: [])
            #expect(!message.verifyFingerprint(raw: raw), "offset \(offset)")
            // The length field (2, 3) is adjusted before hashing; every other byte before
            // FINGERPRINT is covered by MESSAGE-INTEGRITY.
            if offset < integrityEnd {
                #expect(!message.verifyMessageIntegrity(password: stunVectorPassword, raw: raw), "offset \(offset)")
            }
        }
    }

    @Test("truncations at every length throw", arguments: stunVectors)
    func truncated(vector: StunVector) {
        for length in 0..<vector.bytes.count {
            let raw = packetsBuffer(Array(vector.bytes.prefix(length)))
            #expect(throws: StunParseError.self) { try StunMessage(parsing: raw) }
            let message = StunMessage(messageClass: .request, transactionId: [])
            #expect(!message.verifyMessageIntegrity(password: stunVectorPassword, raw: raw))
            #expect(!message.verifyFingerprint(raw: raw))
        }
    }

    @Test("header errors", arguments: [
        ([UInt8](), StunParseError.tooShort),
        ([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], .tooShort),
        ([0x80, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], .notStun),
        ([0x40, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], .notStun),
        ([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x43, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], .badMagicCookie),
        ([0x00, 0x01, 0x00, 0x02, 0x21, 0x12, 0xA4, 0x42, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], .badLength),
        ([0x00, 0x01, 0x00, 0x04, 0x21, 0x12, 0xA4, 0x42, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], .badLength),
        ([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], .badLength),
    ])
    func headerErrors(bytes: [UInt8], error: StunParseError) {
        #expect(throws: error) { try StunMessage(parsing: packetsBuffer(bytes)) }
    }

    static let header: [UInt8] = [
        0x00, 0x01, 0x00, 0x08, // Binding request, length 8
        0x21, 0x12, 0xA4, 0x42, // magic cookie
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, // transaction ID
    ]

    @Test("attribute errors", arguments: [
        ("length beyond message", [0x00, 0x06, 0x00, 0x05, 0x61, 0x62, 0x63, 0x64] as [UInt8]),
        ("length far beyond message", [0x80, 0x22, 0xFF, 0xFF, 0x61, 0x62, 0x63, 0x64]),
        ("PRIORITY of 1 byte", [0x00, 0x24, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00]),
        ("PRIORITY of 3 bytes", [0x00, 0x24, 0x00, 0x03, 0x00, 0x00, 0x01, 0x00]),
        ("USE-CANDIDATE with a value", [0x00, 0x25, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00]),
        ("FINGERPRINT of 2 bytes", [0x80, 0x28, 0x00, 0x02, 0x01, 0x02, 0x00, 0x00]),
        ("USERNAME not UTF-8", [0x00, 0x06, 0x00, 0x02, 0xC3, 0x28, 0x00, 0x00]),
        ("XOR-MAPPED-ADDRESS bad family", [0x00, 0x20, 0x00, 0x04, 0x00, 0x03, 0x00, 0x01]),
        ("MAPPED-ADDRESS short", [0x00, 0x01, 0x00, 0x04, 0x00, 0x01, 0x00, 0x01]),
        ("ERROR-CODE number 100", [0x00, 0x09, 0x00, 0x04, 0x00, 0x00, 0x04, 0x64]),
    ])
    func attributeErrors(name: String, attribute: [UInt8]) {
        #expect(throws: StunParseError.badAttribute, "\(name)") {
            try StunMessage(parsing: packetsBuffer(Self.header + attribute))
        }
    }

    @Test("attribute header cut short, and attributes after FINGERPRINT")
    func attributeStructure() {
        // Length 4: attribute header only, length field claims 4 more bytes.
        var short = Self.header
        short[3] = 0x04
        #expect(throws: StunParseError.badAttribute) {
            try StunMessage(parsing: packetsBuffer(short + [0x00, 0x25, 0x00, 0x04]))
        }
        // FINGERPRINT followed by USE-CANDIDATE.
        var afterFingerprint = Self.header
        afterFingerprint[3] = 0x0C
        #expect(throws: StunParseError.badAttribute) {
            try StunMessage(parsing: packetsBuffer(afterFingerprint + [
                0x80, 0x28, 0x00, 0x04, 0x01, 0x02, 0x03, 0x04, // FINGERPRINT
                0x00, 0x25, 0x00, 0x00, // USE-CANDIDATE
            ]))
        }
    }

    @Test("unknown attributes, MAPPED-ADDRESS, ERROR-CODE and ICE-CONTROLLING parse and round-trip")
    func otherAttributes() throws {
        let bytes: [UInt8] = [
            0x00, 0x11, 0x00, 0x38, // indication, method 0x001 | class bit C0; length 56
            0x21, 0x12, 0xA4, 0x42, // magic cookie
            0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, // transaction ID
            0x00, 0x01, 0x00, 0x08, // MAPPED-ADDRESS, length 8
            0x00, 0x01, 0x0D, 0x96, // IPv4, port 3478
            0x0A, 0x00, 0x00, 0x01, // 10.0.0.1
            0x00, 0x09, 0x00, 0x10, // ERROR-CODE, length 16
            0x00, 0x00, 0x04, 0x01, // class 4, number 1
            0x55, 0x6E, 0x61, 0x75, // "Unau"
            0x74, 0x68, 0x6F, 0x72, // "thor"
            0x69, 0x7A, 0x65, 0x64, // "ized"
            0x80, 0x2A, 0x00, 0x08, // ICE-CONTROLLING, length 8
            0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF,
            0x00, 0x25, 0x00, 0x00, // USE-CANDIDATE
            0xC0, 0x57, 0x00, 0x03, // unknown 0xC057, length 3
            0xAA, 0xBB, 0xCC, 0x00, // value + 1 byte zero padding
        ]
        let message = try StunMessage(parsing: packetsBuffer(bytes))
        #expect(message.messageClass == .indication)
        #expect(message.method == 0x001)
        #expect(message.attributes == [
            .mappedAddress(address: [10, 0, 0, 1], port: 3478),
            .errorCode(code: 401, reason: "Unauthorized"),
            .iceControlling(0x0123_4567_89AB_CDEF),
            .useCandidate,
            .unknown(type: 0xC057, value: [0xAA, 0xBB, 0xCC]),
        ])
        #expect(message.iceControlling == 0x0123_4567_89AB_CDEF)
        #expect(message.useCandidate)
        #expect(message.errorCode?.code == 401)
        #expect(!message.hasMessageIntegrity)
        #expect(!message.hasFingerprint)
        #expect(packetsBytes(message.serialized(integrityPassword: nil, fingerprint: false)) == bytes)
    }

    @Test("message type encodes method and class bits (RFC 5389 §6)", arguments: [
        (StunClass.request, UInt16(0x001), UInt16(0x0001)),
        (.indication, 0x001, 0x0011),
        (.successResponse, 0x001, 0x0101),
        (.errorResponse, 0x001, 0x0111),
        (.request, 0xFFF, 0x3EEF),
        (.errorResponse, 0xFFF, 0x3FFF),
        (.successResponse, 0x0A5, 0x0345),
    ])
    func messageType(messageClass: StunClass, method: UInt16, type: UInt16) {
        #expect(messageClass.messageType(method: method) == type)
        #expect(StunClass(typeBits: type) == messageClass)
        #expect(StunClass.method(ofMessageType: type) == method)
    }

    @Test("attributes after MESSAGE-INTEGRITY are ignored by the accessors")
    func afterIntegrity() throws {
        let request = StunMessage(
            messageClass: .request, transactionId: stunVectorTransactionId,
            attributes: [.username("a:b")])
        var bytes = packetsBytes(request.serialized(integrityPassword: [1, 2, 3], fingerprint: false))
        bytes += [0x00, 0x25, 0x00, 0x00, 0x00, 0x24, 0x00, 0x04, 0x00, 0x00, 0x00, 0x07] // USE-CANDIDATE, PRIORITY 7
        bytes[3] += 12
        let raw = packetsBuffer(bytes)
        let message = try StunMessage(parsing: raw)
        #expect(message.attributes.count == 4)
        #expect(message.username == "a:b")
        #expect(!message.useCandidate)
        #expect(message.priority == nil)
        #expect(message.verifyMessageIntegrity(password: [1, 2, 3], raw: raw))
        #expect(!message.verifyFingerprint(raw: raw))
    }

    @Test("isStun")
    func isStun() {
        #expect(StunMessage.isStun(packetsBuffer(stunSampleRequest.bytes)))
        #expect(!StunMessage.isStun(packetsBuffer(Array(stunSampleRequest.bytes.prefix(19)))))
        var rtp = stunSampleRequest.bytes
        rtp[0] = 0x80
        #expect(!StunMessage.isStun(packetsBuffer(rtp)))
        var cookie = stunSampleRequest.bytes
        cookie[7] = 0x43
        #expect(!StunMessage.isStun(packetsBuffer(cookie)))
        var length = stunSampleRequest.bytes
        length[3] = 0x57
        #expect(!StunMessage.isStun(packetsBuffer(length)))
        #expect(!StunMessage.isStun(packetsBuffer([])))
    }

    @Test("bindingSuccess round trip", arguments: [
        ([192, 0, 2, 1] as [UInt8], UInt16(32853)),
        ([0x20, 0x01, 0x0D, 0xB8, 0x12, 0x34, 0x56, 0x78, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77], 32853),
        ([255, 255, 255, 255], 0),
        ([UInt8](repeating: 0, count: 16), 65535),
    ] as [([UInt8], UInt16)])
    func bindingSuccess(address: [UInt8], port: UInt16) throws {
        let request = try StunMessage(parsing: packetsBuffer(stunSampleRequest.bytes))
        let response = StunMessage.bindingSuccess(to: request, mappedAddress: address, port: port)
        let raw = response.serialized(integrityPassword: stunVectorPassword, fingerprint: true)
        #expect(StunMessage.isStun(raw))
        let parsed = try StunMessage(parsing: raw)
        #expect(parsed.messageClass == .successResponse)
        #expect(parsed.method == StunMessage.bindingMethod)
        #expect(parsed.transactionId == request.transactionId)
        #expect(parsed.verifyMessageIntegrity(password: stunVectorPassword, raw: raw))
        #expect(parsed.verifyFingerprint(raw: raw))
        #expect(parsed.hasMessageIntegrity && parsed.hasFingerprint)
        #expect(parsed.xorMappedAddress?.address == address)
        #expect(parsed.xorMappedAddress?.port == port)
        // On the wire the address is XORed, not plain.
        let wireAddress = Array(packetsBytes(raw)[28..<28 + address.count])
        #expect(wireAddress == StunAttribute.xorAddress(address, key: StunMessage.xorKey(transactionId: request.transactionId)))
        #expect(wireAddress != address)
    }

    @Test("bindingSuccess for the RFC 5769 responses gives their bytes", arguments: [
        (stunSampleIpv4Response, [192, 0, 2, 1] as [UInt8]),
        (stunSampleIpv6Response, [0x20, 0x01, 0x0D, 0xB8, 0x12, 0x34, 0x56, 0x78, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77]),
    ])
    func bindingSuccessMatchesVector(vector: StunVector, address: [UInt8]) throws {
        let request = try StunMessage(parsing: packetsBuffer(stunSampleRequest.bytes))
        var response = StunMessage.bindingSuccess(to: request, mappedAddress: address, port: 32853)
        response.attributes.insert(.software("test vector"), at: 0)
        let out = response.serialized(integrityPassword: stunVectorPassword, fingerprint: true)
        #expect(packetsBytes(out) == vector.zeroPaddedBytes)
    }

    @Test("bindingError round trip", arguments: [
        (401, "Unauthorized"), (400, "Bad Request"), (487, "Role Conflict"), (300, ""),
    ])
    func bindingError(code: Int, reason: String) throws {
        let request = try StunMessage(parsing: packetsBuffer(stunSampleRequest.bytes))
        let response = StunMessage.bindingError(to: request, code: code, reason: reason)
        let raw = response.serialized(integrityPassword: nil, fingerprint: true)
        #expect(packetsBytes(raw)[0..<2] == [0x01, 0x11])
        let parsed = try StunMessage(parsing: raw)
        #expect(parsed.messageClass == .errorResponse)
        #expect(parsed.transactionId == request.transactionId)
        #expect(parsed.errorCode?.code == code)
        #expect(parsed.errorCode?.reason == reason)
        #expect(!parsed.hasMessageIntegrity)
        #expect(parsed.verifyFingerprint(raw: raw))
        #expect(!parsed.verifyMessageIntegrity(password: stunVectorPassword, raw: raw))
    }

    @Test("serialising never crashes on odd values")
    func oddValues() throws {
        let message = StunMessage(
            messageClass: .request, method: 0xFFFF, transactionId: [1, 2, 3],
            attributes: [
                .xorMappedAddress(address: [1, 2, 3], port: 1), // left out: not 4 or 16 bytes
                .mappedAddress(address: [], port: 1), // left out
                .errorCode(code: -5, reason: "x"),
                .errorCode(code: 12_345, reason: "y"),
                .unknown(type: 0x7777, value: [UInt8](repeating: 9, count: 70_000)), // left out: too long
                .messageIntegrity([1]), // replaced
                .fingerprint(1), // replaced
            ])
        let raw = message.serialized(integrityPassword: [], fingerprint: true)
        let parsed = try StunMessage(parsing: raw)
        #expect(parsed.method == 0xFFF)
        #expect(parsed.transactionId == [1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        #expect(Array(parsed.attributes.prefix(2)) == [.errorCode(code: 0, reason: "x"), .errorCode(code: 799, reason: "y")])
        #expect(parsed.attributes.count == 4)
        #expect(parsed.verifyMessageIntegrity(password: [], raw: raw))
        #expect(parsed.verifyFingerprint(raw: raw))
    }

    @Test("10k random buffers: no crash; whatever parses re-serialises and re-parses")
    func fuzzRandom() {
        var random = PacketsSeededRandom(seed: 0x5EED_57C0)
        var parsed = 0
        for _ in 0..<10_000 {
            var bytes = random.bytes(count: Int.random(in: 0...96, using: &random))
            if bytes.count >= 20 && Bool.random(using: &random) {
                // A valid header half the time, so the attribute walk is reached.
                let length = (bytes.count - 20) & ~3
                bytes = Array(bytes.prefix(20 + length))
                bytes[0] &= 0x3F
                bytes[2] = UInt8(length >> 8)
                bytes[3] = UInt8(length & 0xFF)
                bytes.replaceSubrange(4..<8, with: [0x21, 0x12, 0xA4, 0x42])
                if bytes.count >= 24 && Bool.random(using: &random) {
                    bytes[22] = 0
                    bytes[23] = UInt8.random(in: 0...UInt8(min(bytes.count - 24, 255)), using: &random)
                }
            }
            let raw = packetsBuffer(bytes)
            _ = StunMessage.isStun(raw)
            guard let message = try? StunMessage(parsing: raw) else {
                let empty = StunMessage(messageClass: .request, transactionId: [])
                _ = empty.verifyMessageIntegrity(password: [1], raw: raw)
                _ = empty.verifyFingerprint(raw: raw)
                continue
            }
            parsed += 1
            #expect(StunMessage.isStun(raw))
            _ = message.verifyMessageIntegrity(password: [1], raw: raw)
            _ = message.verifyFingerprint(raw: raw)
            _ = (message.username, message.priority, message.useCandidate, message.iceControlling, message.iceControlled)
            let out = message.serialized(integrityPassword: [1], fingerprint: true)
            guard let again = try? StunMessage(parsing: out) else {
                Issue.record("re-serialised message does not parse: \(bytes)")
                continue
            }
            #expect(again.verifyMessageIntegrity(password: [1], raw: out))
            #expect(again.verifyFingerprint(raw: out))
        }
        #expect(parsed > 500)
    }

    @Test("10k mutations of the RFC 5769 vectors: no crash")
    func fuzzMutations() {
        var random = PacketsSeededRandom(seed: 0x5EED_57C1)
        for _ in 0..<10_000 {
            var bytes = stunVectors[Int.random(in: 0..<stunVectors.count, using: &random)].bytes
            if Bool.random(using: &random) {
                bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &random)))
            }
            if !bytes.isEmpty {
                for _ in 0..<Int.random(in: 0...3, using: &random) {
                    bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                }
            }
            let raw = packetsBuffer(bytes)
            let message = (try? StunMessage(parsing: raw)) ?? StunMessage(messageClass: .request, transactionId: [])
            _ = message.verifyMessageIntegrity(password: stunVectorPassword, raw: raw)
            _ = message.verifyFingerprint(raw: raw)
            _ = message.serialized(integrityPassword: stunVectorPassword, fingerprint: true)
        }
    }
}
