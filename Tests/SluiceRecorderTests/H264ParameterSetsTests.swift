import Testing
@testable import SluiceRecorder

@Suite("H264ParameterSets")
struct H264ParameterSetsTests {
    struct SPSCase: Sendable, CustomTestStringConvertible {
        var name: String
        var sps: String
        var width: Int
        var height: Int
        var testDescription: String { name }
    }

    /// SPS NAL units with the sizes ffmpeg's trace_headers / ffprobe report for them. All but the first and
    /// last come from libx264 streams generated with the ffmpeg CLI (testsrc at the named size).
    static let spsCases: [SPSCase] = [
        SPSCase(
            // Baseline (66) level 3.0, 40x30 macroblocks, no cropping.
            name: "baseline 640x480",
            sps: "67 | 42 c0 1e | d9 00 a0 3d a1 00 00 03 00 01 00 00 03 00 3c 8f 16 2e 48",
            width: 640, height: 480),
        SPSCase(
            // Baseline level 1.3, 20x15 macroblocks.
            name: "baseline 320x240",
            sps: "67 | 42 c0 0d | d9 01 41 fb 01 10 00 00 03 00 10 00 00 03 03 c0 f1 42 a4 80",
            width: 320, height: 240),
        SPSCase(
            // High (100), chroma_format_idc 1, 40x23 macroblocks, frame_crop_bottom_offset 4 (x2 rows).
            name: "high 640x360 cropped",
            sps: "67 | 64 00 1e | ac d9 40 a0 2f f9 70 11 00 00 03 00 01 00 00 03 00 3c 0f 16 2d 96",
            width: 640, height: 360),
        SPSCase(
            // High 4:2:2 (122), chroma_format_idc 2: crop unit is 1 row; 80x45 macroblocks, bottom crop 2.
            name: "high 4:2:2 1280x718",
            sps: "67 | 7a 00 1f | bc d9 40 50 05 bf bc 04 40 00 00 03 00 40 00 00 0c 83 c6 0c 65 80",
            width: 1280, height: 718),
        SPSCase(
            // High 4:4:4 (244), chroma_format_idc 3 (separate_colour_plane_flag 0): crop unit 1; 120x68, bottom 8.
            name: "high 4:4:4 1920x1080",
            sps: "67 | f4 00 28 | 91 9b 28 0f 00 44 fc 4e 02 20 00 00 03 00 20 00 00 07 81 e3 06 32 c0",
            width: 1920, height: 1080),
        SPSCase(
            // High, frame_mbs_only_flag 0 (interlaced): 45x18 map units of field pairs.
            name: "interlaced 720x576",
            sps: "67 | 64 00 1e | ac d9 40 b4 24 d8 08 80 00 00 03 00 80 00 00 19 0f 8a 14 cb",
            width: 720, height: 576),
        SPSCase(
            // Hand-built, checked with ffmpeg trace_headers: High, seq_scaling_matrix_present_flag 1 with
            // lists 0 (16 deltas), 6 (use default) and 7 (ends early), pic_order_cnt_type 1 with a 2-entry
            // cycle, 80x45 macroblocks, crop right 4 and bottom 2 (x2): 1272x716.
            name: "scaling lists and poc type 1",
            sps: "67 | 64 00 28 | ad a4 92 49 24 92 49 02 11 90 c1 ba 15 33 34 02 80 2d f2 da",
            width: 1272, height: 716),
    ]

    @Test(arguments: spsCases)
    func dimensionsFromTheSPS(_ testCase: SPSCase) {
        let sets = H264ParameterSets(sps: hexBytes(testCase.sps), pps: hexBytes("68 ce 3c 80"))
        #expect(sets.dimensions == VideoDimensions(width: testCase.width, height: testCase.height))
    }

    @Test func highProfileFieldsAreParsed() throws {
        let sps = try #require(H264SequenceParameterSet(nalUnit: hexBytes(Self.spsCases[4].sps)))
        #expect(sps.profileIdc == 244 && sps.levelIdc == 40)
        #expect(sps.chromaFormatIdc == 3 && sps.bitDepthLumaMinus8 == 0 && sps.bitDepthChromaMinus8 == 0)
    }

    @Test func emulationPreventionBytesAreRemoved() {
        let rbsp = H264SequenceParameterSet.removeEmulationPrevention(hexBytes("00 00 03 01 00 00 03 00 00 03 03 03")[...])
        #expect(rbsp == hexBytes("00 00 01 00 00 00 00 03 03"))
    }

    /// The avcC ffmpeg 5.1 writes into an MP4 for the "high 640x360" stream (`ffmpeg -i x.h264 -c copy x.mp4`).
    @Test func avcCMatchesFFmpegForHighProfile() {
        let sets = H264ParameterSets(
            sps: hexBytes("67 64 00 1e ac d9 40 a0 2f f9 70 11 00 00 03 00 01 00 00 03 00 3c 0f 16 2d 96"),
            pps: hexBytes("68 eb e3 cb 22 c0"))
        let expected = hexBytes(
            """
            01 | 64 | 00 | 1e | ff | e1 | 00 1a
            67 64 00 1e ac d9 40 a0 2f f9 70 11 00 00 03 00 01 00 00 03 00 3c 0f 16 2d 96
            01 | 00 06 | 68 eb e3 cb 22 c0
            fd | f8 | f8 | 00
            """)
        #expect(sets.avcDecoderConfigurationRecord == expected)
    }

    /// The avcC ffmpeg 5.1 writes for the "baseline 320x240" stream: no high-profile extension.
    @Test func avcCMatchesFFmpegForBaseline() {
        let sets = H264ParameterSets(
            sps: hexBytes("67 42 c0 0d d9 01 41 fb 01 10 00 00 03 00 10 00 00 03 03 c0 f1 42 a4 80"),
            pps: hexBytes("68 cb 83 cb 20"))
        let expected = hexBytes(
            "01 | 42 | c0 | 0d | ff | e1 | 00 18 | 67 42 c0 0d d9 01 41 fb 01 10 00 00 03 00 10 00 00 03 03 c0 f1 42 a4 80"
                + " | 01 | 00 05 | 68 cb 83 cb 20")
        #expect(sets.avcDecoderConfigurationRecord == expected)
    }

    @Test func avcCLayout() {
        let record = H264ParameterSets(sps: hexBytes("67 4d 40 1f aa bb"), pps: hexBytes("68 ee 3c 80")).avcDecoderConfigurationRecord
        // version 1 | profile 0x4d | compatibility 0x40 | level 0x1f | 0xFC|3 (4-byte lengths) | 0xE0|1 SPS
        // | length 6 | SPS | 1 PPS | length 4 | PPS   (Main profile: no extension)
        #expect(record == hexBytes("01 4d 40 1f ff e1 00 06 67 4d 40 1f aa bb 01 00 04 68 ee 3c 80"))
    }

    @Test func avcCFromShortOrGarbageSPSDoesNotTrap() {
        #expect(H264ParameterSets(sps: [], pps: []).avcDecoderConfigurationRecord == hexBytes("01 00 00 00 ff e1 00 00 01 00 00"))
        // High profile byte but an SPS that does not parse: 4:2:0, 8-bit extension.
        let record = H264ParameterSets(sps: hexBytes("67 64"), pps: hexBytes("68")).avcDecoderConfigurationRecord
        #expect(record == hexBytes("01 64 00 00 ff e1 00 02 67 64 01 00 01 68 fd f8 f8 00"))
    }

    @Test(arguments: [
        "",  // empty
        "67",  // header only
        "67 42 c0",  // truncated before seq_parameter_set_id
        "68 42 c0 1e d9 00 a0 3d a1",  // a PPS header, not an SPS
        "67 42 c0 1e d9 00 a0",  // truncated in the middle
        "67 64 00 1e 00 00 00 00 00 00 00 00",  // exp-Golomb with more than 31 leading zeros
        "67 64 00 1e 9f ff ff ff ff ff ff ff",  // chroma_format_idc out of range
        "67 42 c0 1e c8 00 00 00",  // pic_order_cnt_type 3
        "67 42 c0 1e f4 00 00 c3 50 8b c8",  // 100001 macroblocks wide
        "67 42 c0 1e f4 05 01 ef c0 25 a8",  // cropped 600 rows off a 480-row picture
    ])
    func garbageSPSHasNoDimensions(_ sps: String) {
        #expect(H264ParameterSets(sps: hexBytes(sps), pps: []).dimensions == nil)
    }
}
