import Foundation
import Testing

@testable import SluiceRecorder

@Suite struct AVErrorTests {
    @Test(arguments: [ContainerFormat.mp4, .webm, .mkv, .hls])
    func unwritablePathIsAnError(_ format: ContainerFormat) {
        let track = TrackDescription(codec: format == .hls ? .aac : .opus)
        let error = #expect(throws: MediaError.self) {
            try Muxer(format: format, path: "/proc/nope/x." + format.fileExtension, tracks: [track])
        }
        #expect(error?.isUnwritablePath == true)
        #expect(error?.description.contains("/proc/nope") == true)
    }

    @Test func readOnlyDirectoryIsAPermissionError() throws {
        guard geteuid() != 0 else { return }  // root writes anywhere
        let directory = try AVTool.temporaryDirectory("readonly")
        defer {
            chmod(directory, 0o700)
            AVTool.remove(directory)
        }
        chmod(directory, 0o500)
        for format in [ContainerFormat.mp4, .hls] {
            let error = #expect(throws: MediaError.self) {
                try Muxer(format: format, path: directory + "/x." + format.fileExtension, tracks: [TrackDescription(codec: .aac)])
            }
            #expect(error?.isPermission == true)
        }
    }

    @Test func disallowedCodecsAreRefused() throws {
        let directory = try AVTool.temporaryDirectory("codecs")
        defer { AVTool.remove(directory) }
        for format in ContainerFormat.allCases {
            for codec in TrackCodec.allCases {
                let path = directory + "/\(codec.rawValue)." + format.fileExtension
                let tracks = [TrackDescription(codec: codec, width: 320, height: 240)]
                if format.allowedCodecs.contains(codec) {
                    let muxer = try Muxer(format: format, path: path, tracks: tracks)
                    try muxer.finish()
                } else {
                    let error = #expect(throws: MediaError.self, "\(codec) in \(format)") {
                        try Muxer(format: format, path: path, tracks: tracks)
                    }
                    #expect(error?.message == "\(codec.rawValue) (track 0) is not allowed in \(format.rawValue)")
                    #expect(!FileManager.default.fileExists(atPath: path))
                }
            }
        }
        #expect(throws: MediaError.self) { try Muxer(format: .mkv, path: directory + "/none.mkv", tracks: []) }
        #expect(throws: MediaError.self) {
            try Muxer(format: .mkv, path: directory + "/tb.mkv", tracks: [TrackDescription(codec: .vp8, timeBase: 0)])
        }
    }

    @Test func errorClassification() {
        let full = MediaError(operation: "avio_write", code: -ENOSPC)
        #expect(full.isNoSpace && !full.isPermission)
        #expect(full.message == "No space left on device")
        #expect(full.description == "avio_write: No space left on device (\(-ENOSPC))")
        #expect(MediaError(operation: "open", code: -EACCES).isPermission)
        #expect(MediaError(operation: "open", code: -EROFS).isUnwritablePath)
        #expect(MediaError(operation: "open", code: -ENOENT).isUnwritablePath)
        #expect(!MediaError(operation: "open", code: -ENOENT).isPermission)
        #expect(MediaError(operation: "x", code: -1_094_995_529).isInvalidData)  // AVERROR_INVALIDDATA
    }
}
