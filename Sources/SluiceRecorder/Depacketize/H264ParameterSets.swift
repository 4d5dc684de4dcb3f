/// The H.264 parameter sets a recording needs: the current SPS and PPS, raw NAL units with their NAL
/// header and without start code.
public struct H264ParameterSets: Sendable, Hashable {
    public var sps: [UInt8]
    public var pps: [UInt8]

    public init(sps: [UInt8], pps: [UInt8]) {
        self.sps = sps
        self.pps = pps
    }

    /// ISO/IEC 14496-15 §5.3.3.1 AVCDecoderConfigurationRecord ("avcC") holding this SPS and PPS, with
    /// 4-byte NAL unit lengths (lengthSizeMinusOne = 3). For the high profiles (100, 110, 122, 144) the
    /// chroma format and bit depth extension follows, taken from the SPS (4:2:0, 8 bits if it does not parse).
    public var avcDecoderConfigurationRecord: [UInt8] {
        let profile = sps.count > 1 ? sps[1] : 0
        var record: [UInt8] = [
            1,  // configurationVersion
            profile,  // AVCProfileIndication
            sps.count > 2 ? sps[2] : 0,  // profile_compatibility
            sps.count > 3 ? sps[3] : 0,  // AVCLevelIndication
            0xFC | 3,  // reserved(6) lengthSizeMinusOne(2)
            0xE0 | 1,  // reserved(3) numOfSequenceParameterSets(5)
        ]
        Self.appendLengthPrefixed(sps, to: &record)
        record.append(1)  // numOfPictureParameterSets
        Self.appendLengthPrefixed(pps, to: &record)
        if [100, 110, 122, 144].contains(profile) {
            let parsed = H264SequenceParameterSet(nalUnit: sps)
            record.append(0xFC | UInt8(truncatingIfNeeded: parsed?.chromaFormatIdc ?? 1))
            record.append(0xF8 | UInt8(truncatingIfNeeded: parsed?.bitDepthLumaMinus8 ?? 0))
            record.append(0xF8 | UInt8(truncatingIfNeeded: parsed?.bitDepthChromaMinus8 ?? 0))
            record.append(0)  // numOfSequenceParameterSetExt
        }
        return record
    }

    /// Picture size from the SPS (macroblocks, field coding and frame cropping applied); `nil` if the SPS
    /// does not parse.
    public var dimensions: VideoDimensions? {
        H264SequenceParameterSet(nalUnit: sps)?.dimensions
    }

    /// Appends a 16-bit big-endian length and the bytes (truncated to 65535 bytes, the field's limit).
    private static func appendLengthPrefixed(_ bytes: [UInt8], to record: inout [UInt8]) {
        let count = min(bytes.count, Int(UInt16.max))
        record.append(UInt8(truncatingIfNeeded: count >> 8))
        record.append(UInt8(truncatingIfNeeded: count))
        record.append(contentsOf: bytes.prefix(count))
    }
}
