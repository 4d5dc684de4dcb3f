import NIOCore
import Testing

@testable import SluiceRTP

/// Re-parses a mutated packet's bytes and checks the result agrees with it.
func packetsExpectReparses(_ packet: RtpPacket, sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        let reparsed = try RtpPacket(parsing: packet.buffer)
        #expect(reparsed.headerLength == packet.headerLength, sourceLocation: sourceLocation)
        #expect(reparsed.paddingLength == packet.paddingLength, sourceLocation: sourceLocation)
        #expect(Array(reparsed.payload) == Array(packet.payload), sourceLocation: sourceLocation)
    } catch {
        Issue.record("mutated packet does not parse: \(error)", sourceLocation: sourceLocation)
    }
}

@Suite("RTP header extensions: setExtension, remapExtensionIds, removeAllExtensions")
struct PacketsRtpExtensionTests {
    /// V=2 P=1 X=1 CC=1, one-byte block with id 1 (1 byte) and id 3 (3 bytes), payload 2 bytes, padding 2.
    static let base: [UInt8] = [
        0xB1, 0x60, 0x00, 0x05, // V=2 P=1 X=1 CC=1 PT=96 seq=5
        0x00, 0x00, 0x00, 0x06, // ts=6
        0x00, 0x00, 0x00, 0x07, // ssrc=7
        0x00, 0x00, 0x00, 0x08, // csrc=8
        0xBE, 0xDE, 0x00, 0x02, // one-byte, 2 words
        0x10, 0x8A, 0x32, 0x12, // ID=1 L=0 8A | ID=3 L=2 12..
        0x34, 0x56, 0x00, 0x00, // ..34 56 | pad pad
        0xAB, 0xCD, // payload
        0x00, 0x02, // padding count=2
    ]

    static let noExtension: [UInt8] = [
        0x80, 0x60, 0x00, 0x05, // V=2 X=0 PT=96 seq=5
        0x00, 0x00, 0x00, 0x06, // ts=6
        0x00, 0x00, 0x00, 0x07, // ssrc=7
        0xAB, 0xCD, // payload
    ]

    @Test("same length: value rewritten in place, nothing else moves")
    func setInPlace() throws {
        var packet = try RtpPacket(parsing: packetsBuffer(Self.base))
        packet.setExtension(id: 3, value: [0xAA, 0xBB, 0xCC])
        var expected = Self.base
        expected[23] = 0xAA
        expected[24] = 0xBB
        expected[25] = 0xCC
        #expect(packetsBytes(packet.buffer) == expected)
        packetsExpectReparses(packet)
    }

    @Test("new element on a packet without extensions: one-byte block added, X set")
    func addToBare() throws {
        var packet = try RtpPacket(parsing: packetsBuffer(Self.noExtension))
        packet.setExtension(id: 4, value: [0x01, 0x02])
        #expect(packetsBytes(packet.buffer) == [
            0x90, 0x60, 0x00, 0x05, // V=2 X=1 PT=96 seq=5
            0x00, 0x00, 0x00, 0x06,
            0x00, 0x00, 0x00, 0x07,
            0xBE, 0xDE, 0x00, 0x01, // one-byte, 1 word
            0x41, 0x01, 0x02, 0x00, // ID=4 L=1 01 02 | pad
            0xAB, 0xCD, // payload
        ])
        #expect(packet.extensionProfile == 0xBEDE)
        packetsExpectReparses(packet)
    }

    @Test("different length: header rebuilt, CSRC, payload and padding kept")
    func setDifferentLength() throws {
        var packet = try RtpPacket(parsing: packetsBuffer(Self.base))
        packet.setExtension(id: 1, value: [0x01, 0x02, 0x03, 0x04, 0x05])
        #expect(packetsBytes(packet.buffer) == [
            0xB1, 0x60, 0x00, 0x05, // V=2 P=1 X=1 CC=1
            0x00, 0x00, 0x00, 0x06,
            0x00, 0x00, 0x00, 0x07,
            0x00, 0x00, 0x00, 0x08, // csrc
            0xBE, 0xDE, 0x00, 0x03, // one-byte, 3 words
            0x14, 0x01, 0x02, 0x03, // ID=1 L=4 01..
            0x04, 0x05, 0x32, 0x12, // ..05 | ID=3 L=2 12..
            0x34, 0x56, 0x00, 0x00, // ..56 | pad pad
            0xAB, 0xCD, // payload
            0x00, 0x02, // padding
        ])
        #expect(packet.csrcs == [8])
        packetsExpectReparses(packet)
    }

    @Test("id 15 forces the two-byte form for every element")
    func setTwoByteById() throws {
        var packet = try RtpPacket(parsing: packetsBuffer(Self.base))
        packet.setExtension(id: 15, value: [0xEE])
        #expect(packetsBytes(packet.buffer) == [
            0xB1, 0x60, 0x00, 0x05,
            0x00, 0x00, 0x00, 0x06,
            0x00, 0x00, 0x00, 0x07,
            0x00, 0x00, 0x00, 0x08,
            0x10, 0x00, 0x00, 0x03, // two-byte, 3 words
            0x01, 0x01, 0x8A, 0x03, // ID=1 L=1 8A | ID=3
            0x03, 0x12, 0x34, 0x56, // L=3 12 34 56
            0x0F, 0x01, 0xEE, 0x00, // ID=15 L=1 EE | pad
            0xAB, 0xCD,
            0x00, 0x02,
        ])
        #expect(packet.extensionValue(id: 15).map(Array.init) == [0xEE])
        #expect(packet.extensionValue(id: 3).map(Array.init) == [0x12, 0x34, 0x56])
        packetsExpectReparses(packet)
    }

    @Test("17-byte and empty values need the two-byte form")
    func setTwoByteByLength() throws {
        var packet = try RtpPacket(parsing: packetsBuffer(Self.noExtension))
        packet.setExtension(id: 2, value: [UInt8](repeating: 0x11, count: 17))
        #expect(packet.extensionProfile == 0x1000)
        #expect(packet.extensionValue(id: 2).map(Array.init) == [UInt8](repeating: 0x11, count: 17))
        packet.setExtension(id: 3, value: [UInt8]())
        #expect(packet.extensionValue(id: 3).map(Array.init) == [])
        packetsExpectReparses(packet)
        // Back to values that fit: the next rebuild uses the one-byte form again.
        packet.setExtension(id: 2, value: [0x22])
        packet.removeExtension(id: 3)
        #expect(packet.extensionProfile == 0xBEDE)
        #expect(packet.extensions.map(\.id) == [2])
        packetsExpectReparses(packet)
    }

    @Test("id 0 and values over 255 bytes are ignored")
    func setInvalid() throws {
        var packet = try RtpPacket(parsing: packetsBuffer(Self.base))
        packet.setExtension(id: 0, value: [1])
        packet.setExtension(id: 9, value: [UInt8](repeating: 0, count: 256))
        #expect(packetsBytes(packet.buffer) == Self.base)
    }

    @Test("a block with an unknown profile is replaced")
    func setOnOtherProfile() throws {
        var packet = try RtpPacket(parsing: packetsBuffer([
            0x90, 0x60, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03,
            0xAB, 0xCD, 0x00, 0x01, 0x10, 0x20, 0x30, 0x40, // profile 0xABCD
            0x55,
        ]))
        packet.setExtension(id: 1, value: [0x09])
        #expect(packetsBytes(packet.buffer) == [
            0x90, 0x60, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03,
            0xBE, 0xDE, 0x00, 0x01, 0x10, 0x09, 0x00, 0x00,
            0x55,
        ])
    }

    @Test("remap: ids rewritten in place, nil blanks the element with padding")
    func remapInPlace() throws {
        var packet = try RtpPacket(parsing: packetsBuffer(Self.base))
        packet.remapExtensionIds { id in id == 1 ? 5 : nil }
        var expected = Self.base
        expected[20] = 0x50 // ID=5 L=0
        expected[22...25] = [0x00, 0x00, 0x00, 0x00] // ID=3 element blanked
        #expect(packetsBytes(packet.buffer) == expected)
        #expect(packet.extensionValue(id: 5).map(Array.init) == [0x8A])
        #expect(packet.extensionValue(id: 1) == nil)
        #expect(packet.extensionValue(id: 3) == nil)
        #expect(packet.extensions.map(\.id) == [5])
        packetsExpectReparses(packet)
    }

    @Test("remap: identity leaves the bytes alone; mapping to 0 removes")
    func remapIdentityAndZero() throws {
        var packet = try RtpPacket(parsing: packetsBuffer(Self.base))
        packet.remapExtensionIds { $0 }
        #expect(packetsBytes(packet.buffer) == Self.base)
        packet.remapExtensionIds { _ in 0 }
        #expect(packet.extensions.isEmpty)
        #expect(packet.headerLength == 28)
    }

    @Test("remap in the one-byte form to an id above 14 rebuilds in the two-byte form")
    func remapToTwoByte() throws {
        var packet = try RtpPacket(parsing: packetsBuffer(Self.base))
        packet.remapExtensionIds { $0 == 3 ? 200 : $0 }
        #expect(packet.extensionProfile == 0x1000)
        #expect(packet.extensionValue(id: 1).map(Array.init) == [0x8A])
        #expect(packet.extensionValue(id: 200).map(Array.init) == [0x12, 0x34, 0x56])
        packetsExpectReparses(packet)
    }

    @Test("remap in the two-byte form (RFC 8285 §4.3 example)")
    func remapTwoByte() throws {
        var packet = try RtpPacket(parsing: packetsBuffer(packetsRtpVectors[6].bytes))
        packet.remapExtensionIds { id in [1: 201, 2: nil, 3: 7][id] ?? nil }
        #expect(packetsBytes(packet.buffer) == [
            0x90, 0x60, 0x00, 0x01,
            0x00, 0x00, 0x00, 0x02,
            0x00, 0x00, 0x00, 0x03,
            0x10, 0x00, 0x00, 0x03,
            0xC9, 0x00, 0x00, 0x00, // ID=201 L=0 | ID=2 element blanked
            0x00, 0x00, 0x07, 0x04, // ..blanked | pad | ID=7 L=4
            0xCC, 0xCC, 0xCC, 0xCC,
        ])
        #expect(packet.extensions.map(\.id) == [201, 7])
    }

    @Test("removeAllExtensions clears X and drops the block")
    func removeAll() throws {
        var packet = try RtpPacket(parsing: packetsBuffer(Self.base))
        packet.removeAllExtensions()
        #expect(packetsBytes(packet.buffer) == [
            0xA1, 0x60, 0x00, 0x05, // V=2 P=1 X=0 CC=1
            0x00, 0x00, 0x00, 0x06,
            0x00, 0x00, 0x00, 0x07,
            0x00, 0x00, 0x00, 0x08,
            0xAB, 0xCD,
            0x00, 0x02,
        ])
        #expect(packet.extensionProfile == nil)
        packetsExpectReparses(packet)

        var bare = try RtpPacket(parsing: packetsBuffer(Self.noExtension))
        bare.removeAllExtensions()
        #expect(packetsBytes(bare.buffer) == Self.noExtension)
    }

    @Test("removing the last element drops the block")
    func removeLastElement() throws {
        var packet = try RtpPacket(parsing: packetsBuffer(Self.base))
        packet.removeExtension(id: 1)
        packet.removeExtension(id: 3)
        #expect(packet.extensionProfile == nil)
        #expect(packet.headerLength == 16)
        packetsExpectReparses(packet)
    }
}

@Suite("RTP retransmission (RFC 4588)")
struct PacketsRtxTests {
    @Test("encode: PT, SSRC, sequence number replaced, OSN first, padding dropped; decode restores")
    func roundTrip() throws {
        let original = try RtpPacket(parsing: packetsBuffer(PacketsRtpExtensionTests.base))
        let rtx = original.rtxEncoded(payloadType: 97, ssrc: 0x0102_0304, sequenceNumber: 0x0900)
        #expect(packetsBytes(rtx.buffer) == [
            0x91, 0x61, 0x09, 0x00, // V=2 P=0 X=1 CC=1 PT=97 seq=0x0900
            0x00, 0x00, 0x00, 0x06, // ts kept
            0x01, 0x02, 0x03, 0x04, // RTX ssrc
            0x00, 0x00, 0x00, 0x08, // csrc kept
            0xBE, 0xDE, 0x00, 0x02, // extensions kept
            0x10, 0x8A, 0x32, 0x12,
            0x34, 0x56, 0x00, 0x00,
            0x00, 0x05, // OSN = 5
            0xAB, 0xCD, // original payload
        ])
        packetsExpectReparses(rtx)

        let decoded = try #require(rtx.rtxDecoded(payloadType: 96, ssrc: 7))
        #expect(packetsBytes(decoded.buffer) == [
            0x91, 0x60, 0x00, 0x05,
            0x00, 0x00, 0x00, 0x06,
            0x00, 0x00, 0x00, 0x07,
            0x00, 0x00, 0x00, 0x08,
            0xBE, 0xDE, 0x00, 0x02,
            0x10, 0x8A, 0x32, 0x12,
            0x34, 0x56, 0x00, 0x00,
            0xAB, 0xCD,
        ])
        packetsExpectReparses(decoded)
    }

    @Test("marker bit survives both ways")
    func marker() throws {
        let original = RtpPacket(payloadType: 96, sequenceNumber: 65535, timestamp: 9, ssrc: 1, marker: true, payload: [1])
        let rtx = original.rtxEncoded(payloadType: 97, ssrc: 2, sequenceNumber: 0)
        #expect(rtx.marker)
        let back = try #require(rtx.rtxDecoded(payloadType: 96, ssrc: 1))
        #expect(back == original)
    }

    @Test("decode needs at least the 2-byte OSN")
    func decodeTooShort() throws {
        let empty = RtpPacket(payloadType: 97, sequenceNumber: 1, timestamp: 2, ssrc: 3, payload: [UInt8]())
        #expect(empty.rtxDecoded(payloadType: 96, ssrc: 1) == nil)
        let one = RtpPacket(payloadType: 97, sequenceNumber: 1, timestamp: 2, ssrc: 3, payload: [0x00])
        #expect(one.rtxDecoded(payloadType: 96, ssrc: 1) == nil)
        let padded = RtpPacket(payloadType: 97, sequenceNumber: 1, timestamp: 2, ssrc: 3, payload: [0x00], paddingLength: 8)
        #expect(padded.rtxDecoded(payloadType: 96, ssrc: 1) == nil)
        let osnOnly = RtpPacket(payloadType: 97, sequenceNumber: 1, timestamp: 2, ssrc: 3, payload: [0x12, 0x34])
        let decoded = try #require(osnOnly.rtxDecoded(payloadType: 96, ssrc: 1))
        #expect(decoded.sequenceNumber == 0x1234)
        #expect(decoded.isPaddingOnly)
    }
}
