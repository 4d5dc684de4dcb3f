internal import CFFmpeg
internal import Foundation

/// Writes one container file (or, for .hls, a playlist plus fMP4 init segment and segments in one directory).
///
/// Crash safety: MP4 is fragmented (`empty_moov`, fragments of at most
/// ``MuxerOptions/fragmentDuration``), Matroska/WebM write clusters of at most that duration as
/// they go, HLS writes whole segments and rewrites its playlist after each, packets wait for
/// interleaving at most that duration, and what the muxer emits is flushed to the file at once.
/// A process killed mid-recording leaves a file that plays up to about the last second
/// (MP4/Matroska) or the last complete segment (HLS).
///
/// Not thread-safe: one owner calls it.
public final class Muxer {
    public let format: ContainerFormat
    /// The file, or for HLS the playlist.
    public let path: String
    public private(set) var tracks: [TrackDescription]
    public let options: MuxerOptions

    private var context: UnsafeMutablePointer<AVFormatContext>?
    private var state: State = .opened
    private var timing: [TrackTiming]
    private var closedSize: Int64?
    /// libavformat refused the header; the context cannot be started again.
    private var headerError: MediaError?
    private let packet: LibavPacket

    private enum State { case opened, started, finished }

    private struct TrackTiming {
        var firstPts: Int64?
        var end: Int64 = 0
        /// Last dts written, in the stream's muxer time base.
        var lastMuxDts: Int64?
    }

    /// Opens the output. For webm/mp4/mkv `path` is the file; for hls `path` is the playlist path
    /// (e.g. dir/index.m3u8), the init segment and segments go next to it (init.mp4, segment-00001.m4s …).
    ///
    /// Throws when the codec is not allowed in that container (webm: vp8/vp9/opus; mp4: h264,
    /// vp9, opus, aac; hls: h264 + aac; mkv: all) or the path is not writable.
    public init(
        format: ContainerFormat, path: String, tracks: [TrackDescription], options: MuxerOptions = MuxerOptions()
    ) throws(MediaError) {
        try Muxer.validate(format: format, path: path, tracks: tracks)
        let packet = try LibavPacket()
        let context = try Muxer.openContext(format: format, path: path, tracks: tracks)
        // Hold packets back for interleaving at most a fragment's length when one track goes quiet.
        context.pointee.max_interleave_delta = Int64(Muxer.fragmentSeconds(options) * 1_000_000)
        self.format = format
        self.path = path
        self.tracks = tracks
        self.options = options
        self.context = context
        self.packet = packet
        self.timing = Array(repeating: TrackTiming(), count: tracks.count)
    }

    deinit {
        // A muxer dropped without finish() still gets its trailer.
        if state != .finished { try? finish() }
        freeContext()
    }

    /// Replaces a track's description (for extradata or dimensions learnt late); only before ``start()``.
    public func updateTrack(_ index: Int, _ description: TrackDescription) throws(MediaError) {
        guard state == .opened, let context else {
            throw MediaError.invalidArgument("Muxer.updateTrack", "the header is already written")
        }
        guard tracks.indices.contains(index), description.codec == tracks[index].codec,
            description.timeBase > 0
        else {
            throw MediaError.invalidArgument("Muxer.updateTrack", "track \(index) cannot become \(description.codec)")
        }
        guard let stream = context.pointee.streams?[index], let parameters = stream.pointee.codecpar else {
            throw MediaError.invalidArgument("Muxer.updateTrack", "no stream \(index)")
        }
        stream.pointee.time_base = AVRational(clockRate: description.timeBase)
        try Muxer.configure(parameters, description)
        tracks[index] = description
    }

    /// Writes the header. Separate from init so a caller can open, then write the header when it has all
    /// extradata. ``write(track:data:pts:dts:isKeyFrame:duration:)`` calls it when needed.
    public func start() throws(MediaError) {
        guard state == .opened, let context else {
            throw MediaError.invalidArgument("Muxer.start", state == .finished ? "the muxer is finished" : "already started")
        }
        if let headerError { throw headerError }
        for (index, track) in tracks.enumerated() {
            if track.codec.isVideo, track.width <= 0 || track.height <= 0 {
                throw MediaError.invalidArgument(
                    "Muxer.start", "track \(index) (\(track.codec.rawValue)): dimensions not set (updateTrack before start)")
            }
            if track.codec == .h264 || track.codec == .aac, track.extradata.isEmpty {
                throw MediaError.invalidArgument(
                    "Muxer.start", "track \(index) (\(track.codec.rawValue)): no extradata (updateTrack before start)")
            }
        }
        let headerOptions = try LibavOptions(Muxer.headerOptions(format: format, path: path, tracks: tracks, options: options))
        let result = avformat_write_header(context, &headerOptions.dictionary)
        if result < 0 {
            let error = MediaError(operation: "avformat_write_header(\(path))", code: result)
            headerError = error
            throw error
        }
        state = .started
    }

    /// Writes one frame. Timestamps are in 1/timeBase of the track; `duration` 0 means unknown.
    /// A dts not above the track's previous one is raised by one muxer tick, and pts is kept ≥ dts,
    /// so a reordered or duplicated timestamp never makes the container invalid.
    public func write(
        track: Int, data: [UInt8], pts: Int64, dts: Int64, isKeyFrame: Bool, duration: Int64 = 0
    ) throws(MediaError) {
        guard state != .finished else {
            throw MediaError.invalidArgument("Muxer.write", "the muxer is finished")
        }
        guard tracks.indices.contains(track) else {
            throw MediaError.invalidArgument("Muxer.write", "no track \(track) (of \(tracks.count))")
        }
        guard !data.isEmpty else {
            throw MediaError.invalidArgument("Muxer.write", "empty frame on track \(track)")
        }
        if state == .opened { try start() }
        guard let context, let stream = context.pointee.streams?[track] else {
            throw MediaError.invalidArgument("Muxer.write", "no stream \(track)")
        }
        try packet.fill(data)
        let p = packet.pointer
        let source = AVRational(clockRate: tracks[track].timeBase)
        let destination = stream.pointee.time_base
        p.pointee.stream_index = Int32(track)
        p.pointee.pts = rescale(pts, from: source, to: destination)
        p.pointee.dts = rescale(dts, from: source, to: destination)
        p.pointee.duration = duration > 0 ? rescale(duration, from: source, to: destination) : 0
        p.pointee.flags = isKeyFrame ? AV_PKT_FLAG_KEY : 0
        if let last = timing[track].lastMuxDts, p.pointee.dts <= last { p.pointee.dts = last + 1 }
        if p.pointee.pts < p.pointee.dts { p.pointee.pts = p.pointee.dts }
        let muxDts = p.pointee.dts
        let result = av_interleaved_write_frame(context, p)
        packet.unref()
        try avCheck(result, "av_interleaved_write_frame(\(path), track \(track))")
        timing[track].lastMuxDts = muxDts
        timing[track].firstPts = min(timing[track].firstPts ?? pts, pts)
        timing[track].end = max(timing[track].end, pts + max(duration, 0))
    }

    /// Writes the trailer and closes; safe to call twice. After a write error it still writes a
    /// best-effort trailer and closes the files, then reports the first error of the close.
    /// For HLS the playlist becomes a complete VOD one (`#EXT-X-PLAYLIST-TYPE:VOD`, `#EXT-X-ENDLIST`).
    public func finish() throws(MediaError) {
        guard state != .finished else { return }
        let headerWritten = state == .started
        state = .finished
        var firstError: MediaError?
        if let context {
            if headerWritten {
                let result = av_write_trailer(context)
                if result < 0 { firstError = MediaError(operation: "av_write_trailer(\(path))", code: result) }
            }
            if context.pointee.pb != nil, !Muxer.managesOwnFiles(context) {
                let result = avio_closep(&context.pointee.pb)
                if result < 0, firstError == nil {
                    firstError = MediaError(operation: "avio_close(\(path))", code: result)
                }
            }
        }
        freeContext()
        if format == .hls, headerWritten {
            do throws(MediaError) {
                try HlsPlaylist.finalize(at: path)
            } catch {
                if firstError == nil { firstError = error }
            }
        }
        closedSize = measureBytes()
        if let firstError { throw firstError }
    }

    /// Bytes on disk so far: the file (plus what is buffered for it), or for HLS the playlist,
    /// init segment and segments.
    public var bytesWritten: Int64 {
        if let closedSize { return closedSize }
        var size = measureBytes()
        if format != .hls, let pb = context?.pointee.pb {
            size = max(size, avio_tell(pb))
        }
        return size
    }

    /// Seconds: the longest track's span from its first pts to its last pts + duration.
    public var duration: Double {
        zip(tracks, timing).reduce(0.0) { longest, pair in
            guard let first = pair.1.firstPts, pair.0.timeBase > 0 else { return longest }
            return max(longest, Double(pair.1.end - first) / Double(pair.0.timeBase))
        }
    }

    /// HLS: the segments listed by the playlist on disk so far (empty for other formats).
    public var hlsSegments: [HlsSegment] {
        guard format == .hls, let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return HlsPlaylist.segments(in: text)
    }

    /// HLS: the directory holding the playlist, init segment and segments.
    public var hlsDirectory: String { Muxer.directory(of: path) }

    // MARK: - Opening

    private static func validate(format: ContainerFormat, path: String, tracks: [TrackDescription]) throws(MediaError) {
        guard !tracks.isEmpty else { throw MediaError.invalidArgument("Muxer.init", "no tracks") }
        guard !path.isEmpty else { throw MediaError.invalidArgument("Muxer.init", "empty path") }
        for (index, track) in tracks.enumerated() {
            guard format.allowedCodecs.contains(track.codec) else {
                throw MediaError.invalidArgument(
                    "Muxer.init", "\(track.codec.rawValue) (track \(index)) is not allowed in \(format.rawValue)")
            }
            guard track.timeBase > 0 else {
                throw MediaError.invalidArgument("Muxer.init", "track \(index) has time base \(track.timeBase)")
            }
            if track.codec.isAudio {
                guard track.sampleRate > 0, (1...8).contains(track.channels) else {
                    throw MediaError.invalidArgument(
                        "Muxer.init", "track \(index): \(track.sampleRate) Hz, \(track.channels) channels")
                }
            } else {
                guard track.width >= 0, track.height >= 0 else {
                    throw MediaError.invalidArgument("Muxer.init", "track \(index): \(track.width)x\(track.height)")
                }
            }
        }
        if format == .hls {
            guard tracks.filter(\.codec.isVideo).count <= 1, tracks.filter(\.codec.isAudio).count <= 1 else {
                throw MediaError.invalidArgument("Muxer.init", "hls takes at most one video and one audio track")
            }
            let directory = directory(of: path)
            if access(directory, W_OK | X_OK) != 0 {
                throw MediaError.system("open(\(directory))", errno: errno)
            }
        }
    }

    private static func openContext(
        format: ContainerFormat, path: String, tracks: [TrackDescription]
    ) throws(MediaError) -> UnsafeMutablePointer<AVFormatContext> {
        var allocated: UnsafeMutablePointer<AVFormatContext>?
        try avCheck(
            avformat_alloc_output_context2(&allocated, nil, format.muxerName, path),
            "avformat_alloc_output_context2(\(format.muxerName))")
        guard let context = allocated else { throw MediaError.outOfMemory("avformat_alloc_output_context2") }
        do throws(MediaError) {
            for track in tracks {
                guard let stream = avformat_new_stream(context, nil), let parameters = stream.pointee.codecpar else {
                    throw MediaError.outOfMemory("avformat_new_stream")
                }
                stream.pointee.time_base = AVRational(clockRate: track.timeBase)
                try configure(parameters, track)
            }
            // Flush every packet the muxer emits (whole fragments/clusters), so a killed process
            // loses little.
            context.pointee.flush_packets = 1
            if !managesOwnFiles(context) {
                try avCheck(avio_open2(&context.pointee.pb, path, AVIO_FLAG_WRITE, nil, nil), "avio_open(\(path))")
            }
        } catch {
            if context.pointee.pb != nil, !managesOwnFiles(context) { avio_closep(&context.pointee.pb) }
            avformat_free_context(context)
            throw error
        }
        return context
    }

    private static func managesOwnFiles(_ context: UnsafeMutablePointer<AVFormatContext>) -> Bool {
        guard let format = context.pointee.oformat else { return false }
        return format.pointee.flags & AVFMT_NOFILE != 0
    }

    static func configure(_ parameters: UnsafeMutablePointer<AVCodecParameters>, _ track: TrackDescription) throws(MediaError) {
        parameters.pointee.codec_type = track.codec.isAudio ? AVMEDIA_TYPE_AUDIO : AVMEDIA_TYPE_VIDEO
        parameters.pointee.codec_id = track.codec.codecID
        var extradata = track.extradata
        if track.codec == .opus, extradata.isEmpty { extradata = opusHead(channels: track.channels) }
        try setExtradata(parameters, extradata)
        if track.codec.isAudio {
            parameters.pointee.sample_rate = Int32(clamping: track.sampleRate)
            av_channel_layout_uninit(&parameters.pointee.ch_layout)
            av_channel_layout_default(&parameters.pointee.ch_layout, Int32(clamping: track.channels))
            parameters.pointee.frame_size = track.codec == .aac ? 1024 : 960
        } else {
            parameters.pointee.width = Int32(clamping: track.width)
            parameters.pointee.height = Int32(clamping: track.height)
            parameters.pointee.format = AV_PIX_FMT_YUV420P.rawValue
        }
    }

    static func setExtradata(_ parameters: UnsafeMutablePointer<AVCodecParameters>, _ bytes: [UInt8]) throws(MediaError) {
        av_freep(&parameters.pointee.extradata)
        parameters.pointee.extradata_size = 0
        guard !bytes.isEmpty else { return }
        guard let size = Int32(exactly: bytes.count),
            let memory = av_mallocz(bytes.count + Int(AV_INPUT_BUFFER_PADDING_SIZE))
        else { throw MediaError.outOfMemory("av_mallocz(extradata)") }
        let typed = memory.bindMemory(to: UInt8.self, capacity: bytes.count)
        bytes.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { typed.update(from: base, count: bytes.count) }
        }
        parameters.pointee.extradata = typed
        parameters.pointee.extradata_size = size
    }

    static func headerOptions(
        format: ContainerFormat, path: String, tracks: [TrackDescription], options: MuxerOptions
    ) -> [(String, String)] {
        let fragment = fragmentSeconds(options)
        switch format {
        case .mp4:
            return [
                ("movflags", "frag_keyframe+empty_moov+default_base_moof"),
                ("frag_duration", String(Int64(fragment * 1_000_000))),
            ]
        case .webm, .mkv:
            return [("cluster_time_limit", String(Int64(fragment * 1000)))]
        case .hls:
            let directory = directory(of: path)
            return [
                ("hls_segment_type", "fmp4"),
                ("hls_time", seconds(min(max(options.hlsTargetDuration, 0.1), 3600))),
                ("hls_list_size", "0"),
                ("hls_playlist_type", "event"),
                ("hls_fmp4_init_filename", HlsPlaylist.initName),
                ("hls_segment_filename", directory + "/" + HlsPlaylist.segmentPattern),
                ("hls_flags", "independent_segments"),
                ("start_number", "1"),
            ]
        }
    }

    static func fragmentSeconds(_ options: MuxerOptions) -> Double {
        min(max(options.fragmentDuration, 0.1), 60)
    }

    /// Seconds as libavutil's duration syntax (`S+.micro`), never in exponent notation.
    static func seconds(_ value: Double) -> String {
        let micros = Int64((value * 1_000_000).rounded())
        let fraction = String(micros % 1_000_000)
        return "\(micros / 1_000_000)." + String(repeating: "0", count: 6 - fraction.count) + fraction
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let directory = String(path[..<slash])
        return directory.isEmpty ? "/" : directory
    }

    // MARK: - Closing

    private func freeContext() {
        guard let context else { return }
        if context.pointee.pb != nil, !Muxer.managesOwnFiles(context) { avio_closep(&context.pointee.pb) }
        avformat_free_context(context)
        self.context = nil
    }

    private func measureBytes() -> Int64 {
        guard format == .hls else { return FileIO.size(of: path) }
        let directory = hlsDirectory
        let playlist = String(path[path.index(after: path.lastIndex(of: "/") ?? path.startIndex)...])
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.reduce(0) { total, name in
            let ours = name == playlist || name == HlsPlaylist.initName
                || (name.hasPrefix(HlsPlaylist.segmentPrefix) && name.hasSuffix(HlsPlaylist.segmentSuffix))
            return ours ? total + FileIO.size(of: directory + "/" + name) : total
        }
    }
}

extension TrackCodec {
    var codecID: AVCodecID {
        switch self {
        case .opus: AV_CODEC_ID_OPUS
        case .aac: AV_CODEC_ID_AAC
        case .vp8: AV_CODEC_ID_VP8
        case .vp9: AV_CODEC_ID_VP9
        case .h264: AV_CODEC_ID_H264
        }
    }

    init?(codecID: AVCodecID) {
        guard let codec = TrackCodec.allCases.first(where: { $0.codecID == codecID }) else { return nil }
        self = codec
    }
}

enum FileIO {
    static func size(of path: String) -> Int64 {
        var info = stat()
        guard stat(path, &info) == 0 else { return 0 }
        return Int64(info.st_size)
    }

    /// Writes `text` to a temporary file next to `path`, then renames it over `path`.
    static func writeAtomically(_ text: String, to path: String) throws(MediaError) {
        let temporary = path + ".tmp"
        guard let file = fopen(temporary, "w") else { throw MediaError.system("fopen(\(temporary))", errno: errno) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, file) }
        let writeErrno = errno
        if fclose(file) != 0 || written != bytes.count {
            let code = written != bytes.count ? writeErrno : errno
            unlink(temporary)
            throw MediaError.system("write(\(temporary))", errno: code)
        }
        if rename(temporary, path) != 0 {
            let code = errno
            unlink(temporary)
            throw MediaError.system("rename(\(path))", errno: code)
        }
    }
}
