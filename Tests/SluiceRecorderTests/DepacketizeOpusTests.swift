import Testing
@testable import SluiceRecorder

@Suite("Depacketize Opus")
struct DepacketizeOpusTests {
    @Test func everyPacketIsAKeyFrame() {
        var depacketizer = Depacketizer(codec: .opus)
        let frames = depacketizer.push([
            // TOC 0x78 (config 15, stereo=0, code 0) | data
            rtpPacket(1, ts: 960, hexBytes("78 | 01 02 03"), at: 5.0),
            // TOC 0xfc (config 31, stereo, code 0) | data; marker has no meaning for audio
            rtpPacket(2, ts: 1920, marker: true, hexBytes("fc | ff fe"), at: 5.02),
            // DTX: TOC only
            rtpPacket(3, ts: 2880, hexBytes("78"), at: 5.04),
        ])
        #expect(frames.map(\.data) == [hexBytes("78 01 02 03"), hexBytes("fc ff fe"), hexBytes("78")])
        #expect(frames.map(\.timestamp) == [960, 1920, 2880])
        #expect(frames.map(\.arrival) == [5.0, 5.02, 5.04])
        #expect(frames.map(\.isKeyFrame) == [true, true, true])
        #expect(!depacketizer.needsKeyFrame)
        #expect(depacketizer.dimensions == nil)
        #expect(depacketizer.h264ParameterSets == nil)
    }

    @Test func gapsDoNotStopAudio() {
        var depacketizer = Depacketizer(codec: .opus)
        var frames = depacketizer.push([rtpPacket(1, ts: 960, hexBytes("78 01"))])
        frames += depacketizer.push(.gap(lost: 3))
        frames += depacketizer.push([rtpPacket(5, ts: 4800, hexBytes("78 02"))])
        #expect(frames.map(\.timestamp) == [960, 4800])
        #expect(!depacketizer.needsKeyFrame)
    }

    @Test func emptyPayloadIsMalformed() {
        var depacketizer = Depacketizer(codec: .opus)
        let frames = depacketizer.push([rtpPacket(1, ts: 960, []), rtpPacket(2, ts: 1920, hexBytes("78 01"))])
        #expect(frames.map(\.timestamp) == [1920])
        #expect(depacketizer.malformed == 1)
    }

    @Test func opusHeadStereo() {
        // "OpusHead" | version 1 | 2 channels | pre-skip 312 LE | 48000 LE | gain 0 | family 0
        #expect(opusHead(channels: 2, preSkip: 312) == hexBytes("4f 70 75 73 48 65 61 64 | 01 | 02 | 38 01 | 80 bb 00 00 | 00 00 | 00"))
    }

    @Test func opusHeadDefaultsAndClamping() {
        #expect(opusHead() == hexBytes("4f 70 75 73 48 65 61 64 | 01 | 02 | 00 00 | 80 bb 00 00 | 00 00 | 00"))
        #expect(opusHead(channels: 1).count == 19)
        #expect(opusHead(channels: 1)[9] == 1)
        // Mapping family 0 covers mono and stereo only.
        #expect(opusHead(channels: 0)[9] == 1)
        #expect(opusHead(channels: 6)[9] == 2)
    }

    @Test(arguments: [
        ("audio/opus", RecordedCodec.opus), ("AUDIO/OPUS", .opus), ("video/VP8", .vp8), ("video/vp9", .vp9),
        ("video/H264", .h264), ("Video/h264", .h264),
    ])
    func codecFromMimeType(_ mimeType: String, _ codec: RecordedCodec) {
        #expect(RecordedCodec(mimeType: mimeType) == codec)
        #expect(codec.isVideo == (codec != .opus))
    }

    @Test(arguments: ["video/opus", "audio/VP8", "video/H265", "video/AV1", "audio/PCMU", "", "opus", "video/rtx"])
    func unknownMimeTypes(_ mimeType: String) {
        #expect(RecordedCodec(mimeType: mimeType) == nil)
    }
}
