internal import CFFmpeg

/// Opus → AAC (LC, 48 kHz, stereo, 128 kb/s) for HLS: libavcodec's opus decoder, an `AVAudioFifo`
/// cut into 1024-sample frames, libavcodec's native `aac` encoder.
///
/// Timestamps (1/48000) follow the input's: each output packet's pts is that of its first
/// sample in the input timeline. The encoder's 1024-sample priming frame is not removed, so the
/// decoded audio starts 1024 samples (21 ms) after its pts. Gaps in the input of up to 2 s are
/// filled with silence; longer ones restart the timeline at the new pts. Input that overlaps what
/// was already decoded (duplicates, late reordering) is dropped and counted.
public final class OpusToAacTranscoder {
    public static let sampleRate: Int32 = 48000
    public static let channels: Int32 = 2
    public static let bitrate = 128_000

    private let decoder: LibavCodec
    private let encoder: LibavCodec
    private let fifo: LibavAudioFifo
    private let input: LibavPacket
    private let output: LibavPacket
    private let decoded: LibavFrame
    private let frame: LibavFrame
    private let frameSize: Int32
    /// pts of the first sample in the FIFO.
    private var fifoPts: Int64?
    private var flushed = false

    /// AudioSpecificConfig for the AAC ``TrackDescription``.
    public let extradata: [UInt8]
    /// Decoded Opus frames dropped because they overlap audio already taken.
    public private(set) var droppedFrames = 0

    public init() throws(MediaError) {
        let timeBase = AVRational(clockRate: Self.sampleRate)
        decoder = try LibavCodec.decoder(AV_CODEC_ID_OPUS, name: "opus")
        decoder.pointer.pointee.sample_rate = Self.sampleRate
        av_channel_layout_default(&decoder.pointer.pointee.ch_layout, Self.channels)
        decoder.pointer.pointee.pkt_timebase = timeBase
        try decoder.open()

        encoder = try LibavCodec.encoder(named: "aac")
        let e = encoder.pointer
        e.pointee.sample_fmt = AV_SAMPLE_FMT_FLTP
        e.pointee.sample_rate = Self.sampleRate
        av_channel_layout_default(&e.pointee.ch_layout, Self.channels)
        e.pointee.bit_rate = Int64(Self.bitrate)
        e.pointee.time_base = timeBase
        e.pointee.profile = FF_PROFILE_AAC_LOW
        e.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER
        try encoder.open()
        frameSize = e.pointee.frame_size > 0 ? e.pointee.frame_size : 1024
        extradata = encoder.extradata

        fifo = try LibavAudioFifo(channels: Self.channels, capacity: frameSize * 8)
        input = try LibavPacket()
        output = try LibavPacket()
        decoded = try LibavFrame()
        frame = try LibavFrame()
    }

    /// Decodes one Opus packet (pts in 1/48000) and returns the AAC packets that became complete.
    /// Invalid Opus data throws (``MediaError/isInvalidData``); the transcoder stays usable.
    public func transcode(opus: [UInt8], pts: Int64) throws(MediaError) -> [EncodedPacket] {
        guard !flushed else { throw MediaError.invalidArgument("OpusToAacTranscoder.transcode", "already flushed") }
        guard !opus.isEmpty else { return [] }
        try input.fill(opus)
        input.pointer.pointee.pts = pts
        input.pointer.pointee.dts = pts
        defer { input.unref() }
        try decoder.send(input)
        var packets: [EncodedPacket] = []
        while try decoder.receive(decoded) {
            defer { decoded.unref() }
            try take(decoded, expectedPts: pts, into: &packets)
        }
        try encodeFullFrames(into: &packets)
        return packets
    }

    /// Drains the decoder, pads the last partial frame with silence and drains the encoder.
    /// The transcoder cannot be used afterwards.
    public func flush() throws(MediaError) -> [EncodedPacket] {
        guard !flushed else { return [] }
        flushed = true
        var packets: [EncodedPacket] = []
        try decoder.send(nil as LibavPacket?)
        while try decoder.receive(decoded) {
            defer { decoded.unref() }
            try take(decoded, expectedPts: nil, into: &packets)
        }
        try padToFrame()
        try encodeFullFrames(into: &packets)
        try encoder.send(nil as LibavFrame?)
        try receivePackets(into: &packets)
        return packets
    }

    // MARK: - Internals

    private func take(_ decoded: LibavFrame, expectedPts: Int64?, into packets: inout [EncodedPacket]) throws(MediaError) {
        let f = decoded.pointer.pointee
        guard f.nb_samples > 0 else { return }
        guard f.format == AV_SAMPLE_FMT_FLTP.rawValue, f.ch_layout.nb_channels == Self.channels else {
            throw MediaError.invalidArgument(
                "OpusToAacTranscoder", "decoder gave format \(f.format) with \(f.ch_layout.nb_channels) channels")
        }
        let noValue = sluice_nopts_value()
        let next = fifoPts.map { $0 + Int64(fifo.count) }
        let framePts =
            f.best_effort_timestamp != noValue ? f.best_effort_timestamp
            : f.pts != noValue ? f.pts : (next ?? expectedPts ?? 0)
        if let next {
            let gap = framePts - next
            let tolerance = Int64(Self.sampleRate / 100)
            if gap < -tolerance {
                droppedFrames += 1
                return
            }
            if gap > tolerance {
                if gap <= Int64(Self.sampleRate) * 2 {
                    try fifo.writeSilence(gap)
                } else {
                    try padToFrame()
                    try encodeFullFrames(into: &packets)
                    fifoPts = framePts
                }
            }
        } else {
            fifoPts = framePts
        }
        try fifo.write(decoded)
    }

    private func padToFrame() throws(MediaError) {
        let partial = fifo.count % frameSize
        if partial > 0 { try fifo.writeSilence(Int64(frameSize - partial)) }
    }

    private func encodeFullFrames(into packets: inout [EncodedPacket]) throws(MediaError) {
        while fifo.count >= frameSize, let start = fifoPts {
            frame.unref()
            let f = frame.pointer
            f.pointee.nb_samples = frameSize
            f.pointee.format = AV_SAMPLE_FMT_FLTP.rawValue
            f.pointee.sample_rate = Self.sampleRate
            try avCheck(av_channel_layout_copy(&f.pointee.ch_layout, &encoder.pointer.pointee.ch_layout), "av_channel_layout_copy")
            try avCheck(av_frame_get_buffer(f, 0), "av_frame_get_buffer")
            try fifo.read(into: frame, samples: frameSize)
            f.pointee.pts = start
            fifoPts = start + Int64(frameSize)
            try encoder.send(frame)
            frame.unref()
            try receivePackets(into: &packets)
        }
    }

    private func receivePackets(into packets: inout [EncodedPacket]) throws(MediaError) {
        let padding = Int64(encoder.pointer.pointee.initial_padding)
        while try encoder.receive(output) {
            defer { output.unref() }
            let p = output.pointer.pointee
            let pts = p.pts + padding
            packets.append(
                EncodedPacket(
                    data: output.bytes, pts: pts, dts: (p.dts == sluice_nopts_value() ? p.pts : p.dts) + padding,
                    isKeyFrame: true, duration: p.duration > 0 ? p.duration : Int64(frameSize)))
        }
    }
}
