import Foundation
import Testing

@testable import SluiceRecorder

@Suite struct AVTranscoderTests {
    /// VP8+Opus (WebRTC codecs) → H.264+AAC → HLS, with an IDR forced every 2 s.
    @Test func webrtcCodecsBecomeHls() throws {
        let fixtures = try AVFixtures.get()
        let directory = try AVTool.temporaryDirectory("transcode")
        defer { AVTool.remove(directory) }
        let demuxer = try Demuxer(path: fixtures.vp8Opus)
        let packets = try demuxer.readAll()
        let videoIndex = try #require(demuxer.streams.first { $0.codec == .vp8 }?.index)

        let audio = try OpusToAacTranscoder()
        let video = try Vp8ToH264Transcoder(bitrate: 500_000)
        var aac: [EncodedPacket] = []
        var h264: [EncodedPacket] = []
        var nextKeyFrame = Int64.min
        for packet in packets {
            if packet.streamIndex == videoIndex {
                let force = packet.pts >= nextKeyFrame
                if force { nextKeyFrame = max(nextKeyFrame, packet.pts) + 2 * 90000 }
                h264 += try video.transcode(vp8: packet.data, pts: packet.pts, forceKeyFrame: force)
            } else {
                aac += try audio.transcode(opus: packet.data, pts: packet.pts)
            }
        }
        h264 += try video.flush()
        aac += try audio.flush()
        #expect(video.width == 320 && video.height == 240)
        #expect(video.droppedFrames == 0)
        #expect(h264.count == 120)
        let start = try #require(packets.first { $0.streamIndex == videoIndex }?.pts)
        #expect(h264.first?.pts == start)
        #expect(h264.filter(\.isKeyFrame).map(\.pts) == [start, start + 180_000])
        #expect(zip(h264, h264.dropFirst()).allSatisfy { $0.dts < $1.dts && $0.pts == $0.dts })
        #expect(audio.extradata.starts(with: [0x11, 0x90]))  // AAC LC, 48 kHz, stereo
        #expect(zip(aac, aac.dropFirst()).allSatisfy { $1.pts - $0.pts == 1024 })
        #expect(aac.count >= 4 * 48000 / 1024)

        let extradata = try #require(video.extradata)
        #expect(extradata.first == 1)
        let tracks = [
            TrackDescription(codec: .h264, timeBase: 90000, extradata: extradata, width: video.width, height: video.height),
            TrackDescription(codec: .aac, timeBase: 48000, extradata: audio.extradata),
        ]
        let playlist = directory + "/index.m3u8"
        let muxer = try Muxer(format: .hls, path: playlist, tracks: tracks, options: MuxerOptions(hlsTargetDuration: 2))
        try muxer.start()
        // Interleave by time, as a recording session would.
        let merged = (h264.map { (0, $0) } + aac.map { (1, $0) }).sorted {
            Double($0.1.dts) / Double(tracks[$0.0].timeBase) < Double($1.1.dts) / Double(tracks[$1.0].timeBase)
        }
        for (track, packet) in merged {
            try muxer.write(
                track: track, data: packet.data, pts: packet.pts, dts: packet.dts, isKeyFrame: packet.isKeyFrame,
                duration: packet.duration)
        }
        try muxer.finish()

        try expectCleanDecode(playlist)
        let probe = try AVTool.probe(playlist)
        #expect(probe.codecs.sorted() == ["aac", "h264"])
        #expect(abs((probe.duration ?? 0) - 4) < 0.4)
        let segments = muxer.hlsSegments
        #expect(segments.count == 2)
        for segment in segments {
            #expect(abs(segment.duration - 2) < 0.2, "\(segment.name): \(segment.duration)")
        }
    }

    @Test func opusGapsAreFilledAndDuplicatesDropped() throws {
        let fixtures = try AVFixtures.get()
        let demuxer = try Demuxer(path: fixtures.vp8Opus)
        let opusIndex = try #require(demuxer.streams.first { $0.codec == .opus }?.index)
        let opus = try demuxer.readAll().filter { $0.streamIndex == opusIndex }
        let transcoder = try OpusToAacTranscoder()
        var output: [EncodedPacket] = []
        for (index, packet) in opus.enumerated() where !(50..<60).contains(index) {  // 200 ms lost
            output += try transcoder.transcode(opus: packet.data, pts: packet.pts)
            if index == 20 { output += try transcoder.transcode(opus: packet.data, pts: packet.pts) }  // duplicate
        }
        output += try transcoder.flush()
        #expect(transcoder.droppedFrames == 1)
        #expect(zip(output, output.dropFirst()).allSatisfy { $1.pts - $0.pts == 1024 })
        let first = try #require(opus.first?.pts)
        #expect(output.first?.pts == first)
        let end = try #require(output.last.map { $0.pts + $0.duration })
        let inputEnd = try #require(opus.last.map { $0.pts + $0.duration })
        #expect(end >= inputEnd && end - inputEnd <= 2048)
        #expect(try transcoder.flush().isEmpty)
        #expect(throws: MediaError.self) { try transcoder.transcode(opus: opus[0].data, pts: 0) }
    }

    @Test func garbageInputDoesNotCrash() throws {
        let fixtures = try AVFixtures.get()
        var generator = SystemRandomNumberGenerator()
        let video = try Vp8ToH264Transcoder()
        for length in [1, 3, 10, 100, 5000] {
            let garbage = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if let packets = try? video.transcode(vp8: garbage, pts: Int64(length), forceKeyFrame: true) {
                #expect(packets.isEmpty)
            }
        }
        // A VP8 key frame header (160x120, the size of the frames that follow) with a nonsense body.
        _ = try? video.transcode(vp8: [0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0xa0, 0x00, 0x78, 0x00] + Array(repeating: 0xAB, count: 200), pts: 6000, forceKeyFrame: false)
        // Still usable for real frames afterwards.
        let demuxer = try Demuxer(path: fixtures.vp8Small)
        var produced: [EncodedPacket] = []
        for packet in try demuxer.readAll() {
            produced += try video.transcode(vp8: packet.data, pts: packet.pts + 10_000, forceKeyFrame: false)
        }
        produced += try video.flush()
        #expect(!produced.isEmpty)

        let audio = try OpusToAacTranscoder()
        for length in [1, 7, 300, 2000] {
            let garbage = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = try? audio.transcode(opus: garbage, pts: Int64(length) * 960)
        }
        _ = try audio.flush()
    }

    /// A sender restarting at another resolution: frames of the new size are dropped, not a crash.
    @Test func vp8SizeChangeDropsFrames() throws {
        let fixtures = try AVFixtures.get()
        let large = try Demuxer(path: fixtures.vp8Opus)
        let largeIndex = try #require(large.streams.first { $0.codec == .vp8 }?.index)
        let first = try large.readAll().filter { $0.streamIndex == largeIndex }.prefix(30)
        let small = try Demuxer(path: fixtures.vp8Small).readAll()

        let video = try Vp8ToH264Transcoder()
        var output: [EncodedPacket] = []
        for packet in first {
            output += try video.transcode(vp8: packet.data, pts: packet.pts, forceKeyFrame: packet.pts == 0)
        }
        let offset = (first.last?.pts ?? 0) + 3000
        for packet in small {
            output += try video.transcode(vp8: packet.data, pts: packet.pts + offset, forceKeyFrame: packet.isKeyFrame)
        }
        output += try video.flush()
        #expect(output.count == 30)
        #expect(video.width == 320 && video.height == 240)
        #expect(video.droppedFrames == small.count)
        #expect(video.sizeChanged)
    }

    @Test func annexBBecomesAvcc() throws {
        let sps: [UInt8] = [0x67, 0x64, 0x00, 0x1F, 0xAC, 0xD9]
        let pps: [UInt8] = [0x68, 0xEB, 0xE3, 0xCB]
        let header = [0, 0, 0, 1] + sps + [0, 0, 1] + pps + [0]
        #expect(H264AnnexB.nalUnits(header).map(Array.init) == [sps, pps])
        let record = try #require(H264AnnexB.avcC(fromAnnexB: header))
        #expect(record == [1, 0x64, 0x00, 0x1F, 0xFF, 0xE1, 0, 6] + sps + [1, 0, 4] + pps + [0xFD, 0xF8, 0xF8, 0])
        #expect(H264AnnexB.avcC(fromAnnexB: [0, 0, 1] + pps) == nil)
        let frame: [UInt8] = [0, 0, 0, 1, 0x65, 0x88, 0x00, 0x00, 0x03, 0x01, 0, 0, 1, 0x41, 0x9A]
        #expect(H264AnnexB.lengthPrefixed(frame) == [0, 0, 0, 6, 0x65, 0x88, 0x00, 0x00, 0x03, 0x01, 0, 0, 0, 2, 0x41, 0x9A])
    }
}
