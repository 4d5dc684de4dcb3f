internal import Foundation

/// One output of a recording: a file, or an HLS directory. A recording starts a new part when
/// producers join after the first one opened.
final class OutputPart {
    let number: Int
    /// Path relative to the recording directory (what the API serves).
    let name: String
    let path: String
    let format: ContainerFormat
    let muxer: Muxer
    /// Producer ids, in track order.
    let producerIds: [String]
    /// Local time of pts 0.
    let anchor: Double
    var hlsSegmentsSeen = 0

    init(number: Int, name: String, path: String, format: ContainerFormat, muxer: Muxer, producerIds: [String], anchor: Double) {
        self.number = number
        self.name = name
        self.path = path
        self.format = format
        self.muxer = muxer
        self.producerIds = producerIds
        self.anchor = anchor
    }

    /// The pts (in `timeBase`) of the anchor, counted from the recording's epoch.
    func anchorPts(timeBase: Int32, epoch: Double) -> Int64 {
        Int64(((anchor - epoch) * Double(timeBase)).rounded())
    }

    func fileStatus(finalized: Bool = false) -> RecordingFile? {
        RecordingFile(
            name: name, contentType: RecordingFiles.contentType(forName: name), bytes: muxer.bytesWritten, duration: muxer.duration,
            producerIds: producerIds, finalized: finalized)
    }

    /// Names of part `number` (1-based) of a recording in `format`.
    static func names(number: Int, format: ContainerFormat) -> (directory: String?, file: String) {
        let suffix = number == 1 ? "" : "-\(number)"
        switch format {
        case .hls: return ("hls\(suffix)", "hls\(suffix)/index.m3u8")
        case .webm, .mp4, .mkv: return (nil, "recording\(suffix).\(format.fileExtension)")
        }
    }
}

/// File naming and content types for what recordings write.
public enum RecordingFiles {
    /// The MIME type a file is served with.
    public static func contentType(forName name: String) -> String {
        let lower = name.lowercased()
        if lower.hasSuffix(".m3u8") { return "application/vnd.apple.mpegurl" }
        if lower.hasSuffix(".m4s") { return "video/iso.segment" }
        if lower.hasSuffix(".mp4") { return "video/mp4" }
        if lower.hasSuffix(".webm") { return "video/webm" }
        if lower.hasSuffix(".mkv") { return "video/x-matroska" }
        return "application/octet-stream"
    }

    /// Whether `segment` may appear in a served path: letters, digits, '.', '-', '_', not starting
    /// with '.', so nothing can climb out of the recording directory.
    public static func isSafePathSegment(_ segment: Substring) -> Bool {
        guard !segment.isEmpty, segment.count <= 128, segment.first != "." else { return false }
        return segment.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (CharacterSetLike.isAlphanumeric(scalar) || scalar == "." || scalar == "-" || scalar == "_")
        }
    }
}

private enum CharacterSetLike {
    static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }
}
