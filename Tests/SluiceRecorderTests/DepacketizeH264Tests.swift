import Testing
@testable import SluiceRecorder

@Suite("Depacketize H264")
struct DepacketizeH264Tests {
    /// Baseline SPS, 640x480 (23 bytes).
    static let sps = "67 42 c0 1e d9 00 a0 3d a1 00 00 03 00 01 00 00 03 00 3c 8f 16 2e 48"
    /// Baseline SPS, 320x240 (24 bytes).
    static let sps320 = "67 42 c0 0d d9 01 41 fb 01 10 00 00 03 00 10 00 00 03 03 c0 f1 42 a4 80"
    static let pps = "68 ce 3c 80"
    /// IDR slice, first_mb_in_slice 0 (88: first bit 1).
    static let idr = "65 88 84 00 2b ff"
    /// STAP-A (F=0 NRI=3 type 24) | size 23 | SPS | size 4 | PPS
    static let stapParameterSets = "78 | 00 17 | \(sps) | 00 04 | \(pps)"

    @Test func stapAWithParameterSetsAndIDR() {
        var depacketizer = Depacketizer(codec: .h264)
        #expect(depacketizer.needsKeyFrame)
        // STAP-A | size 23 | SPS | size 4 | PPS | size 6 | IDR; marker
        let frames = depacketizer.push([
            rtpPacket(1, ts: 3000, marker: true, hexBytes("\(Self.stapParameterSets) | 00 06 | \(Self.idr)"), at: 3.0)
        ])
        #expect(frames.count == 1)
        // AVCC: 4-byte length | IDR; SPS and PPS are not in the frame.
        #expect(frames.first?.data == hexBytes("00 00 00 06 | \(Self.idr)"))
        #expect(frames.first?.isKeyFrame == true)
        #expect(frames.first?.timestamp == 3000 && frames.first?.arrival == 3.0)
        #expect(depacketizer.h264ParameterSets == H264ParameterSets(sps: hexBytes(Self.sps), pps: hexBytes(Self.pps)))
        #expect(depacketizer.dimensions == VideoDimensions(width: 640, height: 480))
        #expect(!depacketizer.needsKeyFrame)
        #expect(depacketizer.malformed == 0)
    }

    @Test func fuAReassemblyThenDeltaFrames() {
        var depacketizer = Depacketizer(codec: .h264)
        let frames = depacketizer.push([
            rtpPacket(1, ts: 3000, hexBytes(Self.stapParameterSets), at: 1.0),
            // FU indicator F=0 NRI=3 type 28 | FU header S=1 type 5 | first bytes after the NAL header
            rtpPacket(2, ts: 3000, hexBytes("7c | 85 | 88 84 00"), at: 1.01),
            // FU indicator | FU header S=0 E=0 type 5 | middle
            rtpPacket(3, ts: 3000, hexBytes("7c | 05 | 2b ff"), at: 1.02),
            // FU indicator | FU header E=1 type 5 | end; marker
            rtpPacket(4, ts: 3000, marker: true, hexBytes("7c | 45 | fe f6"), at: 1.03),
            // Single NAL unit: non-IDR slice (41: NRI=2 type 1); marker
            rtpPacket(5, ts: 6000, marker: true, hexBytes("41 9a 24 6c"), at: 1.05),
            // FU indicator NRI=2 | S=1 type 1 | ...; then E=1 type 1; marker
            rtpPacket(6, ts: 9000, hexBytes("5c | 81 | 9a 24"), at: 1.08),
            rtpPacket(7, ts: 9000, marker: true, hexBytes("5c | 41 | 6c"), at: 1.09),
        ])
        #expect(frames.count == 3)
        // Rebuilt NAL header: F/NRI of the indicator (7c & e0 = 60) | type 5 = 65.
        #expect(frames.first?.data == hexBytes("00 00 00 08 | 65 88 84 00 2b ff fe f6"))
        #expect(frames.first?.arrival == 1.0)
        #expect(frames.map(\.isKeyFrame) == [true, false, false])
        #expect(frames.map(\.timestamp) == [3000, 6000, 9000])
        #expect(frames.dropFirst().map(\.data) == [hexBytes("00 00 00 04 | 41 9a 24 6c"), hexBytes("00 00 00 04 | 41 9a 24 6c")])
    }

    @Test func audAndFillerAreDroppedSEIIsKept() {
        var depacketizer = Depacketizer(codec: .h264)
        let frames = depacketizer.push([
            // STAP-A | AUD 09 f0 | SPS | PPS | SEI (06 05 ...) | IDR
            rtpPacket(1, ts: 0, hexBytes(
                "78 | 00 02 | 09 f0 | 00 17 | \(Self.sps) | 00 04 | \(Self.pps) | 00 06 | 06 05 02 aa bb 80 | 00 06 | \(Self.idr)")),
            // Single NAL unit: filler data (type 12); marker
            rtpPacket(2, ts: 0, marker: true, hexBytes("0c ff ff 80")),
        ])
        #expect(frames.map(\.data) == [hexBytes("00 00 00 06 | 06 05 02 aa bb 80 | 00 00 00 06 | \(Self.idr)")])
    }

    @Test func idrWithoutParameterSetsIsNotEmitted() {
        var depacketizer = Depacketizer(codec: .h264)
        let frames = depacketizer.push([rtpPacket(1, ts: 0, marker: true, hexBytes(Self.idr))])
        #expect(frames.isEmpty)
        #expect(depacketizer.needsKeyFrame)
        #expect(depacketizer.h264ParameterSets == nil)
        #expect(depacketizer.malformed == 0)
    }

    @Test func parameterSetsInTheirOwnAccessUnitServeTheNextIDR() {
        var depacketizer = Depacketizer(codec: .h264)
        var frames = depacketizer.push([
            rtpPacket(1, ts: 0, marker: true, hexBytes(Self.sps)),  // single NAL SPS; marker
            rtpPacket(2, ts: 0, marker: true, hexBytes(Self.pps)),  // single NAL PPS; marker
        ])
        #expect(frames.isEmpty)
        #expect(depacketizer.h264ParameterSets != nil)
        frames = depacketizer.push([rtpPacket(3, ts: 90, marker: true, hexBytes(Self.idr))])
        #expect(frames.map(\.isKeyFrame) == [true])
        #expect(depacketizer.dimensions == VideoDimensions(width: 640, height: 480))
    }

    @Test func newSPSReplacesTheOldOneAndItsSizeAppliesOnTheNextKeyFrame() {
        var depacketizer = Depacketizer(codec: .h264)
        _ = depacketizer.push([rtpPacket(1, ts: 0, marker: true, hexBytes("\(Self.stapParameterSets) | 00 06 | \(Self.idr)"))])
        #expect(depacketizer.dimensions == VideoDimensions(width: 640, height: 480))
        // STAP-A | size 24 | 320x240 SPS | size 4 | PPS | IDR
        let frames = depacketizer.push([
            rtpPacket(2, ts: 90, marker: true, hexBytes("78 | 00 18 | \(Self.sps320) | 00 04 | \(Self.pps) | 00 06 | \(Self.idr)"))
        ])
        #expect(frames.count == 1)
        #expect(depacketizer.h264ParameterSets?.sps == hexBytes(Self.sps320))
        #expect(depacketizer.dimensions == VideoDimensions(width: 320, height: 240))
    }

    @Test func deltaFramesBeforeTheFirstKeyFrameAreDropped() {
        var depacketizer = Depacketizer(codec: .h264)
        let frames = depacketizer.push([
            rtpPacket(1, ts: 0, marker: true, hexBytes("41 9a 24 6c")),  // delta: dropped
            rtpPacket(2, ts: 90, marker: true, hexBytes("\(Self.stapParameterSets) | 00 06 | \(Self.idr)")),
            rtpPacket(3, ts: 180, marker: true, hexBytes("41 9a 24 6d")),
        ])
        #expect(frames.map(\.timestamp) == [90, 180])
    }

    @Test func multiSliceAccessUnit() {
        var depacketizer = Depacketizer(codec: .h264)
        let frames = depacketizer.push([
            rtpPacket(1, ts: 0, hexBytes(Self.stapParameterSets)),
            rtpPacket(2, ts: 0, hexBytes("65 88 84 00")),  // IDR slice, first_mb_in_slice 0
            rtpPacket(3, ts: 0, marker: true, hexBytes("65 0a 11 22")),  // IDR slice, first_mb_in_slice > 0 (first bit 0)
        ])
        #expect(frames.map(\.data) == [hexBytes("00 00 00 04 | 65 88 84 00 | 00 00 00 04 | 65 0a 11 22")])
    }

    @Test func accessUnitWhoseFirstSliceWasLostIsDropped() {
        var depacketizer = Depacketizer(codec: .h264)
        _ = depacketizer.push([rtpPacket(1, ts: 0, marker: true, hexBytes("\(Self.stapParameterSets) | 00 06 | \(Self.idr)"))])
        var frames = depacketizer.push(.gap(lost: 2))
        #expect(depacketizer.needsKeyFrame)
        // Only the second slice of the next IDR access unit arrived.
        frames += depacketizer.push([rtpPacket(4, ts: 90, marker: true, hexBytes("65 0a 11 22"))])
        #expect(frames.isEmpty)
        #expect(depacketizer.needsKeyFrame)
        frames = depacketizer.push([rtpPacket(5, ts: 180, marker: true, hexBytes(Self.idr))])
        #expect(frames.map(\.isKeyFrame) == [true])
    }

    @Test func timestampChangeEndsAnAccessUnitWhoseMarkerWasLost() {
        var depacketizer = Depacketizer(codec: .h264)
        let frames = depacketizer.push([
            rtpPacket(1, ts: 90, hexBytes("\(Self.stapParameterSets) | 00 06 | \(Self.idr)")),  // no marker
            rtpPacket(2, ts: 180, marker: true, hexBytes("41 9a 24 6c")),
        ])
        #expect(frames.map(\.timestamp) == [90, 180])
        #expect(frames.map(\.isKeyFrame) == [true, false])
    }

    @Test func gapInsideAnAccessUnitDiscardsIt() {
        var depacketizer = Depacketizer(codec: .h264)
        _ = depacketizer.push([rtpPacket(1, ts: 0, marker: true, hexBytes("\(Self.stapParameterSets) | 00 06 | \(Self.idr)"))])
        var frames = depacketizer.push([rtpPacket(2, ts: 90, hexBytes("7c | 81 | 9a 24"))])  // FU-A start of a slice
        frames += depacketizer.push(.gap(lost: 1))
        frames += depacketizer.push([
            rtpPacket(4, ts: 90, marker: true, hexBytes("7c | 41 | 6c")),  // its end: FU-A without start
            rtpPacket(5, ts: 180, marker: true, hexBytes("41 9a 24 6c")),  // intact delta, but its reference is gone
        ])
        #expect(frames.isEmpty)
        #expect(depacketizer.needsKeyFrame)
        #expect(depacketizer.malformed == 0)
    }

    @Test func fuAWithoutStartIsDropped() {
        var depacketizer = Depacketizer(codec: .h264)
        _ = depacketizer.push([rtpPacket(1, ts: 0, marker: true, hexBytes("\(Self.stapParameterSets) | 00 06 | \(Self.idr)"))])
        let frames = depacketizer.push([
            rtpPacket(2, ts: 90, hexBytes("7c | 01 | 2b ff")),  // S=0 E=0: its start never arrived
            rtpPacket(3, ts: 90, marker: true, hexBytes("7c | 41 | fe f6")),  // E=1
        ])
        #expect(frames.isEmpty)
        #expect(depacketizer.needsKeyFrame)
        #expect(depacketizer.malformed == 0)
    }

    @Test(arguments: [
        // A NAL unit in place of the FU-A's end.
        ["7c | 81 | 9a 24", "41 9a 24 6c"],
        // A new FU-A start before the previous one ended.
        ["7c | 81 | 9a 24", "7c | 81 | 9a 25", "7c | 41 | 6c"],
        // End of a fragment of another NAL unit type.
        ["7c | 81 | 9a 24", "7c | 45 | 6c"],
        // The access unit ends (marker on the middle fragment).
        ["7c | 81 | 9a 24", "7c | 01 | 6c"],
    ])
    func unfinishedFragmentDropsTheAccessUnit(_ payloads: [String]) {
        var depacketizer = Depacketizer(codec: .h264)
        _ = depacketizer.push([rtpPacket(1, ts: 0, marker: true, hexBytes("\(Self.stapParameterSets) | 00 06 | \(Self.idr)"))])
        let packets = payloads.enumerated().map { index, payload in
            rtpPacket(UInt16(index + 2), ts: 90, marker: index == payloads.count - 1, hexBytes(payload))
        }
        #expect(depacketizer.push(packets).isEmpty)
        #expect(depacketizer.needsKeyFrame)
        #expect(depacketizer.malformed == 0)
    }

    @Test(arguments: [
        "",  // empty payload
        "79 | 00 01 | 00 06 | \(idr)",  // STAP-B
        "7a | 00 01 | 00 06 00 00 01 | \(idr)",  // MTAP16
        "7b | 00 01 | 00 06 00 00 00 01 | \(idr)",  // MTAP24
        "7d | 85 | 00 01 | 88 84",  // FU-B
        "60 88",  // type 0
        "7e 88",  // type 30
        "7f 88",  // type 31
        "e5 88 84",  // forbidden_zero_bit set
        "78",  // STAP-A without NAL units
        "78 | 00 10 | 67 42",  // STAP-A size running past the end
        "78 | 00 00 | 67 42",  // STAP-A size 0
        "78 | 00 02 | 09 f0 | 00",  // STAP-A with a dangling byte
        "78 | 00 02 | 78 00",  // STAP-A nested in STAP-A
        "78 | 00 02 | 89 f0",  // STAP-A NAL unit with forbidden_zero_bit
        "7c",  // FU-A without FU header
        "7c | 9c | 00",  // FU-A carrying type 28
        "7c | 80 | 00",  // FU-A carrying type 0
        "fc | 85 | 88",  // FU indicator with forbidden_zero_bit
    ])
    func malformedPayloads(_ payload: String) {
        var depacketizer = Depacketizer(codec: .h264)
        _ = depacketizer.push([rtpPacket(1, ts: 0, marker: true, hexBytes("\(Self.stapParameterSets) | 00 06 | \(Self.idr)"))])
        let frames = depacketizer.push([rtpPacket(2, ts: 90, marker: true, hexBytes(payload))])
        #expect(frames.isEmpty)
        #expect(depacketizer.malformed == 1)
        #expect(depacketizer.needsKeyFrame)
        // Parameter sets from the earlier packet are untouched.
        #expect(depacketizer.h264ParameterSets?.sps == hexBytes(Self.sps))
    }

    @Test func malformedSTAPALeavesParameterSetsAlone() {
        var depacketizer = Depacketizer(codec: .h264)
        // STAP-A | SPS | PPS | size 0x40 running past the end: nothing of it is used.
        _ = depacketizer.push([rtpPacket(1, ts: 0, marker: true, hexBytes("\(Self.stapParameterSets) | 00 40 | \(Self.idr)"))])
        #expect(depacketizer.h264ParameterSets == nil)
        #expect(depacketizer.malformed == 1)
    }

    @Test func garbageSPSDoesNotTrapAndHasNoDimensions() {
        var depacketizer = Depacketizer(codec: .h264)
        // STAP-A | SPS of garbage | PPS | IDR
        let frames = depacketizer.push([
            rtpPacket(1, ts: 0, marker: true, hexBytes("78 | 00 05 | 67 ff 00 00 00 | 00 04 | \(Self.pps) | 00 06 | \(Self.idr)"))
        ])
        #expect(frames.map(\.isKeyFrame) == [true])
        #expect(depacketizer.h264ParameterSets?.dimensions == nil)
        #expect(depacketizer.dimensions == nil)
    }
}
