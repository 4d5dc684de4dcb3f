public import NIOCore

/// Key frame detection from one RTP payload, by codec MIME type (compared case-insensitively).
public enum KeyFrameDetector {
    enum Codec { case vp8, vp9, h264 }

    static func codec(of mimeType: String) -> Codec? {
        if asciiCaseInsensitiveEquals(mimeType, "video/vp8") { return .vp8 }
        if asciiCaseInsensitiveEquals(mimeType, "video/vp9") { return .vp9 }
        if asciiCaseInsensitiveEquals(mimeType, "video/h264") { return .h264 }
        return nil
    }

    /// Whether this payload starts a key frame. False for codecs without detection, and for payloads
    /// too short or malformed to tell.
    public static func isKeyFrame(mimeType: String, payload: ByteBufferView) -> Bool {
        switch codec(of: mimeType) {
        case .vp8: Vp8PayloadDescriptor(parsing: payload)?.isKeyFrame ?? false
        case .vp9: Vp9PayloadDescriptor(parsing: payload)?.isKeyFrame ?? false
        case .h264: H264Payload.isKeyFrame(payload)
        case nil: false
        }
    }

    /// True for video/VP8, video/VP9 and video/H264; false for audio and everything else.
    public static func supportsKeyFrameDetection(mimeType: String) -> Bool {
        codec(of: mimeType) != nil
    }

    /// ASCII case-insensitive equality without allocating (`lowercase` must be lowercase ASCII).
    static func asciiCaseInsensitiveEquals(_ text: String, _ lowercase: StaticString) -> Bool {
        let utf8 = text.utf8
        guard utf8.count == lowercase.utf8CodeUnitCount else { return false }
        return lowercase.withUTF8Buffer { expected in
            var index = expected.startIndex
            for byte in utf8 {
                let folded = (0x41...0x5A).contains(byte) ? byte | 0x20 : byte
                guard folded == expected[index] else { return false }
                index += 1
            }
            return true
        }
    }
}
