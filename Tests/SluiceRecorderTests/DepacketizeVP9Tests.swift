import Testing
@testable import SluiceRecorder

/// Descriptor flags in the first byte: I=80 P=40 L=20 F=10 B=08 E=04 V=02 Z=01.
@Suite("Depacketize VP9")
struct DepacketizeVP9Tests {
    /// Start of a real libvpx-vp9 key frame, profile 0, 352x288: frame marker, profile 0, key frame,
    /// sync code 49 83 42, color space/range, width-1 = 351, height-1 = 287.
    static let keyFrameStart = "82 49 83 42 00 15 f0 11 f6 08"

    static let keyThenDelta: [RecorderPacket] = [
        // I=1 B=1 V=1 | M=1 PictureID=0x1234 | SS N_S=0 Y=1 G=1 | 352x288 | N_G=1 | TID=0 U=0 R=1 | P_DIFF=1
        // | key frame header
        rtpPacket(1, ts: 3000, hexBytes("8a | 92 34 | 18 | 01 60 01 20 | 01 | 04 | 01 | \(keyFrameStart)"), at: 2.0),
        // I=1 E=1 | PictureID=0x1234 | data; marker
        rtpPacket(2, ts: 3000, marker: true, hexBytes("84 | 92 34 | 38 24 1c"), at: 2.01),
        // I=1 P=1 B=1 E=1 | PictureID=0x1235 | inter frame header (frame_type 1); marker
        rtpPacket(3, ts: 6000, marker: true, hexBytes("cc | 92 35 | 86 00 40 92 9c"), at: 2.04),
    ]

    @Test func keyFrameThenDeltaFrame() {
        var depacketizer = Depacketizer(codec: .vp9)
        let frames = depacketizer.push(Self.keyThenDelta)
        #expect(frames.count == 2)
        #expect(frames.first?.data == hexBytes("\(Self.keyFrameStart) 38 24 1c"))
        #expect(frames.first?.isKeyFrame == true)
        #expect(frames.first?.arrival == 2.0)
        #expect(frames.last?.data == hexBytes("86 00 40 92 9c"))
        #expect(frames.last?.isKeyFrame == false)
        #expect(frames.map(\.timestamp) == [3000, 6000])
        #expect(depacketizer.dimensions == VideoDimensions(width: 352, height: 288))
        #expect(!depacketizer.needsKeyFrame)
        #expect(depacketizer.malformed == 0)
    }

    @Test func scalabilityStructureSizeWinsAndUpperSpatialLayersAreIgnored() {
        var depacketizer = Depacketizer(codec: .vp9)
        let frames = depacketizer.push([
            // I=1 L=1 B=1 E=1 V=1 | PictureID=5 | TID=0 U=0 SID=0 D=0 | TL0PICIDX=0
            // | SS N_S=2 Y=1 G=0 | 320x180 | 640x360 | 1280x720 | key frame header (says 352x288)
            rtpPacket(1, ts: 90, hexBytes("ae | 05 | 00 | 00 | 50 | 01 40 00 b4 | 02 80 01 68 | 05 00 02 d0 | \(Self.keyFrameStart)")),
            // I=1 L=1 B=1 E=1 | PictureID=5 | SID=1 D=1 | TL0PICIDX=0 | layer 1 data; marker
            rtpPacket(2, ts: 90, marker: true, hexBytes("ac | 05 | 03 | 00 | aa bb")),
        ])
        #expect(frames.map(\.data) == [hexBytes(Self.keyFrameStart)])
        #expect(depacketizer.dimensions == VideoDimensions(width: 320, height: 180))
    }

    struct HeaderCase: Sendable, CustomTestStringConvertible {
        var name: String
        var frame: String
        var profile: Int
        var isKeyFrame: Bool
        var dimensions: VideoDimensions?
        var testDescription: String { name }
    }

    /// Starts of real libvpx-vp9 frames (ffmpeg -c:v libvpx-vp9 with the pixel format named).
    static let headers: [HeaderCase] = [
        HeaderCase(name: "profile 0 yuv420p", frame: keyFrameStart, profile: 0, isKeyFrame: true,
                   dimensions: VideoDimensions(width: 352, height: 288)),
        // Profile 1 carries subsampling_x/y and a reserved bit after color_range.
        HeaderCase(name: "profile 1 yuv444p", frame: "a2 49 83 42 00 02 7e 01 66 c1 87", profile: 1, isKeyFrame: true,
                   dimensions: VideoDimensions(width: 320, height: 180)),
        // Profile 2 carries ten_or_twelve_bit before color_space.
        HeaderCase(name: "profile 2 yuv420p10le", frame: "92 49 83 42 00 07 f8 04 7b 04", profile: 2, isKeyFrame: true,
                   dimensions: VideoDimensions(width: 256, height: 144)),
        // color_space 7 (RGB): no color_range; profile 1 has a reserved bit.
        HeaderCase(name: "profile 1 gbrp", frame: "a2 49 83 42 e0 0c 70 06 36 04", profile: 1, isKeyFrame: true,
                   dimensions: VideoDimensions(width: 200, height: 100)),
        HeaderCase(name: "inter frame", frame: "86 00 40 92 9c", profile: 0, isKeyFrame: false, dimensions: nil),
        HeaderCase(name: "show_existing_frame", frame: "88", profile: 0, isKeyFrame: false, dimensions: nil),
    ]

    @Test(arguments: headers)
    func uncompressedHeader(_ testCase: HeaderCase) throws {
        let header = try #require(VP9FrameHeader(hexBytes(testCase.frame)))
        #expect(header.profile == testCase.profile)
        #expect(header.isKeyFrame == testCase.isKeyFrame)
        #expect(header.dimensions == testCase.dimensions)
    }

    @Test(arguments: [
        "",  // empty
        "c2 49 83 42 00 15 f0 11 f6 08",  // frame marker 3
        "82 49 83 43 00 15 f0 11 f6 08",  // wrong sync code
        "82",  // key frame without sync code
        "82 49 83 42 00 15 f0",  // truncated frame size
        "be",  // profile 3 with reserved bit set
    ])
    func uncompressedHeaderRejectsGarbage(_ frame: String) {
        #expect(VP9FrameHeader(hexBytes(frame)) == nil)
    }

    @Test func keyFrameSizeFromTheHeaderWithoutScalabilityStructure() {
        var depacketizer = Depacketizer(codec: .vp9)
        // B=1 E=1 (no picture id) | profile 1 key frame 320x180; marker
        let frames = depacketizer.push([rtpPacket(1, ts: 0, marker: true, hexBytes("0c | a2 49 83 42 00 02 7e 01 66 c1 87"))])
        #expect(frames.map(\.isKeyFrame) == [true])
        #expect(depacketizer.dimensions == VideoDimensions(width: 320, height: 180))
    }

    struct DescriptorCase: Sendable, CustomTestStringConvertible {
        var name: String
        var payload: String
        var length: Int
        var pictureID: UInt16?
        var spatialLayer: UInt8
        var testDescription: String { name }
    }

    static let descriptors: [DescriptorCase] = [
        DescriptorCase(name: "no optional fields", payload: "0c | 86", length: 1, pictureID: nil, spatialLayer: 0),
        DescriptorCase(name: "7-bit PictureID", payload: "8c | 7f | 86", length: 2, pictureID: 0x7F, spatialLayer: 0),
        // I P L B E, non-flexible | 15-bit PictureID | TID=2 U=1 SID=1 D=1 | TL0PICIDX
        DescriptorCase(name: "non-flexible layers", payload: "ec | 80 01 | 53 | 09 | 86", length: 5, pictureID: 1,
                       spatialLayer: 1),
        // I P L F B E, flexible | PictureID 0x1235 | TID=1 | P_DIFF=1 N=1, P_DIFF=2 N=0
        DescriptorCase(name: "flexible, two references", payload: "fc | 92 35 | 20 | 03 04 | 86", length: 6,
                       pictureID: 0x1235, spatialLayer: 0),
        DescriptorCase(name: "flexible, three references", payload: "fc | 92 35 | 20 | 03 05 06 | 86", length: 7,
                       pictureID: 0x1235, spatialLayer: 0),
        // F=1 P=0: no reference list
        DescriptorCase(name: "flexible key frame", payload: "bc | 92 35 | 00 | 82", length: 4, pictureID: 0x1235,
                       spatialLayer: 0),
        // B V | SS N_S=0 Y=0 G=1 | N_G=2 | TID=0 R=0 | TID=1 U=1 R=2 | P_DIFF 1, 2
        DescriptorCase(name: "picture group without sizes", payload: "0a | 08 | 02 | 00 | 38 | 01 02 | 82", length: 7,
                       pictureID: nil, spatialLayer: 0),
    ]

    @Test(arguments: descriptors)
    func payloadDescriptor(_ testCase: DescriptorCase) throws {
        let descriptor = try #require(VP9PayloadDescriptor(hexBytes(testCase.payload)))
        #expect(descriptor.length == testCase.length)
        #expect(descriptor.pictureID == testCase.pictureID)
        #expect(descriptor.spatialLayer == testCase.spatialLayer)
    }

    @Test func intraOnlyFrameIsNotAKeyFrame() {
        var depacketizer = Depacketizer(codec: .vp9)
        // B=1 E=1 P=0, but the uncompressed header says frame_type 1 (non-key).
        let frames = depacketizer.push([rtpPacket(1, ts: 0, marker: true, hexBytes("0c | 86 00 40 92 9c"))])
        #expect(frames.isEmpty)
        #expect(depacketizer.needsKeyFrame)
    }

    @Test func timestampChangeEndsAFrameWhoseEndWasLost() {
        var depacketizer = Depacketizer(codec: .vp9)
        let frames = depacketizer.push([
            rtpPacket(1, ts: 90, hexBytes("08 | \(Self.keyFrameStart)")),  // B=1, no E, no marker
            rtpPacket(2, ts: 180, marker: true, hexBytes("4c | 86 00 40")),  // P=1 B=1 E=1
        ])
        #expect(frames.map(\.timestamp) == [90, 180])
        #expect(frames.map(\.isKeyFrame) == [true, false])
    }

    @Test func gapInsideAFrameDiscardsItAndWaitsForAKeyFrame() {
        var depacketizer = Depacketizer(codec: .vp9)
        _ = depacketizer.push(Self.keyThenDelta)
        var frames = depacketizer.push([rtpPacket(4, ts: 9000, hexBytes("c8 | 92 36 | 86 00 40"))])  // I P B: delta begins
        frames += depacketizer.push(.gap(lost: 2))
        frames += depacketizer.push([
            rtpPacket(7, ts: 9000, marker: true, hexBytes("c4 | 92 36 | 11 22")),  // its end
            rtpPacket(8, ts: 12000, marker: true, hexBytes("cc | 92 37 | 86 00 40")),  // intact delta frame
        ])
        #expect(frames.isEmpty)
        #expect(depacketizer.needsKeyFrame)
        frames = depacketizer.push([rtpPacket(9, ts: 15000, marker: true, hexBytes("8c | 92 38 | \(Self.keyFrameStart)"))])
        #expect(frames.map(\.isKeyFrame) == [true])
        #expect(!depacketizer.needsKeyFrame)
    }

    @Test(arguments: [
        "",  // empty payload
        "80",  // I=1, PictureID missing
        "80 | 80",  // M=1, second PictureID byte missing
        "20",  // L=1, layer indices missing
        "28 | 00",  // L=1 F=0, TL0PICIDX missing
        "5c | 03",  // F=1 P=1, P_DIFF with N=1 but nothing follows
        "5c | 03 03 03 | 86",  // F=1 P=1, a fourth P_DIFF announced
        "0a",  // V=1, scalability structure missing
        "0a | 10 | 01 60 01",  // SS Y=1, height truncated
        "0a | 30 | 01 60 01 20",  // SS N_S=1 Y=1, second layer's size missing
        "0a | 08",  // SS G=1, N_G missing
        "0a | 08 | 01 | 04",  // SS G=1 N_G=1, R=1 but P_DIFF missing
        "8c | 12",  // descriptor only, no VP9 data
    ])
    func truncatedDescriptorIsMalformed(_ payload: String) {
        var depacketizer = Depacketizer(codec: .vp9)
        _ = depacketizer.push(Self.keyThenDelta)
        let frames = depacketizer.push([rtpPacket(4, ts: 9000, marker: true, hexBytes(payload))])
        #expect(frames.isEmpty)
        #expect(depacketizer.malformed == 1)
        #expect(depacketizer.needsKeyFrame)
    }
}
