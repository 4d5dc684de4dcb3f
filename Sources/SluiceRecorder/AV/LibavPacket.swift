internal import CFFmpeg

/// An owned `AVPacket`, reused across calls.
final class LibavPacket {
    let pointer: UnsafeMutablePointer<AVPacket>

    init() throws(MediaError) {
        guard let packet = av_packet_alloc() else { throw MediaError.outOfMemory("av_packet_alloc") }
        pointer = packet
    }

    deinit {
        var packet: UnsafeMutablePointer<AVPacket>? = pointer
        av_packet_free(&packet)
    }

    /// Replaces the payload with a padded copy of `bytes`; clears timestamps and flags.
    func fill(_ bytes: [UInt8]) throws(MediaError) {
        av_packet_unref(pointer)
        guard let size = Int32(exactly: bytes.count) else {
            throw MediaError.invalidArgument("av_new_packet", "packet of \(bytes.count) bytes is too large")
        }
        try avCheck(av_new_packet(pointer, size), "av_new_packet")
        if let destination = pointer.pointee.data, !bytes.isEmpty {
            bytes.withUnsafeBufferPointer { source in
                if let base = source.baseAddress { destination.update(from: base, count: bytes.count) }
            }
        }
    }

    func unref() { av_packet_unref(pointer) }

    var bytes: [UInt8] {
        let size = Int(pointer.pointee.size)
        guard size > 0, let data = pointer.pointee.data else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: size))
    }

    var isKeyFrame: Bool { pointer.pointee.flags & AV_PKT_FLAG_KEY != 0 }
}

/// An owned `AVFrame`, reused across calls.
final class LibavFrame {
    let pointer: UnsafeMutablePointer<AVFrame>

    init() throws(MediaError) {
        guard let frame = av_frame_alloc() else { throw MediaError.outOfMemory("av_frame_alloc") }
        pointer = frame
    }

    deinit {
        var frame: UnsafeMutablePointer<AVFrame>? = pointer
        av_frame_free(&frame)
    }

    func unref() { av_frame_unref(pointer) }
}

/// An owned `AVDictionary` of options; what a call leaves in it was not recognised.
final class LibavOptions {
    var dictionary: OpaquePointer?

    init(_ entries: KeyValuePairs<String, String> = [:]) throws(MediaError) {
        for (key, value) in entries { try set(key, value) }
    }

    convenience init(_ entries: [(String, String)]) throws(MediaError) {
        try self.init()
        for (key, value) in entries { try set(key, value) }
    }

    deinit { av_dict_free(&dictionary) }

    func set(_ key: String, _ value: String) throws(MediaError) {
        try avCheck(av_dict_set(&dictionary, key, value, 0), "av_dict_set(\(key))")
    }

    /// Keys still present, i.e. not consumed by the call the dictionary was passed to.
    var keys: [String] {
        var result: [String] = []
        var entry: UnsafeMutablePointer<AVDictionaryEntry>? = nil
        while let next = av_dict_get(dictionary, "", entry, AV_DICT_IGNORE_SUFFIX) {
            if let key = next.pointee.key { result.append(String(cString: key)) }
            entry = next
        }
        return result
    }
}

extension AVRational {
    init(clockRate: Int32) { self.init(num: 1, den: clockRate) }
}

/// Rescales a timestamp between time bases with rounding to nearest, passing "no timestamp" through.
func rescale(_ value: Int64, from source: AVRational, to destination: AVRational) -> Int64 {
    if value == sluice_nopts_value() { return value }
    return av_rescale_q(value, source, destination)
}
