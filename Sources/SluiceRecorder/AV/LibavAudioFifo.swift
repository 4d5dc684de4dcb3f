internal import CFFmpeg

/// An owned planar-float `AVAudioFifo`.
final class LibavAudioFifo {
    private let fifo: OpaquePointer
    let channels: Int32

    init(channels: Int32, capacity: Int32) throws(MediaError) {
        guard let fifo = av_audio_fifo_alloc(AV_SAMPLE_FMT_FLTP, channels, capacity) else {
            throw MediaError.outOfMemory("av_audio_fifo_alloc")
        }
        self.fifo = fifo
        self.channels = channels
    }

    deinit { av_audio_fifo_free(fifo) }

    var count: Int32 { av_audio_fifo_size(fifo) }

    /// Appends the samples of a planar float frame with `channels` channels.
    func write(_ frame: LibavFrame) throws(MediaError) {
        let f = frame.pointer.pointee
        guard let planes = f.extended_data, f.nb_samples > 0 else { return }
        let raw = UnsafeMutableRawPointer(planes).assumingMemoryBound(to: UnsafeMutableRawPointer?.self)
        let written = try avCheck(av_audio_fifo_write(fifo, raw, f.nb_samples), "av_audio_fifo_write")
        if written < f.nb_samples { throw MediaError.outOfMemory("av_audio_fifo_write") }
    }

    /// Appends `samples` of silence.
    func writeSilence(_ samples: Int64) throws(MediaError) {
        let chunk = 4096
        var zeros = [Float](repeating: 0, count: chunk)
        var remaining = samples
        while remaining > 0 {
            let count = Int32(min(Int64(chunk), remaining))
            let written = zeros.withUnsafeMutableBytes { buffer -> Int32 in
                var planes = [UnsafeMutableRawPointer?](repeating: buffer.baseAddress, count: Int(channels))
                return planes.withUnsafeMutableBufferPointer { av_audio_fifo_write(fifo, $0.baseAddress, count) }
            }
            try avCheck(written, "av_audio_fifo_write(silence)")
            if written < count { throw MediaError.outOfMemory("av_audio_fifo_write(silence)") }
            remaining -= Int64(count)
        }
    }

    /// Moves `samples` samples into a frame whose buffers are already allocated.
    func read(into frame: LibavFrame, samples: Int32) throws(MediaError) {
        guard let planes = frame.pointer.pointee.extended_data else {
            throw MediaError.invalidArgument("av_audio_fifo_read", "frame has no buffers")
        }
        let raw = UnsafeMutableRawPointer(planes).assumingMemoryBound(to: UnsafeMutableRawPointer?.self)
        let read = try avCheck(av_audio_fifo_read(fifo, raw, samples), "av_audio_fifo_read")
        if read < samples { throw MediaError.invalidArgument("av_audio_fifo_read", "only \(read) of \(samples) samples") }
    }
}
