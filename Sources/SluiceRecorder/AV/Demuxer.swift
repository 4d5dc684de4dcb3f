internal import CFFmpeg

/// Reads a media file with libavformat: stream descriptions with extradata, then packets.
/// Used to feed recordings back through the muxers (tests, re-muxing).
public final class Demuxer {
    /// One stream of the input.
    public struct Stream: Sendable {
        public var index: Int
        /// libavcodec's codec name (`"opus"`, `"h264"`, …).
        public var codecName: String
        /// The codec when the recorder knows it.
        public var codec: TrackCodec?
        public var isAudio: Bool
        public var isVideo: Bool
        /// The clock packets of this stream are expressed in: 48000 (the sample rate) for audio,
        /// 90000 for video, else the container's time base denominator.
        public var clockRate: Int32
        public var extradata: [UInt8]
        public var width: Int
        public var height: Int
        public var sampleRate: Int
        public var channels: Int

        /// A muxer track for this stream, when the codec is one the recorder writes.
        public var track: TrackDescription? {
            guard let codec else { return nil }
            return TrackDescription(
                codec: codec, timeBase: clockRate, extradata: extradata, width: width, height: height,
                sampleRate: sampleRate > 0 ? sampleRate : 48000, channels: channels > 0 ? channels : 2)
        }
    }

    /// One compressed frame; timestamps in the stream's ``Stream/clockRate``.
    public struct Packet: Sendable {
        public var streamIndex: Int
        public var data: [UInt8]
        public var pts: Int64
        public var dts: Int64
        public var duration: Int64
        public var isKeyFrame: Bool
    }

    public let path: String
    public private(set) var streams: [Stream] = []
    private var context: UnsafeMutablePointer<AVFormatContext>?
    private let packet: LibavPacket
    private var timeBases: [AVRational] = []

    public init(path: String) throws(MediaError) {
        self.path = path
        self.packet = try LibavPacket()
        var opened: UnsafeMutablePointer<AVFormatContext>?
        try avCheck(avformat_open_input(&opened, path, nil, nil), "avformat_open_input(\(path))")
        context = opened
        guard let context = opened else { throw MediaError.outOfMemory("avformat_open_input") }
        try avCheck(avformat_find_stream_info(context, nil), "avformat_find_stream_info(\(path))")
        for index in 0..<Int(context.pointee.nb_streams) {
            guard let stream = context.pointee.streams?[index], let parameters = stream.pointee.codecpar else { continue }
            let p = parameters.pointee
            let isAudio = p.codec_type == AVMEDIA_TYPE_AUDIO
            let isVideo = p.codec_type == AVMEDIA_TYPE_VIDEO
            let clockRate: Int32 =
                isVideo ? 90000 : isAudio && p.sample_rate > 0 ? p.sample_rate : max(stream.pointee.time_base.den, 1)
            let extradata: [UInt8] =
                p.extradata_size > 0 && p.extradata != nil
                ? Array(UnsafeBufferPointer(start: p.extradata, count: Int(p.extradata_size))) : []
            streams.append(
                Stream(
                    index: index, codecName: avcodec_get_name(p.codec_id).map { String(cString: $0) } ?? "unknown",
                    codec: TrackCodec(codecID: p.codec_id), isAudio: isAudio, isVideo: isVideo, clockRate: clockRate,
                    extradata: extradata, width: Int(p.width), height: Int(p.height), sampleRate: Int(p.sample_rate),
                    channels: Int(p.ch_layout.nb_channels)))
            timeBases.append(stream.pointee.time_base)
        }
    }

    deinit {
        avformat_close_input(&context)
    }

    /// The next packet of any stream, or `nil` at the end of the input.
    public func readPacket() throws(MediaError) -> Packet? {
        guard let context else { return nil }
        while true {
            let result = av_read_frame(context, packet.pointer)
            if result == sluice_averror_eof() { return nil }
            try avCheck(result, "av_read_frame(\(path))")
            defer { packet.unref() }
            let p = packet.pointer.pointee
            let index = Int(p.stream_index)
            guard streams.indices.contains(index), p.size > 0 else { continue }
            let source = timeBases[index]
            let destination = AVRational(clockRate: streams[index].clockRate)
            let noValue = sluice_nopts_value()
            let rawDts = p.dts != noValue ? p.dts : p.pts
            let rawPts = p.pts != noValue ? p.pts : rawDts
            return Packet(
                streamIndex: index, data: packet.bytes,
                pts: rawPts == noValue ? 0 : rescale(rawPts, from: source, to: destination),
                dts: rawDts == noValue ? 0 : rescale(rawDts, from: source, to: destination),
                duration: rescale(p.duration, from: source, to: destination),
                isKeyFrame: packet.isKeyFrame)
        }
    }

    /// Every remaining packet.
    public func readAll() throws(MediaError) -> [Packet] {
        var packets: [Packet] = []
        while let next = try readPacket() { packets.append(next) }
        return packets
    }
}
