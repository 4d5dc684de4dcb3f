import NIOCore
import Testing

@testable import SluiceRTP

/// One RTP vector: bytes and what the parser must see in them.
struct PacketsRtpVector: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    var marker = false
    var payloadType: UInt8
    var sequenceNumber: UInt16
    var timestamp: UInt32
    var ssrc: UInt32
    var csrcs: [UInt32] = []
    var headerLength: Int
    var payload: [UInt8]
    var paddingLength = 0
    var extensionProfile: UInt16?
    var extensions: [PacketsExtension] = []
    /// Whether the builder writes exactly these bytes from the parsed fields (no padding inside the
    /// extension block, etc.).
    var canonical = true

    var testDescription: String { name }
}

struct PacketsExtension: Sendable, Hashable {
    var id: UInt8
    var value: [UInt8]
}

let packetsRtpVectors: [PacketsRtpVector] = [
    PacketsRtpVector(
        name: "minimal",
        bytes: [
            0x80, 0x60, 0x12, 0x34, // V=2 P=0 X=0 CC=0 M=0 PT=96 seq=0x1234
            0x00, 0x00, 0x03, 0xE8, // ts=1000
            0xDE, 0xAD, 0xBE, 0xEF, // ssrc=0xDEADBEEF
            0x01, 0x02, 0x03, // payload
        ],
        payloadType: 96, sequenceNumber: 0x1234, timestamp: 1000, ssrc: 0xDEAD_BEEF,
        headerLength: 12, payload: [1, 2, 3]),
    PacketsRtpVector(
        name: "header only, no payload",
        bytes: [
            0x80, 0x00, 0x00, 0x00, // V=2 PT=0 seq=0
            0x00, 0x00, 0x00, 0x00, // ts=0
            0x00, 0x00, 0x00, 0x01, // ssrc=1
        ],
        payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 1, headerLength: 12, payload: []),
    PacketsRtpVector(
        name: "marker and two CSRCs",
        bytes: [
            0x82, 0xE0, 0xFF, 0xFF, // V=2 P=0 X=0 CC=2 M=1 PT=96 seq=65535
            0xFF, 0xFF, 0xFF, 0xFF, // ts=0xFFFFFFFF
            0x11, 0x22, 0x33, 0x44, // ssrc
            0x00, 0x00, 0x00, 0x0A, // csrc 10
            0x00, 0x00, 0x00, 0x0B, // csrc 11
            0xAA, // payload
        ],
        marker: true, payloadType: 96, sequenceNumber: 0xFFFF, timestamp: 0xFFFF_FFFF, ssrc: 0x1122_3344,
        csrcs: [10, 11], headerLength: 20, payload: [0xAA]),
    PacketsRtpVector(
        name: "padding 3",
        bytes: [
            0xA0, 0x6F, 0x00, 0x01, // V=2 P=1 X=0 CC=0 M=0 PT=111 seq=1
            0x00, 0x00, 0x00, 0x02, // ts=2
            0x00, 0x00, 0x00, 0x03, // ssrc=3
            0xC0, 0xFF, // payload
            0x00, 0x00, 0x03, // padding, count=3
        ],
        payloadType: 111, sequenceNumber: 1, timestamp: 2, ssrc: 3, headerLength: 12, payload: [0xC0, 0xFF],
        paddingLength: 3),
    PacketsRtpVector(
        name: "padding only (bandwidth probe)",
        bytes: [
            0xA0, 0x7F, 0x00, 0x07, // V=2 P=1 PT=127 seq=7
            0x00, 0x00, 0x00, 0x08, // ts=8
            0x00, 0x00, 0x00, 0x09, // ssrc=9
            0x00, 0x00, 0x00, 0x04, // padding, count=4
        ],
        payloadType: 127, sequenceNumber: 7, timestamp: 8, ssrc: 9, headerLength: 12, payload: [],
        paddingLength: 4),
    PacketsRtpVector(
        name: "RFC 8285 §4.2 one-byte example (padding between elements)",
        bytes: [
            0x90, 0x60, 0x00, 0x01, // V=2 X=1 PT=96 seq=1
            0x00, 0x00, 0x00, 0x02, // ts=2
            0x00, 0x00, 0x00, 0x03, // ssrc=3
            0xBE, 0xDE, 0x00, 0x03, // profile=0xBEDE length=3
            0x10, 0xAA, 0x21, 0xBB, // ID=1 L=0 data=AA | ID=2 L=1 data=BB..
            0xBB, 0x00, 0x00, 0x33, // ..BB | pad | pad | ID=3 L=3
            0xCC, 0xCC, 0xCC, 0xCC, // data
            0x99, // payload
        ],
        payloadType: 96, sequenceNumber: 1, timestamp: 2, ssrc: 3, headerLength: 28, payload: [0x99],
        extensionProfile: 0xBEDE,
        extensions: [.init(id: 1, value: [0xAA]), .init(id: 2, value: [0xBB, 0xBB]), .init(id: 3, value: [0xCC, 0xCC, 0xCC, 0xCC])],
        canonical: false),
    PacketsRtpVector(
        name: "RFC 8285 §4.3 two-byte example",
        bytes: [
            0x90, 0x60, 0x00, 0x01, // V=2 X=1 PT=96 seq=1
            0x00, 0x00, 0x00, 0x02, // ts=2
            0x00, 0x00, 0x00, 0x03, // ssrc=3
            0x10, 0x00, 0x00, 0x03, // profile=0x1000 length=3
            0x01, 0x00, 0x02, 0x01, // ID=1 L=0 | ID=2 L=1
            0xBB, 0x00, 0x03, 0x04, // data=BB | pad | ID=3 L=4
            0xCC, 0xCC, 0xCC, 0xCC, // data
        ],
        payloadType: 96, sequenceNumber: 1, timestamp: 2, ssrc: 3, headerLength: 28, payload: [],
        extensionProfile: 0x1000,
        extensions: [.init(id: 1, value: []), .init(id: 2, value: [0xBB]), .init(id: 3, value: [0xCC, 0xCC, 0xCC, 0xCC])],
        canonical: false),
    PacketsRtpVector(
        name: "Opus with audio level and abs-send-time (one-byte, canonical)",
        bytes: [
            0x90, 0x6F, 0x1A, 0x2B, // V=2 X=1 CC=0 M=0 PT=111 seq=6699
            0x00, 0x01, 0xE2, 0x40, // ts=123456
            0x12, 0x34, 0x56, 0x78, // ssrc
            0xBE, 0xDE, 0x00, 0x02, // one-byte form, 2 words
            0x10, 0x8A, 0x32, 0x12, // ID=1 L=0 level: V=1 -10 dBov | ID=3 L=2 abs-send-time..
            0x34, 0x56, 0x00, 0x00, // ..time | pad pad
            0xFC, 0xFF, 0xFE, // Opus TOC + frame
        ],
        payloadType: 111, sequenceNumber: 6699, timestamp: 123_456, ssrc: 0x1234_5678, headerLength: 24,
        payload: [0xFC, 0xFF, 0xFE], extensionProfile: 0xBEDE,
        extensions: [.init(id: 1, value: [0x8A]), .init(id: 3, value: [0x12, 0x34, 0x56])]),
    PacketsRtpVector(
        name: "two-byte form with a 17-byte element, CSRC and padding (canonical)",
        bytes: [
            0xB1, 0x60, 0x00, 0x05, // V=2 P=1 X=1 CC=1 PT=96 seq=5
            0x00, 0x00, 0x00, 0x06, // ts=6
            0x00, 0x00, 0x00, 0x07, // ssrc=7
            0x00, 0x00, 0x00, 0x08, // csrc=8
            0x10, 0x00, 0x00, 0x05, // profile=0x1000 length=5
            0x05, 0x11, 0x00, 0x01, // ID=5 L=17 | 17 bytes of data...
            0x02, 0x03, 0x04, 0x05,
            0x06, 0x07, 0x08, 0x09,
            0x0A, 0x0B, 0x0C, 0x0D,
            0x0E, 0x0F, 0x10, 0x00, // ...data | pad
            0x42, // payload
            0x00, 0x02, // padding, count=2
        ],
        payloadType: 96, sequenceNumber: 5, timestamp: 6, ssrc: 7, csrcs: [8], headerLength: 40, payload: [0x42],
        paddingLength: 2, extensionProfile: 0x1000, extensions: [.init(id: 5, value: Array(0...16))]),
    PacketsRtpVector(
        name: "other extension profile (RFC 3550 generic)",
        bytes: [
            0x90, 0x60, 0x00, 0x01, // V=2 X=1 PT=96 seq=1
            0x00, 0x00, 0x00, 0x02, // ts=2
            0x00, 0x00, 0x00, 0x03, // ssrc=3
            0xAB, 0xCD, 0x00, 0x01, // profile=0xABCD length=1
            0x10, 0x20, 0x30, 0x40, // opaque
            0x55, // payload
        ],
        payloadType: 96, sequenceNumber: 1, timestamp: 2, ssrc: 3, headerLength: 20, payload: [0x55],
        extensionProfile: 0xABCD, canonical: false),
    PacketsRtpVector(
        name: "one-byte: ID 15 stops processing",
        bytes: [
            0x90, 0x60, 0x00, 0x01, // V=2 X=1 PT=96 seq=1
            0x00, 0x00, 0x00, 0x02, // ts=2
            0x00, 0x00, 0x00, 0x03, // ssrc=3
            0xBE, 0xDE, 0x00, 0x01, // one-byte, 1 word
            0x10, 0x01, 0xF0, 0x20, // ID=1 L=0 data=01 | ID=15 (stop) | would be ID=2
        ],
        payloadType: 96, sequenceNumber: 1, timestamp: 2, ssrc: 3, headerLength: 20, payload: [],
        extensionProfile: 0xBEDE, extensions: [.init(id: 1, value: [0x01])], canonical: false),
    PacketsRtpVector(
        name: "one-byte: element longer than the block is ignored",
        bytes: [
            0x90, 0x60, 0x00, 0x01, // V=2 X=1 PT=96 seq=1
            0x00, 0x00, 0x00, 0x02, // ts=2
            0x00, 0x00, 0x00, 0x03, // ssrc=3
            0xBE, 0xDE, 0x00, 0x01, // one-byte, 1 word
            0x10, 0x01, 0x2F, 0x00, // ID=1 L=0 data=01 | ID=2 L=15 (16 bytes: past the block)
            0x77, 0x77, // payload
        ],
        payloadType: 96, sequenceNumber: 1, timestamp: 2, ssrc: 3, headerLength: 20, payload: [0x77, 0x77],
        extensionProfile: 0xBEDE, extensions: [.init(id: 1, value: [0x01])], canonical: false),
]

struct PacketsRtpErrorVector: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    var error: RtpParseError
    var testDescription: String { name }
}

let packetsRtpErrorVectors: [PacketsRtpErrorVector] = [
    .init(name: "empty", bytes: [], error: .tooShort),
    .init(name: "11 bytes", bytes: [0x80, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0], error: .tooShort),
    .init(name: "version 1", bytes: [0x40, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3], error: .badVersion),
    .init(name: "version 0 (STUN-like)", bytes: [0x00, 0x01, 0, 8, 0x21, 0x12, 0xA4, 0x42, 0, 0, 0, 0], error: .badVersion),
    .init(name: "version 3", bytes: [0xC0, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3], error: .badVersion),
    .init(
        name: "CSRC count 15 beyond bytes",
        bytes: [
            0x8F, 0x60, 0x00, 0x01, // V=2 CC=15 (needs 72 bytes)
            0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03,
            0x00, 0x00, 0x00, 0x04, // only one CSRC present
        ], error: .badCsrcCount),
    .init(
        name: "CSRC count 2, one and a half present",
        bytes: [
            0x82, 0x60, 0x00, 0x01, // V=2 CC=2
            0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03,
            0x00, 0x00, 0x00, 0x04, 0x00, 0x00, // second CSRC cut
        ], error: .badCsrcCount),
    .init(
        name: "X=1 without extension header",
        bytes: [0x90, 0x60, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03], error: .badExtension),
    .init(
        name: "X=1 with half an extension header",
        bytes: [0x90, 0x60, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03, 0xBE, 0xDE],
        error: .badExtension),
    .init(
        name: "extension length 0xFFFF beyond bytes",
        bytes: [
            0x90, 0x60, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03,
            0xBE, 0xDE, 0xFF, 0xFF, // length=65535 words
            0x10, 0x01, 0x00, 0x00,
        ], error: .badExtension),
    .init(
        name: "extension length 2 with 1 word present",
        bytes: [
            0x90, 0x60, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03,
            0xBE, 0xDE, 0x00, 0x02, // length=2 words
            0x10, 0x01, 0x00, 0x00, // only 1 word
        ], error: .badExtension),
    .init(
        name: "padding count 0",
        bytes: [0xA0, 0x60, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03, 0x11, 0x00],
        error: .badPadding),
    .init(
        name: "padding count longer than payload",
        bytes: [0xA0, 0x60, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03, 0x11, 0x22, 0x00, 0xFF],
        error: .badPadding),
    .init(
        name: "P=1 on a header-only packet (count byte is the SSRC)",
        bytes: [0xA0, 0x60, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03], error: .badPadding),
    .init(
        name: "padding eats into the extension block",
        bytes: [
            0xB0, 0x60, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03,
            0xBE, 0xDE, 0x00, 0x01, 0x10, 0x01, 0x00, 0x00,
            0x00, 0x06, // count=6 > the 2 bytes after the header
        ], error: .badPadding),
]

@Suite("RTP packet")
struct PacketsRtpTests {
    @Test("parses the vector and round-trips", arguments: packetsRtpVectors)
    func parse(vector: PacketsRtpVector) throws {
        let packet = try RtpPacket(parsing: packetsBuffer(vector.bytes))
        #expect(packet.marker == vector.marker)
        #expect(packet.payloadType == vector.payloadType)
        #expect(packet.sequenceNumber == vector.sequenceNumber)
        #expect(packet.timestamp == vector.timestamp)
        #expect(packet.ssrc == vector.ssrc)
        #expect(packet.csrcCount == vector.csrcs.count)
        #expect(packet.csrcs == vector.csrcs)
        #expect(packet.headerLength == vector.headerLength)
        #expect(packet.payloadOffset == vector.headerLength)
        #expect(Array(packet.payload) == vector.payload)
        #expect(packet.payloadLength == vector.payload.count)
        #expect(packet.paddingLength == vector.paddingLength)
        #expect(packet.hasPadding == (vector.paddingLength > 0))
        #expect(packet.isPaddingOnly == vector.payload.isEmpty)
        #expect(packet.extensionProfile == vector.extensionProfile)
        #expect(packet.extensions.map { PacketsExtension(id: $0.id, value: $0.value) } == vector.extensions)
        for element in vector.extensions {
            #expect(packet.extensionValue(id: element.id).map(Array.init) == element.value)
        }
        #expect(packet.extensionValue(id: 9) == nil)
        #expect(packet.extensionValue(id: 0) == nil)
        // parse → serialise → same bytes
        #expect(packetsBytes(packet.buffer) == vector.bytes)
        #expect(packet.count == vector.bytes.count)
    }

    @Test("the builder writes canonical vectors byte for byte", arguments: packetsRtpVectors.filter(\.canonical))
    func build(vector: PacketsRtpVector) throws {
        let parsed = try RtpPacket(parsing: packetsBuffer(vector.bytes))
        let built = RtpPacket(
            payloadType: parsed.payloadType, sequenceNumber: parsed.sequenceNumber, timestamp: parsed.timestamp,
            ssrc: parsed.ssrc, marker: parsed.marker, csrcs: parsed.csrcs, extensions: parsed.extensions,
            payload: parsed.payload, paddingLength: parsed.paddingLength)
        #expect(packetsBytes(built.buffer) == vector.bytes)
        #expect(built.headerLength == parsed.headerLength)
        #expect(built.paddingLength == parsed.paddingLength)
        #expect(built == parsed)
    }

    @Test("malformed input throws the right error", arguments: packetsRtpErrorVectors)
    func errors(vector: PacketsRtpErrorVector) {
        #expect(throws: vector.error) { try RtpPacket(parsing: packetsBuffer(vector.bytes)) }
    }

    @Test("every truncation of every valid vector throws or parses a consistent packet")
    func truncations() {
        for vector in packetsRtpVectors {
            for length in 0..<vector.bytes.count {
                let bytes = Array(vector.bytes.prefix(length))
                if let packet = try? RtpPacket(parsing: packetsBuffer(bytes)) {
                    #expect(packet.headerLength + packet.payloadLength + packet.paddingLength == length)
                    #expect(packetsBytes(packet.buffer) == bytes)
                }
            }
        }
    }

    @Test("fields are read relative to the reader index, and only the readable bytes are the packet")
    func readerIndexOffset() throws {
        var buffer = ByteBuffer(bytes: [0xEE, 0xEE, 0xEE] + packetsRtpVectors[2].bytes)
        buffer.moveReaderIndex(forwardBy: 3)
        var packet = try RtpPacket(parsing: buffer)
        #expect(packet.ssrc == 0x1122_3344)
        #expect(packet.csrcs == [10, 11])
        #expect(Array(packet.payload) == [0xAA])
        packet.sequenceNumber = 7
        #expect(packet.sequenceNumber == 7)
        #expect(Array(packet.buffer.readableBytesView.prefix(4)) == [0x82, 0xE0, 0x00, 0x07])
    }

    @Test("setters rewrite the header in place")
    func setters() throws {
        var packet = try RtpPacket(parsing: packetsBuffer(packetsRtpVectors[0].bytes))
        packet.marker = true
        packet.payloadType = 0xFF // only 7 bits are kept
        packet.sequenceNumber = 0xABCD
        packet.timestamp = 0x0102_0304
        packet.ssrc = 0x0A0B_0C0D
        #expect(packetsBytes(packet.buffer) == [
            0x80, 0xFF, 0xAB, 0xCD, // V=2 M=1 PT=127 seq=0xABCD
            0x01, 0x02, 0x03, 0x04, // ts
            0x0A, 0x0B, 0x0C, 0x0D, // ssrc
            0x01, 0x02, 0x03, // payload untouched
        ])
        packet.marker = false
        packet.payloadType = 96
        #expect(packet.marker == false)
        #expect(packet.payloadType == 96)
        #expect(packetsBytes(packet.buffer).prefix(2) == [0x80, 0x60])
    }

    @Test("mutating a copy does not change the original (copy on write)")
    func copyOnWrite() throws {
        let original = try RtpPacket(parsing: packetsBuffer(packetsRtpVectors[0].bytes))
        var copy = original
        copy.ssrc = 1
        #expect(original.ssrc == 0xDEAD_BEEF)
        #expect(copy.ssrc == 1)
    }

    @Test("builder: CSRC, extensions, padding; caps CSRCs at 15 and padding at 255")
    func builderLimits() throws {
        let packet = RtpPacket(
            payloadType: 200, sequenceNumber: 1, timestamp: 2, ssrc: 3, marker: true,
            csrcs: Array(0..<20), extensions: [(id: 0, value: [1]), (id: 2, value: [9])],
            payload: [UInt8](repeating: 7, count: 10), paddingLength: 1000)
        let reparsed = try RtpPacket(parsing: packet.buffer)
        #expect(reparsed.csrcCount == 15)
        #expect(reparsed.payloadType == 200 & 0x7F)
        #expect(reparsed.marker)
        #expect(reparsed.paddingLength == 255)
        #expect(reparsed.extensions.map(\.id) == [2]) // id 0 is skipped
        #expect(Array(reparsed.payload) == [UInt8](repeating: 7, count: 10))

        let bare = RtpPacket(payloadType: 96, sequenceNumber: 1, timestamp: 2, ssrc: 3, payload: [UInt8]())
        #expect(packetsBytes(bare.buffer) == [0x80, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3])
        #expect(bare.extensionProfile == nil)
    }
}

@Suite("RTP packet classification (RFC 7983)")
struct PacketsClassifyTests {
    static let cases: [(bytes: [UInt8], expected: PacketClass)] = [
        ([], .unknown),
        ([0x00, 0x01, 0x00, 0x00], .stun), // Binding request
        ([0x01, 0x01], .stun), // Binding success
        ([0x03], .stun),
        ([0x10, 0x00], .unknown), // ZRTP 16–19
        ([0x14, 0xFE, 0xFD], .dtls), // change_cipher_spec
        ([0x16, 0xFE, 0xFD], .dtls), // handshake, DTLS 1.2
        ([0x3F], .dtls),
        ([0x40, 0x00], .unknown), // TURN channel 64–79
        ([0x80, 0x60], .rtp), // PT=96
        ([0x80, 0xE0], .rtp), // M=1 PT=96 → 224
        ([0x80, 0xC8], .rtcp), // SR
        ([0x81, 0xC9], .rtcp), // RR
        ([0x8F, 0xCD], .rtcp), // RTPFB
        ([0x81, 0xCE], .rtcp), // PSFB
        ([0x80, 0xDF], .rtcp), // 223: the RFC 5761 range end
        ([0x80, 0xBF], .rtp), // 191: just below
        ([0xBF, 0x60], .rtp), // 191 first byte
        ([0xC0, 0x60], .unknown), // 192
        ([0x80], .unknown), // one byte: cannot tell
        ([0xFF, 0xFF], .unknown),
    ]

    @Test("classifies on the first byte(s)")
    func classify() {
        for (bytes, expected) in Self.cases {
            #expect(PacketClass.classify(packetsBuffer(bytes)) == expected, "\(bytes)")
        }
    }

    @Test("honours the reader index")
    func readerIndex() {
        var buffer = ByteBuffer(bytes: [0x00, 0x80, 0xC8])
        buffer.moveReaderIndex(forwardBy: 1)
        #expect(PacketClass.classify(buffer) == .rtcp)
    }
}
