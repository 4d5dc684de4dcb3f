import Testing
@testable import SluiceRecorder

@Suite("Depacketize VP8")
struct DepacketizeVP8Tests {
    /// Start of a real libvpx key frame (176x144): frame tag b0 43 00 (P=0), start code 9d 01 2a,
    /// width b0 00 = 176, height 90 00 = 144.
    static let keyFrameStart = "b0 43 00 9d 01 2a b0 00 90 00"

    /// Key frame in two packets, then a one-packet delta frame.
    static let keyThenDelta: [RecorderPacket] = [
        // X=1 S=1 PID=0 | I=1 | M=1 PictureID=0x1234 | key frame 9d 01 2a w=176 h=144 | data
        rtpPacket(1, ts: 3000, hexBytes("90 | 80 | 92 34 | \(keyFrameStart) | 00 07 08"), at: 1.0),
        // X=1 S=0 PID=0 | I=1 | PictureID=0x1234 | data; marker
        rtpPacket(2, ts: 3000, marker: true, hexBytes("80 | 80 | 92 34 | 85 85 88"), at: 1.01),
        // X=1 S=1 | I=1 | PictureID=0x1235 | delta frame tag b1 (P=1); marker
        rtpPacket(3, ts: 6000, marker: true, hexBytes("90 | 80 | 92 35 | b1 03 00 0d 10 ac"), at: 1.04),
    ]

    @Test func keyFrameThenDeltaFrame() {
        var depacketizer = Depacketizer(codec: .vp8)
        #expect(depacketizer.needsKeyFrame)
        let frames = depacketizer.push(Self.keyThenDelta)
        #expect(frames.count == 2)
        #expect(frames.first?.data == hexBytes("\(Self.keyFrameStart) 00 07 08 85 85 88"))
        #expect(frames.first?.isKeyFrame == true)
        #expect(frames.first?.timestamp == 3000)
        #expect(frames.first?.arrival == 1.0)
        #expect(frames.last?.data == hexBytes("b1 03 00 0d 10 ac"))
        #expect(frames.last?.isKeyFrame == false)
        #expect(depacketizer.dimensions == VideoDimensions(width: 176, height: 144))
        #expect(!depacketizer.needsKeyFrame)
        #expect(depacketizer.malformed == 0)
    }

    @Test func dimensionsIgnoreScaleBits() {
        var depacketizer = Depacketizer(codec: .vp8)
        // S=1 PID=0, no extensions | key frame 9d 01 2a w=640 (80 42: scale 01) h=480 (e0 c1: scale 11)
        let frames = depacketizer.push([rtpPacket(1, ts: 0, marker: true, hexBytes("10 | 50 42 00 9d 01 2a 80 42 e0 c1 00"))])
        #expect(frames.count == 1)
        #expect(depacketizer.dimensions == VideoDimensions(width: 640, height: 480))
    }

    struct DescriptorCase: Sendable, CustomTestStringConvertible {
        var name: String
        var payload: String
        var length: Int
        var pictureID: UInt16?
        var testDescription: String { name }
    }

    static let descriptors: [DescriptorCase] = [
        DescriptorCase(name: "no extensions", payload: "10 | b0", length: 1, pictureID: nil),
        DescriptorCase(name: "X, nothing set", payload: "90 | 00 | b0", length: 2, pictureID: nil),
        DescriptorCase(name: "7-bit PictureID", payload: "90 | 80 | 12 | b0", length: 3, pictureID: 0x12),
        DescriptorCase(name: "15-bit PictureID", payload: "90 | 80 | ff ff | b0", length: 4, pictureID: 0x7FFF),
        // I L T K | M=1 PictureID 0x0102 | TL0PICIDX | TID=1 Y=1 KEYIDX=5
        DescriptorCase(name: "I L T K", payload: "90 | f0 | 81 02 | 07 | 65 | b0", length: 6, pictureID: 0x0102),
        DescriptorCase(name: "L only", payload: "90 | 40 | 07 | b0", length: 3, pictureID: nil),
        DescriptorCase(name: "K only", payload: "90 | 10 | 1f | b0", length: 3, pictureID: nil),
    ]

    @Test(arguments: descriptors)
    func payloadDescriptor(_ testCase: DescriptorCase) throws {
        let payload = hexBytes(testCase.payload)
        let descriptor = try #require(VP8PayloadDescriptor(payload))
        #expect(descriptor.length == testCase.length)
        #expect(descriptor.pictureID == testCase.pictureID)
        #expect(descriptor.startsFrame)
        #expect(Array(payload[descriptor.length...]) == [0xB0])
        // Through the depacketiser, the frame is what follows the descriptor.
        var depacketizer = Depacketizer(codec: .vp8)
        let key = rtpPacket(1, ts: 0, marker: true, payload + hexBytes("43 00 9d 01 2a b0 00 90 00"))
        #expect(depacketizer.push([key]).map(\.data) == [hexBytes(Self.keyFrameStart)])
    }

    @Test func partitionStartThatIsNotPartitionZeroContinuesTheFrame() {
        var depacketizer = Depacketizer(codec: .vp8)
        let frames = depacketizer.push([
            rtpPacket(1, ts: 90, hexBytes("10 | \(Self.keyFrameStart)")),  // S=1 PID=0
            rtpPacket(2, ts: 90, marker: true, hexBytes("11 | aa bb")),  // S=1 PID=1: second partition
        ])
        #expect(frames.map(\.data) == [hexBytes("\(Self.keyFrameStart) aa bb")])
    }

    @Test func timestampChangeEndsAFrameWhoseMarkerWasLost() {
        var depacketizer = Depacketizer(codec: .vp8)
        var frames = depacketizer.push([
            rtpPacket(1, ts: 90, hexBytes("10 | \(Self.keyFrameStart)")),  // no marker
            rtpPacket(2, ts: 180, hexBytes("10 | b1 03 00 0d")),  // next frame, no marker
        ])
        #expect(frames.map(\.timestamp) == [90])
        frames = depacketizer.push(.packet(rtpPacket(3, ts: 180, marker: true, hexBytes("00 | ee"))))
        #expect(frames.map(\.data) == [hexBytes("b1 03 00 0d ee")])
    }

    @Test func deltaFramesBeforeTheFirstKeyFrameAreDropped() {
        var depacketizer = Depacketizer(codec: .vp8)
        let frames = depacketizer.push([
            rtpPacket(1, ts: 90, marker: true, hexBytes("10 | b1 03 00")),  // delta
            rtpPacket(2, ts: 180, marker: true, hexBytes("10 | \(Self.keyFrameStart)")),  // key
            rtpPacket(3, ts: 270, marker: true, hexBytes("10 | b1 05 00")),  // delta
        ])
        #expect(frames.map(\.timestamp) == [180, 270])
        #expect(frames.map(\.isKeyFrame) == [true, false])
    }

    @Test func gapInsideAFrameDiscardsItAndWaitsForAKeyFrame() {
        var depacketizer = Depacketizer(codec: .vp8)
        _ = depacketizer.push(Self.keyThenDelta)
        #expect(!depacketizer.needsKeyFrame)
        var frames = depacketizer.push([rtpPacket(4, ts: 9000, hexBytes("10 | b1 05 00"))])  // start of a delta frame
        frames += depacketizer.push(.gap(lost: 1))
        #expect(depacketizer.needsKeyFrame)
        frames += depacketizer.push([
            rtpPacket(6, ts: 9000, marker: true, hexBytes("00 | 11 22")),  // tail of the damaged frame
            rtpPacket(7, ts: 12000, marker: true, hexBytes("10 | b1 07 00")),  // an intact delta frame: still undecodable
        ])
        #expect(frames.isEmpty)
        frames = depacketizer.push([rtpPacket(8, ts: 15000, marker: true, hexBytes("10 | \(Self.keyFrameStart)"))])
        #expect(frames.map(\.isKeyFrame) == [true])
        #expect(!depacketizer.needsKeyFrame)
        #expect(depacketizer.malformed == 0)
    }

    @Test func continuationWithoutStartIsDropped() {
        var depacketizer = Depacketizer(codec: .vp8)
        _ = depacketizer.push(Self.keyThenDelta)
        // S=0: the start of this frame never arrived (no gap reported, e.g. joined mid-frame).
        let frames = depacketizer.push([rtpPacket(4, ts: 9000, marker: true, hexBytes("00 | 11 22"))])
        #expect(frames.isEmpty)
        #expect(depacketizer.needsKeyFrame)
        #expect(depacketizer.malformed == 0)
    }

    @Test(arguments: [
        "",  // empty payload
        "80",  // X=1, extension byte missing
        "90 | 80",  // I=1, PictureID missing
        "90 | 80 | 92",  // M=1, second PictureID byte missing
        "90 | 40",  // L=1, TL0PICIDX missing
        "90 | 20",  // T=1, TID byte missing
        "90 | 10",  // K=1, KEYIDX byte missing
        "90 | c0 | 12",  // I=1 L=1, TL0PICIDX missing
        "10",  // descriptor only, no VP8 data
        "90 | 80 | 92 34",  // descriptor only
    ])
    func truncatedDescriptorIsMalformed(_ payload: String) {
        var depacketizer = Depacketizer(codec: .vp8)
        _ = depacketizer.push(Self.keyThenDelta)
        let frames = depacketizer.push([rtpPacket(4, ts: 9000, marker: true, hexBytes(payload))])
        #expect(frames.isEmpty)
        #expect(depacketizer.malformed == 1)
        #expect(depacketizer.needsKeyFrame)
    }

    @Test(arguments: [
        "10 | b0 43 00 9d 01",  // key frame too short for the start code and size
        "10 | b0 43 00 9d 01 2a b0 00 90",  // one byte short of the height
        "10 | b0 43 00 9d 01 2b b0 00 90 00",  // wrong start code
        "10 | b0 43 00 9d 01 2a 00 00 90 00",  // zero width
    ])
    func keyFrameWithoutValidSizeIsMalformed(_ payload: String) {
        var depacketizer = Depacketizer(codec: .vp8)
        let frames = depacketizer.push([rtpPacket(1, ts: 0, marker: true, hexBytes(payload))])
        #expect(frames.isEmpty)
        #expect(depacketizer.malformed == 1)
        #expect(depacketizer.dimensions == nil)
        #expect(depacketizer.needsKeyFrame)
    }

    @Test func malformedPacketInsideAFrameDiscardsTheFrame() {
        var depacketizer = Depacketizer(codec: .vp8)
        let frames = depacketizer.push([
            rtpPacket(1, ts: 90, hexBytes("10 | \(Self.keyFrameStart)")),
            rtpPacket(2, ts: 90, hexBytes("80")),  // truncated descriptor
            rtpPacket(3, ts: 90, marker: true, hexBytes("00 | 11")),
        ])
        #expect(frames.isEmpty)
        #expect(depacketizer.malformed == 1)
    }
}
