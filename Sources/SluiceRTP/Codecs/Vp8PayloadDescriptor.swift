public import NIOCore

/// The VP8 payload descriptor (RFC 7741 §4.2):
///
/// ```
///       0 1 2 3 4 5 6 7
///      +-+-+-+-+-+-+-+-+
///      |X|R|N|S|R| PID | (required)
///      +-+-+-+-+-+-+-+-+
/// X:   |I|L|T|K| RSV   | (optional)
///      +-+-+-+-+-+-+-+-+
/// I:   |M| PictureID   | (optional; M=1: 15-bit picture ID, one more byte)
///      +-+-+-+-+-+-+-+-+
/// L:   |   TL0PICIDX   | (optional)
///      +-+-+-+-+-+-+-+-+
/// T/K: |TID|Y| KEYIDX  | (optional)
///      +-+-+-+-+-+-+-+-+
/// ```
/// followed by the VP8 payload, whose first byte's low bit is the inverse key frame flag (P) when the
/// packet starts partition 0 (RFC 7741 §4.3).
public struct Vp8PayloadDescriptor: Sendable, Hashable {
    /// X
    public var extended: Bool
    /// N: the frame can be discarded without affecting others.
    public var nonReference: Bool
    /// S
    public var startOfPartition: Bool
    /// PID (3 bits)
    public var partitionIndex: UInt8
    /// 7 or 15 bits, when I=1.
    public var pictureId: UInt16?
    /// Whether the picture ID is written in the 15-bit (two byte) form.
    public var hasTwoBytePictureId: Bool
    public var tl0PictureIndex: UInt8?
    /// TID, when T=1.
    public var temporalLayer: UInt8?
    /// Y (only meaningful with T=1).
    public var layerSync: Bool
    /// KEYIDX, when K=1.
    public var keyIndex: UInt8?
    /// Bytes of descriptor before the VP8 payload.
    public var headerLength: Int
    /// S=1, PID=0 and the VP8 payload header's P bit (first byte after the descriptor, bit 0) is 0.
    public var isKeyFrame: Bool

    /// Nil when the payload is empty or the descriptor runs past its end.
    public init?(parsing payload: ByteBufferView) {
        guard let first = payload.byte(atOffset: 0) else { return nil }
        extended = first & 0x80 != 0
        nonReference = first & 0x20 != 0
        startOfPartition = first & 0x10 != 0
        partitionIndex = first & 0x07
        pictureId = nil
        hasTwoBytePictureId = false
        tl0PictureIndex = nil
        temporalLayer = nil
        layerSync = false
        keyIndex = nil
        var offset = 1
        if extended {
            guard let flags = payload.byte(atOffset: offset) else { return nil }
            offset += 1
            if flags & 0x80 != 0 { // I
                guard let high = payload.byte(atOffset: offset) else { return nil }
                offset += 1
                if high & 0x80 != 0 {
                    guard let low = payload.byte(atOffset: offset) else { return nil }
                    offset += 1
                    pictureId = UInt16(high & 0x7F) << 8 | UInt16(low)
                    hasTwoBytePictureId = true
                } else {
                    pictureId = UInt16(high)
                }
            }
            if flags & 0x40 != 0 { // L
                guard let index = payload.byte(atOffset: offset) else { return nil }
                offset += 1
                tl0PictureIndex = index
            }
            if flags & 0x30 != 0 { // T or K
                guard let byte = payload.byte(atOffset: offset) else { return nil }
                offset += 1
                if flags & 0x20 != 0 {
                    temporalLayer = byte >> 6
                    layerSync = byte & 0x20 != 0
                }
                if flags & 0x10 != 0 { keyIndex = byte & 0x1F }
            }
        }
        headerLength = offset
        if startOfPartition, partitionIndex == 0, let vp8Header = payload.byte(atOffset: offset) {
            isKeyFrame = vp8Header & 0x01 == 0
        } else {
            isKeyFrame = false
        }
    }
}
