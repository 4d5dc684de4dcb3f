import Foundation
import Testing

@testable import SluiceRecorder

@Suite struct AVMuxerTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var source: KeyPath<AVFixtures, String> & Sendable
        var format: ContainerFormat
        var codecs: [String]
        var seconds: Double
        var testDescription: String { "\(codecs.joined(separator: "+")) → \(format.rawValue)" }
    }

    static let cases: [Case] = [
        Case(source: \.vp8Opus, format: .webm, codecs: ["vp8", "opus"], seconds: 4),
        Case(source: \.vp8Opus, format: .mkv, codecs: ["vp8", "opus"], seconds: 4),
        Case(source: \.h264Aac, format: .mkv, codecs: ["h264", "aac"], seconds: 4),
        Case(source: \.h264Aac, format: .mp4, codecs: ["h264", "aac"], seconds: 4),
        Case(source: \.vp9Opus, format: .mp4, codecs: ["vp9", "opus"], seconds: 3),
        Case(source: \.vp9Opus, format: .webm, codecs: ["vp9", "opus"], seconds: 3),
        Case(source: \.h264Aac, format: .hls, codecs: ["h264", "aac"], seconds: 4),
    ]

    @Test(arguments: cases)
    func remuxPlays(_ test: Case) throws {
        let fixtures = try AVFixtures.get()
        let directory = try AVTool.temporaryDirectory("remux")
        defer { AVTool.remove(directory) }
        let path = directory + "/out." + test.format.fileExtension
        let remux = try Remux(fixtures[keyPath: test.source])
        let muxer = try Muxer(format: test.format, path: path, tracks: remux.tracks)
        try muxer.start()
        try remux.write(to: muxer)
        try muxer.finish()

        let probe = try AVTool.probe(path)
        #expect(probe.codecs.sorted() == test.codecs.sorted())
        let duration = try #require(probe.duration)
        #expect(abs(duration - test.seconds) <= test.seconds * 0.1, "duration \(duration)")
        #expect(abs(muxer.duration - test.seconds) <= test.seconds * 0.1, "muxer duration \(muxer.duration)")
        try expectCleanDecode(path)
        if test.format == .hls {
            #expect(muxer.bytesWritten > 10_000)
        } else {
            let size = try #require(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
            #expect(muxer.bytesWritten == Int64(size))
        }
    }

    @Test func opusAloneInMp4Fragments() throws {
        let fixtures = try AVFixtures.get()
        let directory = try AVTool.temporaryDirectory("opusmp4")
        defer { AVTool.remove(directory) }
        let path = directory + "/audio.mp4"
        let remux = try Remux(fixtures.vp8Opus, only: [.opus])
        let muxer = try Muxer(format: .mp4, path: path, tracks: remux.tracks)
        try remux.write(to: muxer)  // write() starts the muxer itself
        try muxer.finish()
        let probe = try AVTool.probe(path)
        #expect(probe.codecs == ["opus"])
        #expect(abs((probe.duration ?? 0) - 4) < 0.4)
        try expectCleanDecode(path)
        // Fragments of about a second: several moof boxes.
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(occurrences(of: Array("moof".utf8), in: bytes) >= 3)
    }

    struct CrashCase: CustomTestStringConvertible, Sendable {
        var format: ContainerFormat
        var codecs: Set<TrackCodec>?
        var source: KeyPath<AVFixtures, String> & Sendable
        var testDescription: String {
            "\(format.rawValue) \(codecs.map { $0.map(\.rawValue).sorted().joined(separator: "+") } ?? "all")"
        }
    }

    /// A file copied while the muxer is still open (what a SIGKILL leaves) is readable.
    @Test(arguments: [
        CrashCase(format: .mp4, codecs: nil, source: \.h264Aac),
        CrashCase(format: .mp4, codecs: [.opus], source: \.vp8Opus),
        CrashCase(format: .webm, codecs: nil, source: \.vp8Opus),
        CrashCase(format: .mkv, codecs: nil, source: \.h264Aac),
    ])
    func fileCopiedWhileOpenIsReadable(_ test: CrashCase) throws {
        let fixtures = try AVFixtures.get()
        let directory = try AVTool.temporaryDirectory("crash")
        defer { AVTool.remove(directory) }
        let path = directory + "/open." + test.format.fileExtension
        let copy = directory + "/killed." + test.format.fileExtension
        let remux = try Remux(fixtures[keyPath: test.source], only: test.codecs)
        let muxer = try Muxer(format: test.format, path: path, tracks: remux.tracks)
        try muxer.start()
        try remux.write(to: muxer, before: 2.5)
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        #expect(muxer.bytesWritten >= FileIO.size(of: copy))

        let probe = try AVTool.probe(copy, countPackets: true)
        #expect(probe.codecs.count == remux.tracks.count)
        // At least a second of every track made it to disk.
        for (index, count) in probe.packetCounts.enumerated() {
            let perSecond = remux.tracks[index].codec.isAudio ? 40 : 30
            #expect(count >= perSecond, "track \(index): \(count) packets")
        }
        try muxer.finish()
    }

    @Test func finishIsIdempotentAndWritesAfterItFail() throws {
        let directory = try AVTool.temporaryDirectory("finish")
        defer { AVTool.remove(directory) }
        let muxer = try Muxer(
            format: .mkv, path: directory + "/a.mkv", tracks: [TrackDescription(codec: .opus)])
        try muxer.write(track: 0, data: [0xFC, 0xFF, 0xFE], pts: 0, dts: 0, isKeyFrame: true, duration: 960)
        try muxer.write(track: 0, data: [0xFC, 0xFF, 0xFE], pts: 960, dts: 960, isKeyFrame: true, duration: 960)
        #expect(abs(muxer.duration - 0.04) < 0.001)
        try muxer.finish()
        try muxer.finish()
        let error = #expect(throws: MediaError.self) {
            try muxer.write(track: 0, data: [0xFC, 0xFF, 0xFE], pts: 1920, dts: 1920, isKeyFrame: true)
        }
        #expect(error?.message.contains("finished") == true)
        #expect(throws: MediaError.self) { try muxer.start() }
        #expect(muxer.bytesWritten > 0)
    }

    @Test func badWritesAreRefused() throws {
        let directory = try AVTool.temporaryDirectory("badwrite")
        defer { AVTool.remove(directory) }
        let muxer = try Muxer(format: .webm, path: directory + "/a.webm", tracks: [TrackDescription(codec: .opus)])
        #expect(throws: MediaError.self) { try muxer.write(track: 1, data: [1], pts: 0, dts: 0, isKeyFrame: true) }
        #expect(throws: MediaError.self) { try muxer.write(track: -1, data: [1], pts: 0, dts: 0, isKeyFrame: true) }
        #expect(throws: MediaError.self) { try muxer.write(track: 0, data: [], pts: 0, dts: 0, isKeyFrame: true) }
        // Repeated and backwards timestamps do not break the file.
        for pts: Int64 in [0, 960, 960, 480, 1920] {
            try muxer.write(track: 0, data: [0xFC, 0xFF, 0xFE], pts: pts, dts: pts, isKeyFrame: true, duration: 960)
        }
        try muxer.finish()
        try expectCleanDecode(directory + "/a.webm")
    }

    @Test func extradataCanArriveBeforeStart() throws {
        let fixtures = try AVFixtures.get()
        let directory = try AVTool.temporaryDirectory("late")
        defer { AVTool.remove(directory) }
        let remux = try Remux(fixtures.h264Aac, only: [.h264])
        var track = try #require(remux.tracks.first)
        let extradata = track.extradata
        track.extradata = []
        let muxer = try Muxer(format: .mp4, path: directory + "/late.mp4", tracks: [track])
        track.extradata = extradata
        try muxer.updateTrack(0, track)
        #expect(throws: MediaError.self) { try muxer.updateTrack(0, TrackDescription(codec: .aac)) }
        try remux.write(to: muxer)
        #expect(throws: MediaError.self) { try muxer.updateTrack(0, track) }
        try muxer.finish()
        #expect(try AVTool.probe(directory + "/late.mp4").codecs == ["h264"])
        try expectCleanDecode(directory + "/late.mp4")
    }

    @Test func startNeedsDimensionsAndExtradata() throws {
        let directory = try AVTool.temporaryDirectory("start")
        defer { AVTool.remove(directory) }
        let noSize = try Muxer(format: .webm, path: directory + "/a.webm", tracks: [TrackDescription(codec: .vp8)])
        let sizeError = #expect(throws: MediaError.self) { try noSize.start() }
        #expect(sizeError?.message.contains("dimensions not set") == true)
        try noSize.updateTrack(0, TrackDescription(codec: .vp8, width: 320, height: 240))
        try noSize.start()
        try noSize.finish()

        let noConfig = try Muxer(
            format: .mp4, path: directory + "/a.mp4", tracks: [TrackDescription(codec: .h264, width: 320, height: 240)])
        let configError = #expect(throws: MediaError.self) {
            try noConfig.write(track: 0, data: [0, 0, 0, 1, 0x65], pts: 0, dts: 0, isKeyFrame: true)
        }
        #expect(configError?.message.contains("no extradata") == true)
        try noConfig.finish()
    }

    @Test func defaultOpusHeadIsValid() {
        let head = opusHead(channels: 2, preSkip: 312)
        #expect(head.count == 19)
        #expect(Array(head[0..<8]) == Array("OpusHead".utf8))
        #expect(head[8] == 1 && head[9] == 2 && head[10] == 0x38 && head[11] == 0x01)
        #expect(Array(head[12..<16]) == [0x80, 0xBB, 0, 0])
    }
}

func occurrences(of needle: [UInt8], in haystack: [UInt8]) -> Int {
    guard needle.count <= haystack.count, let first = needle.first else { return 0 }
    var count = 0
    var index = 0
    while index + needle.count <= haystack.count {
        if haystack[index] == first, Array(haystack[index..<index + needle.count]) == needle {
            count += 1
            index += needle.count
        } else {
            index += 1
        }
    }
    return count
}
