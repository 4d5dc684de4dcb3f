public import NIOCore

/// H.264 RTP payloads (RFC 6184): the NAL unit type and whether a packet starts a key frame.
///
/// ```
/// NAL unit header:  |F|NRI|  Type   |
/// single NAL (1–23):  header, NAL payload
/// STAP-A (24):        header, { size(16), NAL unit }*
/// STAP-B (25):        header, DON(16), { size(16), NAL unit }*
/// MTAP16/24 (26/27):  header, DONB(16), { size(16), DOND(8), TS offset(16/24), NAL unit }*
/// FU-A (28):          FU indicator, FU header |S|E|R| Type |, fragment
/// FU-B (29):          FU indicator, FU header, DON(16), fragment
/// ```
public enum H264Payload {
    public static let nalIdr: UInt8 = 5
    public static let nalSps: UInt8 = 7
    public static let nalPps: UInt8 = 8
    public static let nalStapA: UInt8 = 24
    public static let nalStapB: UInt8 = 25
    public static let nalMtap16: UInt8 = 26
    public static let nalMtap24: UInt8 = 27
    public static let nalFuA: UInt8 = 28
    public static let nalFuB: UInt8 = 29

    /// The type of the payload's first NAL unit header (for aggregation and fragmentation packets, the
    /// packet type 24–29); nil for an empty payload.
    public static func nalUnitType(_ payload: ByteBufferView) -> UInt8? {
        payload.byte(atOffset: 0).map { $0 & 0x1F }
    }

    /// Whether a NAL unit of this type starts a key frame (IDR slice or SPS).
    @inline(__always)
    static func isKeyFrameNal(_ type: UInt8) -> Bool {
        type == nalIdr || type == nalSps
    }

    /// True when the packet carries an IDR slice (5) or an SPS (7): as a single NAL unit, inside an
    /// aggregation packet (STAP-A/B, MTAP16/24), or as the start fragment of an FU-A/FU-B. Malformed
    /// aggregation packets are read up to the first unit that does not fit.
    public static func isKeyFrame(_ payload: ByteBufferView) -> Bool {
        guard let type = nalUnitType(payload) else { return false }
        switch type {
        case nalStapA:
            return aggregationContainsKeyFrame(payload, offset: 1, perUnitHeader: 0)
        case nalStapB:
            return aggregationContainsKeyFrame(payload, offset: 3, perUnitHeader: 0)
        case nalMtap16:
            return aggregationContainsKeyFrame(payload, offset: 3, perUnitHeader: 3)
        case nalMtap24:
            return aggregationContainsKeyFrame(payload, offset: 3, perUnitHeader: 4)
        case nalFuA, nalFuB:
            guard let header = payload.byte(atOffset: 1) else { return false }
            return header & 0x80 != 0 && isKeyFrameNal(header & 0x1F)
        default:
            return isKeyFrameNal(type)
        }
    }

    /// Walks `{ size(16), perUnitHeader bytes, NAL unit }` units from `offset`; `size` counts the
    /// per-unit header too for MTAPs (RFC 6184 §5.7.2).
    private static func aggregationContainsKeyFrame(_ payload: ByteBufferView, offset: Int, perUnitHeader: Int) -> Bool {
        var position = offset
        while let high = payload.byte(atOffset: position), let low = payload.byte(atOffset: position + 1) {
            let size = Int(high) << 8 | Int(low)
            let unitStart = position + 2
            guard size > perUnitHeader, unitStart + size <= payload.count,
                  let header = payload.byte(atOffset: unitStart + perUnitHeader)
            else { return false }
            if isKeyFrameNal(header & 0x1F) { return true }
            position = unitStart + size
        }
        return false
    }
}
