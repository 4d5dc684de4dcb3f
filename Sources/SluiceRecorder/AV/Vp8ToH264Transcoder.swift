internal import CFFmpeg

/// VP8 → H.264 (libx264, yuv420p, preset veryfast, tune zerolatency, no B-frames) for HLS.
///
/// The encoder opens at the first decoded frame, with that frame's size (rounded down to even
/// numbers, as 4:2:0 H.264 needs). No scaler is linked, so frames of another size later in the
/// stream (a sender restarting at another resolution) are dropped and counted in
/// ``droppedFrames``; ``sizeChanged`` tells the caller to start a new recording if it wants them.
/// Output is AVCC (4-byte length prefixes) with an `avcC` ``extradata``, like the depacketised
/// H.264 the muxer takes. Timestamps are 1/90000 and equal the input's (no reordering, dts = pts).
public final class Vp8ToH264Transcoder {
    public static let clockRate: Int32 = 90000
    public let bitrate: Int

    private let decoder: LibavCodec
    private var encoder: LibavCodec?
    private let input: LibavPacket
    private let output: LibavPacket
    private let decoded: LibavFrame
    private var lastPts: Int64?
    private var keyFramePending = false
    private var flushed = false

    /// `avcC` for the H.264 ``TrackDescription``; known once the first frame decoded.
    public private(set) var extradata: [UInt8]?
    public private(set) var width = 0
    public private(set) var height = 0
    /// Decoded frames not encoded: another size than the encoder's, or a pts not after the previous one.
    public private(set) var droppedFrames = 0
    /// A decoded frame had another size than the encoder's.
    public private(set) var sizeChanged = false

    public init(bitrate: Int = 2_000_000) throws(MediaError) {
        self.bitrate = bitrate
        decoder = try LibavCodec.decoder(AV_CODEC_ID_VP8, name: "vp8")
        // One thread: frame threading would hold frames back and break the 1:1 in/out timing.
        decoder.pointer.pointee.thread_count = 1
        decoder.pointer.pointee.pkt_timebase = AVRational(clockRate: Self.clockRate)
        try decoder.open()
        input = try LibavPacket()
        output = try LibavPacket()
        decoded = try LibavFrame()
    }

    /// Decodes one VP8 frame (pts in 1/90000) and returns the H.264 packets produced.
    /// forceKeyFrame: the output frame for this input becomes an IDR (a segment boundary); if this
    /// input yields no frame, the next one does. Source key frames do not force IDRs by themselves.
    /// Undecodable data throws (``MediaError/isInvalidData``); the transcoder stays usable.
    public func transcode(vp8: [UInt8], pts: Int64, forceKeyFrame: Bool) throws(MediaError) -> [EncodedPacket] {
        guard !flushed else { throw MediaError.invalidArgument("Vp8ToH264Transcoder.transcode", "already flushed") }
        if forceKeyFrame { keyFramePending = true }
        guard !vp8.isEmpty else { return [] }
        try input.fill(vp8)
        input.pointer.pointee.pts = pts
        input.pointer.pointee.dts = pts
        defer { input.unref() }
        try decoder.send(input)
        var packets: [EncodedPacket] = []
        while try decoder.receive(decoded) {
            defer { decoded.unref() }
            try encode(decoded, fallbackPts: pts, into: &packets)
        }
        return packets
    }

    /// Drains decoder and encoder. The transcoder cannot be used afterwards.
    public func flush() throws(MediaError) -> [EncodedPacket] {
        guard !flushed else { return [] }
        flushed = true
        var packets: [EncodedPacket] = []
        try decoder.send(nil as LibavPacket?)
        while try decoder.receive(decoded) {
            defer { decoded.unref() }
            try encode(decoded, fallbackPts: (lastPts ?? 0) + 1, into: &packets)
        }
        if let encoder {
            try encoder.send(nil as LibavFrame?)
            try receivePackets(from: encoder, into: &packets)
        }
        return packets
    }

    // MARK: - Internals

    private func encode(_ frame: LibavFrame, fallbackPts: Int64, into packets: inout [EncodedPacket]) throws(MediaError) {
        let f = frame.pointer
        guard f.pointee.format == AV_PIX_FMT_YUV420P.rawValue, f.pointee.width >= 2, f.pointee.height >= 2 else {
            droppedFrames += 1
            return
        }
        let evenWidth = f.pointee.width & ~1
        let evenHeight = f.pointee.height & ~1
        let encoder: LibavCodec
        if let existing = self.encoder {
            encoder = existing
        } else {
            encoder = try openEncoder(width: evenWidth, height: evenHeight)
        }
        guard Int(evenWidth) == width, Int(evenHeight) == height else {
            droppedFrames += 1
            sizeChanged = true
            return
        }
        let noValue = sluice_nopts_value()
        let pts =
            f.pointee.best_effort_timestamp != noValue ? f.pointee.best_effort_timestamp
            : f.pointee.pts != noValue ? f.pointee.pts : fallbackPts
        if let lastPts, pts <= lastPts {
            droppedFrames += 1
            return
        }
        lastPts = pts
        // Only the encoder's view of the frame changes: the planes and strides stay the decoder's.
        f.pointee.width = evenWidth
        f.pointee.height = evenHeight
        f.pointee.pts = pts
        f.pointee.pict_type = keyFramePending ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE
        keyFramePending = false
        try encoder.send(frame)
        try receivePackets(from: encoder, into: &packets)
    }

    private func openEncoder(width: Int32, height: Int32) throws(MediaError) -> LibavCodec {
        let encoder = try LibavCodec.encoder(named: "libx264")
        let e = encoder.pointer
        e.pointee.width = width
        e.pointee.height = height
        e.pointee.pix_fmt = AV_PIX_FMT_YUV420P
        e.pointee.time_base = AVRational(clockRate: Self.clockRate)
        e.pointee.framerate = AVRational(num: 30, den: 1)
        e.pointee.bit_rate = Int64(bitrate)
        e.pointee.max_b_frames = 0
        e.pointee.gop_size = 300
        e.pointee.thread_count = 2
        e.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER
        let options = try LibavOptions([("preset", "veryfast"), ("tune", "zerolatency"), ("forced-idr", "1")])
        try encoder.open(options)
        guard let record = H264AnnexB.avcC(fromAnnexB: encoder.extradata) else {
            throw MediaError(
                operation: "avcodec_open2(libx264)", code: sluice_averror_invaliddata(),
                message: "libx264 gave no SPS/PPS global header")
        }
        extradata = record
        self.width = Int(width)
        self.height = Int(height)
        self.encoder = encoder
        return encoder
    }

    private func receivePackets(from encoder: LibavCodec, into packets: inout [EncodedPacket]) throws(MediaError) {
        while try encoder.receive(output) {
            defer { output.unref() }
            let p = output.pointer.pointee
            let dts = p.dts == sluice_nopts_value() ? p.pts : p.dts
            packets.append(
                EncodedPacket(
                    data: H264AnnexB.lengthPrefixed(output.bytes), pts: p.pts, dts: dts,
                    isKeyFrame: output.isKeyFrame, duration: max(p.duration, 0)))
        }
    }
}
