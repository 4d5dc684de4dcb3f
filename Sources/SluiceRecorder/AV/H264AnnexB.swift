/// Conversions from H.264 Annex B byte streams (what libx264 emits) to the AVCC form the
/// containers take (4-byte length prefixes, SPS/PPS in an `avcC` record).
enum H264AnnexB {
    /// NAL units of an Annex B stream, without start codes.
    static func nalUnits(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var units: [ArraySlice<UInt8>] = []
        var start: Int?
        var index = 0
        while index + 2 < bytes.count {
            if bytes[index] == 0, bytes[index + 1] == 0, bytes[index + 2] == 1 {
                if let begin = start { units.append(trimmed(bytes[begin..<index])) }
                index += 3
                start = index
            } else {
                index += 1
            }
        }
        if let begin = start, begin < bytes.count { units.append(trimmed(bytes[begin...])) }
        return units.filter { !$0.isEmpty }
    }

    /// An access unit with 4-byte big-endian length prefixes instead of start codes.
    static func lengthPrefixed(_ bytes: [UInt8]) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count + 16)
        for unit in nalUnits(bytes) {
            let length = UInt32(unit.count)
            result.append(contentsOf: [
                UInt8(length >> 24), UInt8(truncatingIfNeeded: length >> 16),
                UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length),
            ])
            result.append(contentsOf: unit)
        }
        return result
    }

    /// An AVCDecoderConfigurationRecord (ISO/IEC 14496-15 §5.3.3.1) for the SPS and PPS found in
    /// an Annex B header; 4-byte lengths. High profiles get the 4:2:0 8-bit extension.
    static func avcC(fromAnnexB header: [UInt8]) -> [UInt8]? {
        let units = nalUnits(header)
        let sps = units.filter { $0.first.map { $0 & 0x1F == 7 } ?? false }
        let pps = units.filter { $0.first.map { $0 & 0x1F == 8 } ?? false }
        guard let first = sps.first, first.count >= 4, !pps.isEmpty, sps.count < 32, pps.count < 256 else {
            return nil
        }
        let profile = first[first.startIndex + 1]
        var record: [UInt8] = [1, profile, first[first.startIndex + 2], first[first.startIndex + 3], 0xFF]
        record.append(0xE0 | UInt8(sps.count))
        for unit in sps { appendWithLength(unit, to: &record) }
        record.append(UInt8(pps.count))
        for unit in pps { appendWithLength(unit, to: &record) }
        if [100, 110, 122, 144].contains(profile) {
            record.append(contentsOf: [0xFC | 1, 0xF8, 0xF8, 0])
        }
        return record
    }

    private static func appendWithLength(_ unit: ArraySlice<UInt8>, to record: inout [UInt8]) {
        record.append(UInt8(truncatingIfNeeded: unit.count >> 8))
        record.append(UInt8(truncatingIfNeeded: unit.count))
        record.append(contentsOf: unit)
    }

    private static func trimmed(_ unit: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var end = unit.endIndex
        while end > unit.startIndex, unit[end - 1] == 0 { end -= 1 }
        return unit[unit.startIndex..<end]
    }
}
