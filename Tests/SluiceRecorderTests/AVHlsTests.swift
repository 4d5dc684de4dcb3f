import Foundation
import Testing

@testable import SluiceRecorder

@Suite struct AVHlsTests {
    @Test func segmentsAreCutOnKeyFramesAndPlaylistEndsAsVod() throws {
        let fixtures = try AVFixtures.get()
        let directory = try AVTool.temporaryDirectory("hls")
        defer { AVTool.remove(directory) }
        let playlist = directory + "/index.m3u8"
        let remux = try Remux(fixtures.h264Aac)
        let muxer = try Muxer(format: .hls, path: playlist, tracks: remux.tracks, options: MuxerOptions(hlsTargetDuration: 2))
        try muxer.start()

        // While recording: an EVENT playlist without ENDLIST, with the segments so far.
        try remux.write(to: muxer, before: 2.5)
        let live = try String(contentsOfFile: playlist, encoding: .utf8)
        #expect(live.contains("#EXT-X-PLAYLIST-TYPE:EVENT"))
        #expect(!live.contains("#EXT-X-ENDLIST"))
        let early = muxer.hlsSegments
        #expect(early.map(\.name) == ["segment-00001.m4s"])
        let rolling = Muxer.rollingPlaylist(from: early, window: 6, targetDuration: 2, initName: "init.mp4")
        #expect(rolling.contains("#EXT-X-MEDIA-SEQUENCE:1\n"))  // libavformat numbers from start_number
        #expect(rolling.contains("segment-00001.m4s"))

        for (track, packet) in remux.packets
        where Double(packet.dts) / Double(remux.tracks[track].timeBase) >= 2.5 {
            try muxer.write(
                track: track, data: packet.data, pts: packet.pts, dts: packet.dts, isKeyFrame: packet.isKeyFrame,
                duration: packet.duration)
        }
        try muxer.finish()

        let text = try String(contentsOfFile: playlist, encoding: .utf8)
        #expect(text.contains("#EXT-X-PLAYLIST-TYPE:VOD"))
        #expect(!text.contains("EVENT"))
        #expect(text.contains("#EXT-X-ENDLIST"))
        #expect(text.contains("#EXT-X-MAP:URI=\"init.mp4\""))
        #expect(text.contains("#EXT-X-INDEPENDENT-SEGMENTS"))
        #expect(FileManager.default.fileExists(atPath: directory + "/init.mp4"))

        let segments = muxer.hlsSegments
        #expect(segments.map(\.name) == ["segment-00001.m4s", "segment-00002.m4s"])
        #expect(segments.map(\.sequence) == [1, 2])
        for segment in segments {
            #expect(abs(segment.duration - 2) < 0.2, "\(segment.name): \(segment.duration)")
            #expect(try firstVideoFrameIsKey(directory: directory, segment: segment.name))
        }
        try expectCleanDecode(playlist)
        let probe = try AVTool.probe(playlist)
        #expect(probe.codecs.sorted() == ["aac", "h264"])
        #expect(abs((probe.duration ?? 0) - 4) < 0.4)
    }

    @Test func rollingPlaylistSlides() {
        let segments = (0..<10).map { HlsSegment(name: String(format: "segment-%05d.m4s", $0 + 1), duration: 2.002, sequence: $0) }
        let text = Muxer.rollingPlaylist(from: segments, window: 3, targetDuration: 2, initName: "init.mp4")
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first == "#EXTM3U")
        #expect(lines.contains("#EXT-X-MEDIA-SEQUENCE:7"))
        #expect(lines.contains("#EXT-X-TARGETDURATION:2"))
        #expect(lines.contains("#EXT-X-MAP:URI=\"init.mp4\""))
        #expect(lines.filter { $0.hasPrefix("#EXTINF:") } == Array(repeating: "#EXTINF:2.002000,", count: 3))
        #expect(lines.filter { !$0.hasPrefix("#") } == ["segment-00008.m4s", "segment-00009.m4s", "segment-00010.m4s"])
        #expect(!text.contains("ENDLIST"))
        #expect(Muxer.hlsSegments(inPlaylist: text).map(\.sequence) == [7, 8, 9])

        // Target duration covers the longest segment of the whole recording, rounded.
        var uneven = segments
        uneven[1].duration = 3.6
        #expect(Muxer.rollingPlaylist(from: uneven, window: 3, targetDuration: 2).contains("#EXT-X-TARGETDURATION:4\n"))
        let empty = Muxer.rollingPlaylist(from: [], window: 3, targetDuration: 2)
        #expect(empty.contains("#EXT-X-MEDIA-SEQUENCE:0") && !empty.contains("#EXTINF"))
    }

    @Test func playlistParsing() {
        let text = """
            #EXTM3U
            #EXT-X-VERSION:7
            #EXT-X-TARGETDURATION:2
            #EXT-X-MEDIA-SEQUENCE:5
            #EXT-X-MAP:URI="init.mp4"
            #EXTINF:2.000000,
            segment-00006.m4s
            #EXT-X-DISCONTINUITY
            #EXTINF:1.500,title
            segment-00007.m4s
            #EXT-X-ENDLIST
            """
        #expect(
            Muxer.hlsSegments(inPlaylist: text) == [
                HlsSegment(name: "segment-00006.m4s", duration: 2, sequence: 5),
                HlsSegment(name: "segment-00007.m4s", duration: 1.5, sequence: 6),
            ])
    }

    @Test func hlsRefusesOpusAndVp8() throws {
        let directory = try AVTool.temporaryDirectory("hlsrefuse")
        defer { AVTool.remove(directory) }
        for codec in [TrackCodec.opus, .vp8, .vp9] {
            let error = #expect(throws: MediaError.self) {
                try Muxer(format: .hls, path: directory + "/index.m3u8", tracks: [TrackDescription(codec: codec)])
            }
            #expect(error?.message.contains("not allowed in hls") == true)
        }
    }
}

/// Whether the first video frame of init segment + media segment is a key frame.
func firstVideoFrameIsKey(directory: String, segment: String) throws -> Bool {
    var joined = try Data(contentsOf: URL(fileURLWithPath: directory + "/init.mp4"))
    joined.append(try Data(contentsOf: URL(fileURLWithPath: directory + "/" + segment)))
    let path = directory + "/joined-" + segment + ".mp4"
    try joined.write(to: URL(fileURLWithPath: path))
    defer { AVTool.remove(path) }
    let output = try AVTool.run(
        "ffprobe",
        ["-v", "error", "-select_streams", "v", "-show_entries", "frame=key_frame", "-read_intervals", "%+#1",
            "-of", "csv=p=0", path])
    return output.status == 0 && output.stdout.split(separator: "\n").first.map { $0.hasPrefix("1") } == true
}
