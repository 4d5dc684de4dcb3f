import Foundation
import Testing
import SluiceCrypto

// MARK: - Fixtures

/// Test vectors. The AES_CM_128_HMAC_SHA1_80 and AEAD_AES_128_GCM RTP/RTCP
/// vectors are libsrtp's own (test/srtp_driver.c, `srtp_validate` and
/// `srtp_validate_gcm`, v2.5.0). The others were produced by an independent
/// Python reference (RFC 3711 AES-CM key derivation + HMAC-SHA1, RFC 7714
/// AES-GCM, on the `cryptography` package) that first reproduced all four
/// libsrtp vectors byte for byte.
enum SrtpVectors {
    static func bytes(_ hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        precondition(digits.count % 2 == 0, "odd hex fixture")
        return stride(from: 0, to: digits.count, by: 2).map { index in
            guard let byte = UInt8(String(decoding: digits[index...index + 1], as: UTF8.self), radix: 16) else {
                fatalError("bad hex fixture \(hex)")
            }
            return byte
        }
    }

    /// libsrtp `test_key` (first 30 bytes) = RFC 3711 style master key ‖ salt.
    static let cmKey = bytes("e1f97a0d3e018be0d64fa32c06de41390ec675ad498afeebb6960b3aabe6")
    /// libsrtp `test_key_gcm`.
    static let gcm128Key = bytes("000102030405060708090a0b0c0d0e0fa0a1a2a3a4a5a6a7a8a9aaab")
    static let gcm256Key = bytes("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1fa0a1a2a3a4a5a6a7a8a9aaab")

    static func key(for profile: SrtpProfile) -> [UInt8] {
        switch profile {
        case .aesCm128HmacSha1_80, .aesCm128HmacSha1_32: cmKey
        case .aeadAes128Gcm: gcm128Key
        case .aeadAes256Gcm: gcm256Key
        }
    }

    static let rtpPlain = bytes("800f1234decafbadcafebabe" + String(repeating: "ab", count: 16))
    static let rtcpPlain = bytes("81c8000bcafebabe" + String(repeating: "ab", count: 16))
    /// Two CSRCs, a one-byte-header extension, marker + PT 111, seq 0xfffe, 50-byte payload.
    static let rtpWithExtensions = bytes("926ffffe0000006411223344aaaaaaaabbbbbbbbbede000110ff0000") + (0..<50).map { UInt8($0) }

    struct KnownAnswer: Sendable, CustomTestStringConvertible {
        var name: String
        var profile: SrtpProfile
        var rtcp: Bool
        var plain: [UInt8]
        var protected: [UInt8]
        var testDescription: String { "\(profile.rawValue) \(name)" }
    }

    static let knownAnswers: [KnownAnswer] = [
        // libsrtp srtp_validate
        KnownAnswer(name: "RTP (libsrtp)", profile: .aesCm128HmacSha1_80, rtcp: false, plain: rtpPlain,
                    protected: bytes("800f1234decafbadcafebabe4e55dc4ce79978d88ca4d215949d2402b78d6acc99ea179b8dbb")),
        KnownAnswer(name: "RTCP (libsrtp)", profile: .aesCm128HmacSha1_80, rtcp: true, plain: rtcpPlain,
                    protected: bytes("81c8000bcafebabe7128035be487b9bdbef89041f977a5a880000001993e08cd54d6c1230798")),
        // Same keystream, 32-bit RTP tag = first 4 bytes of the 80-bit one; SRTCP keeps 80 bits.
        KnownAnswer(name: "RTP", profile: .aesCm128HmacSha1_32, rtcp: false, plain: rtpPlain,
                    protected: bytes("800f1234decafbadcafebabe4e55dc4ce79978d88ca4d215949d2402b78d6acc")),
        KnownAnswer(name: "RTCP (80-bit tag)", profile: .aesCm128HmacSha1_32, rtcp: true, plain: rtcpPlain,
                    protected: bytes("81c8000bcafebabe7128035be487b9bdbef89041f977a5a880000001993e08cd54d6c1230798")),
        // libsrtp srtp_validate_gcm
        KnownAnswer(name: "RTP (libsrtp)", profile: .aeadAes128Gcm, rtcp: false, plain: rtpPlain,
                    protected: bytes("800f1234decafbadcafebabec5002ede04cfdd2eb91159e0880aa06ed2976826f796b201df3131a127e8a392")),
        KnownAnswer(name: "RTCP (libsrtp)", profile: .aeadAes128Gcm, rtcp: true, plain: rtcpPlain,
                    protected: bytes("81c8000bcafebabec98b8b5df0392a55852b6c21ac8e7025c52c6fbea2b3b446ea31123ba88ce61e80000001")),
        KnownAnswer(name: "RTP", profile: .aeadAes256Gcm, rtcp: false, plain: rtpPlain,
                    protected: bytes("800f1234decafbadcafebabe0af7f21e8a90bdad7a425c9c31ed4bb1d90238917e7390a2793500e1681acaea")),
        KnownAnswer(name: "RTCP", profile: .aeadAes256Gcm, rtcp: true, plain: rtcpPlain,
                    protected: bytes("81c8000bcafebabe8abfafa780070a90e80f9161cf4aac081ed93aaa53c15b0f3ed1a3b984167b0380000001")),
        // Header with CSRCs and an extension (authenticated, not encrypted).
        KnownAnswer(name: "RTP with CSRCs + extension", profile: .aesCm128HmacSha1_80, rtcp: false, plain: rtpWithExtensions,
                    protected: bytes("926ffffe0000006411223344aaaaaaaabbbbbbbbbede000110ff00007863585509d4f7ada1612e4a3e452be5e0a26666a06be5e96db26b2ada2043b1ea8ed611af1b04cc503cb0cd4131b8acc5b42d29d75fafd2955104e4")),
        KnownAnswer(name: "RTP with CSRCs + extension", profile: .aesCm128HmacSha1_32, rtcp: false, plain: rtpWithExtensions,
                    protected: bytes("926ffffe0000006411223344aaaaaaaabbbbbbbbbede000110ff00007863585509d4f7ada1612e4a3e452be5e0a26666a06be5e96db26b2ada2043b1ea8ed611af1b04cc503cb0cd4131b8acc5b42d29d75f")),
        KnownAnswer(name: "RTP with CSRCs + extension", profile: .aeadAes128Gcm, rtcp: false, plain: rtpWithExtensions,
                    protected: bytes("926ffffe0000006411223344aaaaaaaabbbbbbbbbede000110ff000027ef4b8594e4889961269124a2a2b75d035efa251dea06b1a6f05149382f92576bb9e37cd050e70a158482051a9502cd073b63f84d6d6368daeb25fbc6b8821c597f")),
        KnownAnswer(name: "RTP with CSRCs + extension", profile: .aeadAes256Gcm, rtcp: false, plain: rtpWithExtensions,
                    protected: bytes("926ffffe0000006411223344aaaaaaaabbbbbbbbbede000110ff000093afe195ebc73826ba3499f9e2293ecec70a959372d552bf744cdbac7e75a626e70def2362c27601f05f85fab812a4ee6999013414d046ce719f18d4d8a0c1803454")),
    ]
}

/// Deterministic generator so fuzz failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `count` pseudo-random bytes, eight at a time (fast even in debug builds).
    mutating func bytes(_ count: Int) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: count)
        output.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < count {
                var word = next()
                let chunk = min(8, count - offset)
                withUnsafeBytes(of: &word) { wordBytes in
                    buffer[offset..<offset + chunk].copyBytes(from: wordBytes[..<chunk])
                }
                offset += chunk
            }
        }
        return output
    }
}

enum SrtpPackets {
    static func rtp(seq: UInt16, timestamp: UInt32 = 0, ssrc: UInt32, payloadType: UInt8 = 96, payload: [UInt8]) -> [UInt8] {
        var packet: [UInt8] = [0x80, payloadType & 0x7F]
        packet += [UInt8(seq >> 8), UInt8(seq & 0xFF)]
        packet += withUnsafeBytes(of: timestamp.bigEndian, Array.init)
        packet += withUnsafeBytes(of: ssrc.bigEndian, Array.init)
        return packet + payload
    }

    /// A compound RTCP packet: SR (no report blocks) + SDES with one CNAME.
    static func rtcpCompound(ssrc: UInt32, counter: UInt32) -> [UInt8] {
        let ssrcBytes = withUnsafeBytes(of: ssrc.bigEndian, Array.init)
        var sr: [UInt8] = [0x80, 200, 0x00, 0x06] + ssrcBytes
        sr += withUnsafeBytes(of: (UInt64(counter) << 32 | 0x1234).bigEndian, Array.init)  // NTP
        sr += withUnsafeBytes(of: (counter &* 960).bigEndian, Array.init)                     // RTP ts
        sr += withUnsafeBytes(of: counter.bigEndian, Array.init)                              // packets
        sr += withUnsafeBytes(of: (counter &* 100).bigEndian, Array.init)                     // octets
        let cname = Array("sluice-test".utf8)                                                  // 11 bytes
        var sdes: [UInt8] = [0x81, 202, 0x00, 0x05] + ssrcBytes + [1, UInt8(cname.count)] + cname
        sdes += [0, 0, 0]                                                                      // end + pad to 24
        return sr + sdes
    }

    static func ssrc(ofRtp packet: [UInt8]) -> UInt32 {
        packet[8..<12].reduce(0) { $0 << 8 | UInt32($1) }
    }
}

func session(_ profile: SrtpProfile, _ direction: SrtpDirection, key: [UInt8]? = nil) throws -> SrtpSession {
    try SrtpSession(profile: profile, keyAndSalt: key ?? SrtpVectors.key(for: profile), direction: direction)
}

func randomKey(_ profile: SrtpProfile) -> [UInt8] {
    (0..<profile.keyAndSaltLength).map { _ in UInt8.random(in: 0...255) }
}

// MARK: - Profiles

@Suite("SrtpProfile")
struct SrtpProfileTests {
    @Test func lengthsAndNames() {
        let expected: [(SrtpProfile, String, key: Int, salt: Int, total: Int, rtp: Int, rtcp: Int)] = [
            (.aesCm128HmacSha1_80, "AES_CM_128_HMAC_SHA1_80", 16, 14, 30, 10, 14),
            (.aesCm128HmacSha1_32, "AES_CM_128_HMAC_SHA1_32", 16, 14, 30, 4, 14),
            (.aeadAes128Gcm, "AEAD_AES_128_GCM", 16, 12, 28, 16, 20),
            (.aeadAes256Gcm, "AEAD_AES_256_GCM", 32, 12, 44, 16, 20),
        ]
        #expect(expected.map(\.0) == SrtpProfile.allCases)
        for (profile, name, key, salt, total, rtp, rtcp) in expected {
            #expect(profile.rawValue == name)
            #expect(SrtpProfile(rawValue: name) == profile)
            #expect(profile.masterKeyLength == key)
            #expect(profile.masterSaltLength == salt)
            #expect(profile.keyAndSaltLength == total)
            #expect(profile.rtpTrailerLength == rtp)
            #expect(profile.rtcpTrailerLength == rtcp)
            #expect(profile.rtcpTrailerLength <= SrtpSession.maxTrailerLength)
        }
        #expect(SrtpProfile(rawValue: "aes_cm_128_hmac_sha1_80") == nil)
    }

    @Test func maxTrailerLengthIsLibsrtpsPlusSrtcpIndex() {
        // SRTP_MAX_TRAILER_LEN = SRTP_MAX_TAG_LEN (16) + SRTP_MAX_MKI_LEN (128), + 4 for E|index.
        #expect(SrtpSession.maxTrailerLength == 148)
    }

    @Test func errorDescriptions() {
        #expect(SrtpError.badKeyLength(expected: 30, got: 29).description == "SRTP master key and salt must be 30 bytes, got 29")
        #expect(SrtpError.library("srtp_err_status_bad_param in srtp_protect").description.contains("srtp_err_status_bad_param in srtp_protect"))
        #expect(SrtpError.authenticationFailed.description.contains("authentication"))
        #expect(SrtpError.replay.description.contains("replay"))
        #expect(SrtpError.tooShort.description.contains("short"))
        #expect(SrtpError.bufferTooSmall(needed: 160, available: 100).description.contains("160"))
    }
}

// MARK: - Known answers

@Suite("SrtpSession known answers")
struct SrtpKnownAnswerTests {
    @Test(arguments: SrtpVectors.knownAnswers)
    func protectMatchesVector(_ vector: SrtpVectors.KnownAnswer) throws {
        let sender = try session(vector.profile, .outbound)
        var packet = vector.plain
        if vector.rtcp { try sender.protectRtcp(&packet) } else { try sender.protectRtp(&packet) }
        #expect(packet == vector.protected)
        let trailer = vector.rtcp ? vector.profile.rtcpTrailerLength : vector.profile.rtpTrailerLength
        #expect(packet.count == vector.plain.count + trailer)
    }

    @Test(arguments: SrtpVectors.knownAnswers)
    func unprotectMatchesVector(_ vector: SrtpVectors.KnownAnswer) throws {
        let receiver = try session(vector.profile, .inbound)
        var packet = vector.protected
        if vector.rtcp { try receiver.unprotectRtcp(&packet) } else { try receiver.unprotectRtp(&packet) }
        #expect(packet == vector.plain)
    }

    @Test(arguments: SrtpVectors.knownAnswers)
    func rawBufferProtectMatchesVector(_ vector: SrtpVectors.KnownAnswer) throws {
        let sender = try session(vector.profile, .outbound)
        // A buffer with unrelated bytes before the packet, like a ByteBuffer slice.
        let offset = 4
        let storage = UnsafeMutableRawBufferPointer.allocate(
            byteCount: offset + vector.plain.count + SrtpSession.maxTrailerLength, alignment: 16)
        defer { storage.deallocate() }
        storage.initializeMemory(as: UInt8.self, repeating: 0xEE)
        let packetBytes = UnsafeMutableRawBufferPointer(rebasing: storage[offset...])
        packetBytes.copyBytes(from: vector.plain)
        let length = vector.rtcp
            ? try sender.protectRtcp(packetBytes, length: vector.plain.count)
            : try sender.protectRtp(packetBytes, length: vector.plain.count)
        #expect(Array(packetBytes[..<length]) == vector.protected)
        #expect(Array(storage[..<offset]) == [0xEE, 0xEE, 0xEE, 0xEE])

        let receiver = try session(vector.profile, .inbound)
        let plainLength = vector.rtcp
            ? try receiver.unprotectRtcp(packetBytes, length: length)
            : try receiver.unprotectRtp(packetBytes, length: length)
        #expect(Array(packetBytes[..<plainLength]) == vector.plain)
    }
}

// MARK: - Round trips and failures

@Suite("SrtpSession")
struct SrtpSessionTests {
    @Test(arguments: SrtpProfile.allCases)
    func rtpRoundTripAcrossSsrcsAndSequenceWrap(_ profile: SrtpProfile) throws {
        let key = randomKey(profile)
        let sender = try session(profile, .outbound, key: key)
        let receiver = try session(profile, .inbound, key: key)
        var random = SplitMix64(state: 42)
        let ssrcs: [UInt32] = [0x1111_1111, 0xDEAD_BEEF, 7]
        for index in 0..<300 {
            let ssrc = ssrcs[index % ssrcs.count]
            let seq = UInt16(truncatingIfNeeded: 65_400 + index / ssrcs.count)  // wraps for every SSRC
            let payloadLength = index == 0 ? 0 : Int.random(in: 1...1200, using: &random)
            let payload = random.bytes(payloadLength)
            let plain = SrtpPackets.rtp(seq: seq, timestamp: UInt32(index) * 960, ssrc: ssrc, payload: payload)

            var packet = plain
            try sender.protectRtp(&packet)
            #expect(packet.count == plain.count + profile.rtpTrailerLength)
            #expect(packet.prefix(12) == plain.prefix(12), "header stays in the clear")
            if payloadLength >= 8 {
                #expect(packet[12..<plain.count] != plain[12...], "payload is encrypted")
            }
            try receiver.unprotectRtp(&packet)
            #expect(packet == plain)
        }
    }

    @Test(arguments: SrtpProfile.allCases)
    func rtcpRoundTrip(_ profile: SrtpProfile) throws {
        let key = randomKey(profile)
        let sender = try session(profile, .outbound, key: key)
        let receiver = try session(profile, .inbound, key: key)
        for counter in 1...50 as ClosedRange<UInt32> {
            let ssrc: UInt32 = counter.isMultiple(of: 2) ? 0xAABB_CCDD : 0x0102_0304
            let plain = SrtpPackets.rtcpCompound(ssrc: ssrc, counter: counter)
            var packet = plain
            try sender.protectRtcp(&packet)
            #expect(packet.count == plain.count + profile.rtcpTrailerLength)
            #expect(packet.prefix(8) == plain.prefix(8), "first header stays in the clear")
            #expect(packet[8..<plain.count] != plain[8...], "rest is encrypted")
            // E flag set, per-SSRC SRTCP index counts from 1.
            let trailerStart = profile.isAead ? packet.count - 4 : plain.count
            let word = packet[trailerStart..<trailerStart + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            #expect(word == 0x8000_0000 | (counter + 1) / 2)
            try receiver.unprotectRtcp(&packet)
            #expect(packet == plain)
        }
    }

    @Test(arguments: SrtpProfile.allCases)
    func retransmissionReprotectsIdentically(_ profile: SrtpProfile) throws {
        let sender = try session(profile, .outbound)
        let receiver = try session(profile, .inbound)
        let plain = SrtpPackets.rtp(seq: 100, ssrc: 5, payload: Array(repeating: 0x42, count: 100))
        var first = plain
        try sender.protectRtp(&first)
        var later = SrtpPackets.rtp(seq: 101, ssrc: 5, payload: [1, 2, 3])
        try sender.protectRtp(&later)
        var again = plain
        try sender.protectRtp(&again)  // allow_repeat_tx
        #expect(again == first)

        var received = first
        try receiver.unprotectRtp(&received)
        #expect(received == plain)
        #expect(throws: SrtpError.replay) { try receiver.unprotectRtp(&again) }
    }

    @Test(arguments: SrtpProfile.allCases)
    func replayedPacketsAreRejected(_ profile: SrtpProfile) throws {
        let sender = try session(profile, .outbound)
        let receiver = try session(profile, .inbound)

        var rtp = SrtpPackets.rtp(seq: 1000, ssrc: 9, payload: Array(repeating: 1, count: 40))
        try sender.protectRtp(&rtp)
        var copy = rtp
        try receiver.unprotectRtp(&copy)
        copy = rtp
        #expect(throws: SrtpError.replay) { try receiver.unprotectRtp(&copy) }
        #expect(copy.count == rtp.count, "length unchanged on failure")

        var rtcp = SrtpPackets.rtcpCompound(ssrc: 9, counter: 1)
        try sender.protectRtcp(&rtcp)
        var rtcpCopy = rtcp
        try receiver.unprotectRtcp(&rtcpCopy)
        rtcpCopy = rtcp
        #expect(throws: SrtpError.replay) { try receiver.unprotectRtcp(&rtcpCopy) }
    }

    @Test(arguments: SrtpProfile.allCases)
    func packetsOlderThanTheReplayWindowAreRejected(_ profile: SrtpProfile) throws {
        let sender = try session(profile, .outbound)
        let receiver = try session(profile, .inbound)
        var protected: [UInt16: [UInt8]] = [:]
        for seq in [10, 11, 2000] as [UInt16] {
            var packet = SrtpPackets.rtp(seq: seq, ssrc: 77, payload: [UInt8](repeating: 3, count: 20))
            try sender.protectRtp(&packet)
            protected[seq] = packet
        }
        var packet = try #require(protected[10])
        try receiver.unprotectRtp(&packet)
        packet = try #require(protected[2000])
        try receiver.unprotectRtp(&packet)
        // 11 was never received, but is now 1989 behind: outside the 1024-packet window.
        packet = try #require(protected[11])
        #expect(throws: SrtpError.replay) { try receiver.unprotectRtp(&packet) }
    }

    @Test(arguments: SrtpProfile.allCases)
    func tamperedPacketsFailAuthentication(_ profile: SrtpProfile) throws {
        let sender = try session(profile, .outbound)
        let receiver = try session(profile, .inbound)

        let plain = SrtpPackets.rtp(seq: 500, ssrc: 0xCAFE, payload: Array(0..<100))
        var rtp = plain
        try sender.protectRtp(&rtp)
        // A flipped bit in the header, the payload, and the tag.
        for position in [1, 5, 12, 60, rtp.count - 1] {
            var tampered = rtp
            tampered[position] ^= 0x01
            #expect(throws: SrtpError.authenticationFailed, "byte \(position)") { try receiver.unprotectRtp(&tampered) }
        }
        // The genuine packet still decrypts afterwards: failures leave no state behind.
        var genuine = rtp
        try receiver.unprotectRtp(&genuine)
        #expect(genuine == plain)

        let plainRtcp = SrtpPackets.rtcpCompound(ssrc: 0xCAFE, counter: 3)
        var rtcp = plainRtcp
        try sender.protectRtcp(&rtcp)
        // Header, encrypted body, index (low byte), tag. (Flipping the E flag is a
        // different, non-authentication error.)
        let indexLowByte = profile.isAead ? rtcp.count - 1 : plainRtcp.count + 3
        for position in [6, 20, indexLowByte, profile.isAead ? rtcp.count - 6 : rtcp.count - 1] {
            var tampered = rtcp
            tampered[position] ^= 0x10
            #expect(throws: SrtpError.authenticationFailed, "byte \(position)") { try receiver.unprotectRtcp(&tampered) }
        }
        var genuineRtcp = rtcp
        try receiver.unprotectRtcp(&genuineRtcp)
        #expect(genuineRtcp == plainRtcp)
    }

    @Test(arguments: SrtpProfile.allCases)
    func wrongKeyFailsAuthentication(_ profile: SrtpProfile) throws {
        let sender = try session(profile, .outbound, key: randomKey(profile))
        let receiver = try session(profile, .inbound, key: randomKey(profile))
        var rtp = SrtpPackets.rtp(seq: 1, ssrc: 1, payload: Array(repeating: 9, count: 160))
        try sender.protectRtp(&rtp)
        #expect(throws: SrtpError.authenticationFailed) { try receiver.unprotectRtp(&rtp) }
        var rtcp = SrtpPackets.rtcpCompound(ssrc: 1, counter: 1)
        try sender.protectRtcp(&rtcp)
        #expect(throws: SrtpError.authenticationFailed) { try receiver.unprotectRtcp(&rtcp) }
    }

    @Test func sameKeyDifferentProfileFailsAuthentication() throws {
        // AES_CM _80 packet fed to an AES_CM _32 receiver (same key): the tag is cut wrong.
        let sender = try session(.aesCm128HmacSha1_80, .outbound)
        let receiver = try session(.aesCm128HmacSha1_32, .inbound)
        var rtp = SrtpVectors.rtpPlain
        try sender.protectRtp(&rtp)
        #expect(throws: SrtpError.authenticationFailed) { try receiver.unprotectRtp(&rtp) }
    }

    @Test(arguments: SrtpProfile.allCases)
    func badKeyLength(_ profile: SrtpProfile) {
        let expected = profile.keyAndSaltLength
        for count in [0, 1, expected - 1, expected + 1, 46, 64] {
            #expect(throws: SrtpError.badKeyLength(expected: expected, got: count)) {
                try SrtpSession(profile: profile, keyAndSalt: [UInt8](repeating: 7, count: count), direction: .outbound)
            }
        }
    }

    @Test(arguments: SrtpProfile.allCases)
    func shortInputIsRejected(_ profile: SrtpProfile) throws {
        let sender = try session(profile, .outbound)
        let receiver = try session(profile, .inbound)
        for length in 0..<12 {
            var packet = [UInt8](repeating: 0x80, count: length)
            #expect(throws: SrtpError.tooShort) { try sender.protectRtp(&packet) }
            #expect(packet.count == length)
        }
        for length in 0..<(12 + profile.rtpTrailerLength) {
            var packet = [UInt8](repeating: 0x80, count: length)
            #expect(throws: SrtpError.tooShort) { try receiver.unprotectRtp(&packet) }
        }
        for length in 0..<8 {
            var packet = [UInt8](repeating: 0x81, count: length)
            #expect(throws: SrtpError.tooShort) { try sender.protectRtcp(&packet) }
        }
        for length in 0..<(8 + profile.rtcpTrailerLength) {
            var packet = [UInt8](repeating: 0x81, count: length)
            #expect(throws: SrtpError.tooShort) { try receiver.unprotectRtcp(&packet) }
        }
    }

    @Test(arguments: SrtpProfile.allCases)
    func headerClaimingMoreThanThePacketIsRejected(_ profile: SrtpProfile) throws {
        let sender = try session(profile, .outbound)
        // CC = 15 needs 72 header bytes; the packet has 20.
        var csrcs = SrtpPackets.rtp(seq: 1, ssrc: 1, payload: Array(repeating: 0, count: 8))
        csrcs[0] = 0x8F
        let original = csrcs
        #expect(throws: SrtpError.library("srtp_err_status_bad_param in srtp_protect")) { try sender.protectRtp(&csrcs) }
        #expect(csrcs == original, "unchanged on failure")
        // X bit with an extension length of 0xFFFF words.
        var extended = SrtpPackets.rtp(seq: 2, ssrc: 1, payload: [0xBE, 0xDE, 0xFF, 0xFF, 0, 0, 0, 0])
        extended[0] = 0x90
        #expect(throws: SrtpError.library("srtp_err_status_bad_param in srtp_protect")) { try sender.protectRtp(&extended) }
    }

    @Test(arguments: SrtpProfile.allCases)
    func garbageNeverDecryptsOrCrashes(_ profile: SrtpProfile) throws {
        let receiver = try session(profile, .inbound)
        var random = SplitMix64(state: UInt64(profile.keyAndSaltLength) &* 1_000_003)
        for round in 0..<3000 {
            let length = round < 200 ? round : Int.random(in: 0...1500, using: &random)
            var packet = random.bytes(length)
            if round.isMultiple(of: 2), length > 0 { packet[0] = 0x80 | (packet[0] & 0x3F) }  // plausible version
            let rtcp = round.isMultiple(of: 3)
            do throws(SrtpError) {
                if rtcp { try receiver.unprotectRtcp(&packet) } else { try receiver.unprotectRtp(&packet) }
                Issue.record("garbage of \(length) bytes was accepted")
            } catch {
                #expect(packet.count == length)
                switch error {
                case .tooShort, .authenticationFailed, .library: break
                default: Issue.record("unexpected \(error) for \(length) garbage bytes")
                }
            }
        }
    }

    @Test func rawBufferRoomAndLengthAreChecked() throws {
        let sender = try session(.aesCm128HmacSha1_80, .outbound)
        let plain = SrtpVectors.rtpPlain
        let tight = UnsafeMutableRawBufferPointer.allocate(
            byteCount: plain.count + SrtpSession.maxTrailerLength - 1, alignment: 16)
        defer { tight.deallocate() }
        tight.copyBytes(from: plain)
        #expect(throws: SrtpError.bufferTooSmall(needed: plain.count + SrtpSession.maxTrailerLength, available: tight.count)) {
            _ = try sender.protectRtp(tight, length: plain.count)
        }
        #expect(throws: SrtpError.bufferTooSmall(needed: plain.count + SrtpSession.maxTrailerLength, available: tight.count)) {
            _ = try sender.protectRtcp(tight, length: plain.count)
        }
        #expect(throws: SrtpError.bufferTooSmall(needed: tight.count + 1, available: tight.count)) {
            _ = try sender.unprotectRtp(tight, length: tight.count + 1)
        }
        #expect(throws: SrtpError.tooShort) { _ = try sender.unprotectRtcp(tight, length: -1) }
        #expect(throws: SrtpError.tooShort) { _ = try sender.protectRtp(tight, length: -1) }
        #expect(Array(tight[..<plain.count]) == plain, "untouched")
        // Unprotecting needs no room beyond the packet.
        var protected = plain
        try sender.protectRtp(&protected)
        let exact = UnsafeMutableRawBufferPointer.allocate(byteCount: protected.count, alignment: 16)
        defer { exact.deallocate() }
        exact.copyBytes(from: protected)
        let receiver = try session(.aesCm128HmacSha1_80, .inbound)
        #expect(try receiver.unprotectRtp(exact, length: exact.count) == plain.count)
        #expect(Array(exact[..<plain.count]) == plain)
        // An empty buffer is an error, not a crash.
        #expect(throws: SrtpError.tooShort) { _ = try receiver.unprotectRtp(UnsafeMutableRawBufferPointer(start: nil, count: 0), length: 0) }
    }

    @Test func sessionsWorkConcurrentlyOnDifferentThreads() async throws {
        // Also races the one-time srtp_init when this test runs first.
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for task in 0..<8 {
                group.addTask {
                    let profile = SrtpProfile.allCases[task % SrtpProfile.allCases.count]
                    let key = randomKey(profile)
                    let sender = try session(profile, .outbound, key: key)
                    let receiver = try session(profile, .inbound, key: key)
                    for seq in 0..<500 as Range<UInt16> {
                        let plain = SrtpPackets.rtp(seq: seq, ssrc: UInt32(task), payload: Array(repeating: UInt8(task), count: 300))
                        var packet = plain
                        try sender.protectRtp(&packet)
                        try receiver.unprotectRtp(&packet)
                        guard packet == plain else { return false }
                    }
                    return true
                }
            }
            var all: [Bool] = []
            for try await result in group { all.append(result) }
            return all
        }
        #expect(results == Array(repeating: true, count: 8))
    }

    @Test func sessionExposesItsConfiguration() throws {
        let inbound = try session(.aeadAes256Gcm, .inbound)
        #expect(inbound.profile == .aeadAes256Gcm)
        #expect(inbound.direction == .inbound)
    }
}

extension SrtpProfile {
    var isAead: Bool { self == .aeadAes128Gcm || self == .aeadAes256Gcm }
}
