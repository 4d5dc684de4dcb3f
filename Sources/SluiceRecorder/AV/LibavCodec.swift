internal import CFFmpeg

/// An owned `AVCodecContext` with the send/receive loop of libavcodec.
final class LibavCodec {
    let pointer: UnsafeMutablePointer<AVCodecContext>
    let name: String

    private init(codec: UnsafePointer<AVCodec>, name: String) throws(MediaError) {
        guard let context = avcodec_alloc_context3(codec) else {
            throw MediaError.outOfMemory("avcodec_alloc_context3(\(name))")
        }
        self.pointer = context
        self.name = name
    }

    /// A decoder for a codec id (libavcodec's native decoder when there is one).
    static func decoder(_ id: AVCodecID, name: String) throws(MediaError) -> LibavCodec {
        guard let codec = avcodec_find_decoder(id) else {
            throw MediaError(
                operation: "avcodec_find_decoder(\(name))", code: sluice_averror_decoder_not_found(),
                message: "no \(name) decoder in this libavcodec")
        }
        return try LibavCodec(codec: codec, name: name)
    }

    /// An encoder by name, e.g. `"aac"` or `"libx264"`.
    static func encoder(named name: String) throws(MediaError) -> LibavCodec {
        guard let codec = avcodec_find_encoder_by_name(name) else {
            throw MediaError(
                operation: "avcodec_find_encoder_by_name(\(name))", code: sluice_averror_encoder_not_found(),
                message: "no \(name) encoder in this libavcodec")
        }
        return try LibavCodec(codec: codec, name: name)
    }

    deinit {
        var context: UnsafeMutablePointer<AVCodecContext>? = pointer
        avcodec_free_context(&context)
    }

    func open(_ options: LibavOptions? = nil) throws(MediaError) {
        if let options {
            try avCheck(avcodec_open2(pointer, nil, &options.dictionary), "avcodec_open2(\(name))")
        } else {
            try avCheck(avcodec_open2(pointer, nil, nil), "avcodec_open2(\(name))")
        }
    }

    /// Sends a packet, or `nil` to drain. libavcodec's send/receive contract means EAGAIN cannot
    /// happen when every receive loop runs until EAGAIN, so it is reported as an error.
    func send(_ packet: LibavPacket?) throws(MediaError) {
        try avCheck(avcodec_send_packet(pointer, packet?.pointer), "avcodec_send_packet(\(name))")
    }

    func send(_ frame: LibavFrame?) throws(MediaError) {
        try avCheck(avcodec_send_frame(pointer, frame?.pointer), "avcodec_send_frame(\(name))")
    }

    /// Receives a decoded frame; `false` when the decoder needs input or is drained.
    func receive(_ frame: LibavFrame) throws(MediaError) -> Bool {
        let result = avcodec_receive_frame(pointer, frame.pointer)
        if result == sluice_averror_eagain() || result == sluice_averror_eof() { return false }
        try avCheck(result, "avcodec_receive_frame(\(name))")
        return true
    }

    /// Receives an encoded packet; `false` when the encoder needs input or is drained.
    func receive(_ packet: LibavPacket) throws(MediaError) -> Bool {
        let result = avcodec_receive_packet(pointer, packet.pointer)
        if result == sluice_averror_eagain() || result == sluice_averror_eof() { return false }
        try avCheck(result, "avcodec_receive_packet(\(name))")
        return true
    }

    /// The codec's global header (`extradata`), if any.
    var extradata: [UInt8] {
        let size = Int(pointer.pointee.extradata_size)
        guard size > 0, let data = pointer.pointee.extradata else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: size))
    }
}
