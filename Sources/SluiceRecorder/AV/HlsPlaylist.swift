internal import Foundation

/// One media segment of an HLS playlist.
public struct HlsSegment: Sendable, Equatable {
    /// The URI as written in the playlist (a file name next to it).
    public var name: String
    /// `#EXTINF` duration in seconds.
    public var duration: Double
    /// The media sequence number (0 for the first segment of a recording).
    public var sequence: Int

    public init(name: String, duration: Double, sequence: Int) {
        self.name = name
        self.duration = duration
        self.sequence = sequence
    }
}

/// Playlist reading and writing around libavformat's `hls` muxer.
enum HlsPlaylist {
    static let initName = "init.mp4"
    static let segmentPrefix = "segment-"
    static let segmentSuffix = ".m4s"
    static let segmentPattern = "segment-%05d.m4s"

    /// The segments of a media playlist, in order.
    static func segments(in text: String) -> [HlsSegment] {
        var mediaSequence = 0
        var pendingDuration: Double?
        var result: [HlsSegment] = []
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            if line.hasPrefix("#EXT-X-MEDIA-SEQUENCE:") {
                mediaSequence = Int(line.dropFirst("#EXT-X-MEDIA-SEQUENCE:".count)) ?? 0
            } else if line.hasPrefix("#EXTINF:") {
                let value = line.dropFirst("#EXTINF:".count).prefix { $0 != "," }
                pendingDuration = Double(value) ?? 0
            } else if !line.hasPrefix("#"), let duration = pendingDuration {
                result.append(HlsSegment(name: line, duration: duration, sequence: mediaSequence + result.count))
                pendingDuration = nil
            }
        }
        return result
    }

    /// Makes the event playlist left by the muxer's trailer a complete VOD one.
    static func finalize(at path: String) throws(MediaError) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw MediaError.system("read(\(path))", errno: ENOENT)
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        while lines.last?.isEmpty == true { lines.removeLast() }
        var hasType = false
        for index in lines.indices where lines[index].hasPrefix("#EXT-X-PLAYLIST-TYPE:") {
            lines[index] = "#EXT-X-PLAYLIST-TYPE:VOD"
            hasType = true
        }
        if !hasType, let header = lines.firstIndex(of: "#EXTM3U") {
            lines.insert("#EXT-X-PLAYLIST-TYPE:VOD", at: header + 1)
        }
        if !lines.contains("#EXT-X-ENDLIST") { lines.append("#EXT-X-ENDLIST") }
        let result = lines.joined(separator: "\n") + "\n"
        guard result != text else { return }
        try FileIO.writeAtomically(result, to: path)
    }

    static func format(_ seconds: Double) -> String { String(format: "%.6f", seconds) }
}

extension Muxer {
    /// A live (sliding-window) playlist over the last `window` segments: `#EXT-X-MEDIA-SEQUENCE` is
    /// the sequence of its first segment, `#EXT-X-MAP` names the init segment, no `#EXT-X-ENDLIST`.
    /// `#EXT-X-TARGETDURATION` covers every segment given (not just the window) so it never changes
    /// between refreshes of the same recording.
    public static func rollingPlaylist(
        from segments: [HlsSegment], window: Int, targetDuration: Double, initName: String = "init.mp4"
    ) -> String {
        let shown = segments.suffix(max(1, window))
        let longest = segments.map { $0.duration.rounded() }.max() ?? 0
        let target = Int(max(targetDuration.rounded(.up), longest, 1))
        var lines = [
            "#EXTM3U",
            "#EXT-X-VERSION:7",
            "#EXT-X-TARGETDURATION:\(target)",
            "#EXT-X-MEDIA-SEQUENCE:\(shown.first?.sequence ?? segments.count)",
            "#EXT-X-INDEPENDENT-SEGMENTS",
            "#EXT-X-MAP:URI=\"\(initName)\"",
        ]
        for segment in shown {
            lines.append("#EXTINF:\(HlsPlaylist.format(segment.duration)),")
            lines.append(segment.name)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// HLS: the playlist parsed from its text.
    public static func hlsSegments(inPlaylist text: String) -> [HlsSegment] {
        HlsPlaylist.segments(in: text)
    }
}
