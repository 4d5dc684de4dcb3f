import Foundation
import Testing

@testable import SluiceRecorder

/// Media files made once per test process with the ffmpeg CLI, plus helpers shared by the AV suites.
struct AVFixtures: Sendable {
    /// VP8 320x240 30 fps (key frame every 30 frames) + Opus stereo, 4 s.
    let vp8Opus: String
    /// H.264 320x240 30 fps with B-frames (key frame every 30 frames) + AAC stereo, 4 s.
    let h264Aac: String
    /// VP9 320x240 + Opus, 3 s.
    let vp9Opus: String
    /// VP8 160x120, 1 s.
    let vp8Small: String
    static let seconds = 4.0

    static let shared: Result<AVFixtures, FixtureError> = Result { () throws(FixtureError) in try make() }

    static func get() throws -> AVFixtures { try shared.get() }

    private static func make() throws(FixtureError) -> AVFixtures {
        LibavLog.setLevel(.error)
        let directory = try AVTool.temporaryDirectory("fixtures")
        let fixtures = AVFixtures(
            vp8Opus: directory + "/vp8opus.webm", h264Aac: directory + "/h264aac.mp4",
            vp9Opus: directory + "/vp9opus.webm", vp8Small: directory + "/vp8small.webm")
        let video = ["-f", "lavfi", "-i", "testsrc=size=320x240:rate=30"]
        let audio = ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]
        try AVTool.ffmpeg(
            video + audio + ["-t", "4", "-c:v", "libvpx", "-g", "30", "-deadline", "realtime", "-cpu-used", "8",
                "-b:v", "400k", "-c:a", "libopus", "-ac", "2", fixtures.vp8Opus])
        try AVTool.ffmpeg(
            video + audio + ["-t", "4", "-c:v", "libx264", "-preset", "veryfast", "-g", "30", "-bf", "2",
                "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "2", fixtures.h264Aac])
        try AVTool.ffmpeg(
            video + audio + ["-t", "3", "-c:v", "libvpx-vp9", "-g", "30", "-deadline", "realtime", "-cpu-used", "8",
                "-b:v", "300k", "-c:a", "libopus", "-ac", "2", fixtures.vp9Opus])
        try AVTool.ffmpeg(
            ["-f", "lavfi", "-i", "testsrc=size=160x120:rate=30", "-t", "1", "-c:v", "libvpx", "-g", "30",
                "-deadline", "realtime", "-cpu-used", "8", fixtures.vp8Small])
        return fixtures
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
}

/// The ffmpeg and ffprobe command-line tools, found on PATH.
enum AVTool {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    static func run(_ name: String, _ arguments: [String]) throws(FixtureError) -> Output {
        guard let executable = find(name) else { throw FixtureError(description: "\(name) is not on PATH") }
        do {
            let directory = try temporaryDirectory("run")
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let outPath = directory + "/out", errPath = directory + "/err"
            _ = FileManager.default.createFile(atPath: outPath, contents: nil)
            _ = FileManager.default.createFile(atPath: errPath, contents: nil)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
            try process.run()
            process.waitUntilExit()
            return Output(
                status: process.terminationStatus,
                stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
        } catch let error as FixtureError {
            throw error
        } catch {
            throw FixtureError(description: "\(name): \(error)")
        }
    }

    /// Runs ffmpeg quietly, overwriting outputs; throws on failure.
    static func ffmpeg(_ arguments: [String]) throws(FixtureError) {
        let output = try run("ffmpeg", ["-v", "error", "-y", "-nostdin"] + arguments)
        guard output.status == 0 else {
            throw FixtureError(description: "ffmpeg \(arguments.joined(separator: " ")): \(output.stderr)")
        }
    }

    /// `ffmpeg -v error -i path -f null -`: the errors printed while decoding everything (empty when clean).
    static func decodeErrors(_ path: String) throws(FixtureError) -> String {
        let output = try run("ffmpeg", ["-v", "error", "-nostdin", "-i", path, "-f", "null", "-"])
        return output.status == 0 ? output.stderr : "exit \(output.status): \(output.stderr)"
    }

    struct Probe {
        var codecs: [String]
        var duration: Double?
        var packetCounts: [Int]
    }

    static func probe(_ path: String, countPackets: Bool = false) throws(FixtureError) -> Probe {
        var arguments = ["-v", "error"]
        if countPackets { arguments += ["-count_packets"] }
        arguments += [
            "-show_entries", "stream=codec_name\(countPackets ? ",nb_read_packets" : ""):format=duration",
            "-of", "json", path,
        ]
        let output = try run("ffprobe", arguments)
        guard output.status == 0 else { throw FixtureError(description: "ffprobe \(path): \(output.stderr)") }
        guard let data = output.stdout.data(using: .utf8),
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        else { throw FixtureError(description: "ffprobe \(path): unreadable JSON \(output.stdout)") }
        let streams = object["streams"] as? [[String: Any]] ?? []
        let format = object["format"] as? [String: Any]
        return Probe(
            codecs: streams.compactMap { $0["codec_name"] as? String },
            duration: (format?["duration"] as? String).flatMap(Double.init),
            packetCounts: streams.map { Int($0["nb_read_packets"] as? String ?? "") ?? 0 })
    }

    static func temporaryDirectory(_ label: String) throws(FixtureError) -> String {
        let path = NSTemporaryDirectory() + "sluice-av-\(label)-\(UUID().uuidString.prefix(8))"
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw FixtureError(description: "mkdir \(path): \(error)")
        }
        return path
    }

    static func remove(_ path: String) { try? FileManager.default.removeItem(atPath: path) }
}

/// Demuxes `source` and writes its streams through a ``Muxer``.
struct Remux {
    var tracks: [TrackDescription]
    var packets: [(track: Int, packet: Demuxer.Packet)]

    init(_ source: String, only codecs: Set<TrackCodec>? = nil) throws {
        let demuxer = try Demuxer(path: source)
        var mapping: [Int: Int] = [:]
        var tracks: [TrackDescription] = []
        for stream in demuxer.streams {
            guard let track = stream.track, codecs?.contains(track.codec) ?? true else { continue }
            mapping[stream.index] = tracks.count
            tracks.append(track)
        }
        self.tracks = tracks
        packets = try demuxer.readAll().compactMap { packet in
            mapping[packet.streamIndex].map { (track: $0, packet: packet) }
        }
    }

    /// Writes packets whose dts is below `seconds` (all by default), in decoding order.
    func write(to muxer: Muxer, before seconds: Double = .infinity) throws {
        for (track, packet) in packets {
            let clock = Double(tracks[track].timeBase)
            guard Double(packet.dts) / clock < seconds else { continue }
            try muxer.write(
                track: track, data: packet.data, pts: packet.pts, dts: packet.dts, isKeyFrame: packet.isKeyFrame,
                duration: packet.duration)
        }
    }
}

@Suite struct AVFixturesTests {
    @Test func fixturesDemuxWithExtradata() throws {
        let fixtures = try AVFixtures.get()
        let webm = try Demuxer(path: fixtures.vp8Opus)
        #expect(webm.streams.compactMap(\.codec) == [.vp8, .opus])
        let opus = try #require(webm.streams.first { $0.codec == .opus })
        #expect(opus.extradata.starts(with: Array("OpusHead".utf8)))
        #expect(opus.clockRate == 48000)
        let video = try #require(webm.streams.first { $0.codec == .vp8 })
        #expect(video.width == 320 && video.height == 240 && video.clockRate == 90000)

        let mp4 = try Demuxer(path: fixtures.h264Aac)
        let h264 = try #require(mp4.streams.first { $0.codec == .h264 })
        #expect(h264.extradata.first == 1)  // avcC
        let aac = try #require(mp4.streams.first { $0.codec == .aac })
        #expect(aac.extradata.count >= 2 && aac.sampleRate == 48000 && aac.channels == 2)
        let packets = try mp4.readAll()
        let videoPackets = packets.filter { $0.streamIndex == h264.index }
        #expect(videoPackets.contains { $0.pts != $0.dts })  // B-frames
        #expect(videoPackets.filter(\.isKeyFrame).count == 4)
    }
}

/// `ffmpeg -v error -i path -f null -` prints nothing.
func expectCleanDecode(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let errors = try AVTool.decodeErrors(path)
    #expect(errors.isEmpty, "decoding \(path): \(errors)", sourceLocation: sourceLocation)
}
