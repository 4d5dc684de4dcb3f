/// The fields of an H.264 sequence parameter set (ITU-T H.264 §7.3.2.1.1) the recorder needs.
struct H264SequenceParameterSet: Hashable {
    var profileIdc: UInt8
    var constraintFlags: UInt8
    var levelIdc: UInt8
    var chromaFormatIdc: Int
    var bitDepthLumaMinus8: Int
    var bitDepthChromaMinus8: Int
    var dimensions: VideoDimensions

    /// Profiles whose SPS carries chroma_format_idc, bit depths and scaling matrices.
    static let highProfiles: Set<UInt8> = [100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]

    /// Parses a raw SPS NAL unit (with its one-byte NAL header, without start code). `nil` unless the bytes
    /// are an SPS whose fields up to the frame cropping parse and give a plausible picture size.
    init?(nalUnit: [UInt8]) {
        guard nalUnit.count >= 4, nalUnit[0] & 0x1F == 7 else { return nil }
        var reader = BitReader(Self.removeEmulationPrevention(nalUnit.dropFirst()))
        guard let profile = reader.bits(8), let constraints = reader.bits(8), let level = reader.bits(8),
            let spsID = reader.unsignedExpGolomb(), spsID <= 31
        else { return nil }
        profileIdc = UInt8(truncatingIfNeeded: profile)
        constraintFlags = UInt8(truncatingIfNeeded: constraints)
        levelIdc = UInt8(truncatingIfNeeded: level)

        var chromaFormat = 1
        var separateColourPlane = false
        var lumaDepth = 0
        var chromaDepth = 0
        if Self.highProfiles.contains(profileIdc) {
            guard let format = reader.unsignedExpGolomb(), format <= 3 else { return nil }
            chromaFormat = Int(format)
            if chromaFormat == 3 {
                guard let separate = reader.bit() else { return nil }
                separateColourPlane = separate
            }
            guard let luma = reader.unsignedExpGolomb(), luma <= 6,
                let chroma = reader.unsignedExpGolomb(), chroma <= 6,
                reader.skip(1),  // qpprime_y_zero_transform_bypass_flag
                let scalingMatrixPresent = reader.bit()
            else { return nil }
            lumaDepth = Int(luma)
            chromaDepth = Int(chroma)
            if scalingMatrixPresent {
                for index in 0..<(chromaFormat == 3 ? 12 : 8) {
                    guard let listPresent = reader.bit() else { return nil }
                    if listPresent, !Self.skipScalingList(&reader, size: index < 6 ? 16 : 64) { return nil }
                }
            }
        }
        chromaFormatIdc = chromaFormat
        bitDepthLumaMinus8 = lumaDepth
        bitDepthChromaMinus8 = chromaDepth

        guard let log2MaxFrameNumMinus4 = reader.unsignedExpGolomb(), log2MaxFrameNumMinus4 <= 12,
            let pocType = reader.unsignedExpGolomb()
        else { return nil }
        switch pocType {
        case 0:
            guard let log2MaxPocLsbMinus4 = reader.unsignedExpGolomb(), log2MaxPocLsbMinus4 <= 12 else { return nil }
        case 1:
            guard reader.skip(1),  // delta_pic_order_always_zero_flag
                reader.signedExpGolomb() != nil,  // offset_for_non_ref_pic
                reader.signedExpGolomb() != nil,  // offset_for_top_to_bottom_field
                let cycle = reader.unsignedExpGolomb(), cycle <= 255
            else { return nil }
            for _ in 0..<cycle {
                guard reader.signedExpGolomb() != nil else { return nil }
            }
        case 2:
            break
        default:
            return nil
        }
        guard reader.unsignedExpGolomb() != nil,  // max_num_ref_frames
            reader.skip(1),  // gaps_in_frame_num_value_allowed_flag
            let widthInMbsMinus1 = reader.unsignedExpGolomb(),
            let heightInMapUnitsMinus1 = reader.unsignedExpGolomb(),
            let frameMbsOnly = reader.bit()
        else { return nil }
        if !frameMbsOnly {
            guard reader.skip(1) else { return nil }  // mb_adaptive_frame_field_flag
        }
        guard reader.skip(1),  // direct_8x8_inference_flag
            let cropping = reader.bit()
        else { return nil }
        var crop: (left: Int64, right: Int64, top: Int64, bottom: Int64) = (0, 0, 0, 0)
        if cropping {
            guard let left = reader.unsignedExpGolomb(), let right = reader.unsignedExpGolomb(),
                let top = reader.unsignedExpGolomb(), let bottom = reader.unsignedExpGolomb()
            else { return nil }
            crop = (Int64(left), Int64(right), Int64(top), Int64(bottom))
        }

        // §7.4.2.1.1: frame size in macroblocks, cropping in chroma sample units.
        let fieldFactor: Int64 = frameMbsOnly ? 1 : 2
        var width = (Int64(widthInMbsMinus1) + 1) * 16
        var height = (Int64(heightInMapUnitsMinus1) + 1) * 16 * fieldFactor
        let chromaArrayType = separateColourPlane ? 0 : chromaFormat
        let cropUnitX: Int64
        let cropUnitY: Int64
        if chromaArrayType == 0 {
            cropUnitX = 1
            cropUnitY = fieldFactor
        } else {
            cropUnitX = chromaFormat == 3 ? 1 : 2
            cropUnitY = (chromaFormat == 1 ? 2 : 1) * fieldFactor
        }
        width -= cropUnitX * (crop.left + crop.right)
        height -= cropUnitY * (crop.top + crop.bottom)
        let plausible: ClosedRange<Int64> = 1...65536
        guard plausible.contains(width), plausible.contains(height) else { return nil }
        dimensions = VideoDimensions(width: Int(width), height: Int(height))
    }

    /// Skips one scaling_list() (§7.3.2.1.1.1).
    private static func skipScalingList(_ reader: inout BitReader, size: Int) -> Bool {
        var lastScale: Int64 = 8
        var nextScale: Int64 = 8
        for _ in 0..<size {
            if nextScale != 0 {
                guard let delta = reader.signedExpGolomb() else { return false }
                nextScale = ((lastScale + delta) % 256 + 256) % 256
            }
            if nextScale != 0 { lastScale = nextScale }
        }
        return true
    }

    /// NAL unit payload to RBSP: drops each emulation_prevention_three_byte (00 00 03 → 00 00).
    static func removeEmulationPrevention(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var zeros = 0
        for byte in bytes {
            if zeros >= 2, byte == 3 {
                zeros = 0
                continue
            }
            zeros = byte == 0 ? zeros + 1 : 0
            output.append(byte)
        }
        return output
    }
}
