import Testing
import SluiceRTP

@Suite("Producer type")
struct ProducerTypeTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var codec: RtpCodecParameters
        var modes: [String?]
        var expected: RtpStreamType
        var testDescription: String { name }

        var parameters: RtpParameters {
            RtpParameters(
                codecs: [codec],
                encodings: modes.enumerated().map { RtpEncodingParameters(ssrc: UInt32($0.offset + 1), scalabilityMode: $0.element) })
        }
    }

    static let cases: [Case] = [
        Case(name: "opus, one encoding", codec: Fixtures.opus(), modes: [nil], expected: .simple),
        Case(name: "VP8, one encoding", codec: Fixtures.vp8(), modes: [nil], expected: .simple),
        Case(name: "VP8, one encoding L1T1", codec: Fixtures.vp8(), modes: ["L1T1"], expected: .simple),
        Case(name: "VP8, unparsable mode", codec: Fixtures.vp8(), modes: ["garbage"], expected: .simple),
        Case(name: "VP8, one encoding L1T3", codec: Fixtures.vp8(), modes: ["L1T3"], expected: .simulcast),
        Case(name: "H264, one encoding L1T3", codec: Fixtures.h264(), modes: ["L1T3"], expected: .simulcast),
        Case(name: "VP8, three encodings", codec: Fixtures.vp8(), modes: [nil, nil, nil], expected: .simulcast),
        Case(name: "VP8, three encodings L1T3", codec: Fixtures.vp8(), modes: ["L1T3", "L1T3", "L1T3"], expected: .simulcast),
        Case(name: "H264, two encodings", codec: Fixtures.h264(), modes: [nil, nil], expected: .simulcast),
        Case(name: "VP9, one encoding", codec: Fixtures.vp9(), modes: [nil], expected: .simple),
        Case(name: "VP9, L3T3", codec: Fixtures.vp9(), modes: ["L3T3"], expected: .svc),
        Case(name: "VP9, L3T3_KEY", codec: Fixtures.vp9(), modes: ["L3T3_KEY"], expected: .svc),
        Case(name: "VP9, L1T3", codec: Fixtures.vp9(), modes: ["L1T3"], expected: .svc),
        Case(name: "VP9, S2T1", codec: Fixtures.vp9(), modes: ["S2T1"], expected: .svc),
    ]

    @Test(arguments: cases)
    func producerType(_ entry: Case) {
        #expect(Ortc.producerType(entry.parameters) == entry.expected)
    }

    @Test func rtxDoesNotDecideTheType() {
        let parameters = RtpParameters(
            codecs: [Fixtures.vp9(pt: 98), Fixtures.rtx(pt: 99, apt: .int(98))],
            encodings: [RtpEncodingParameters(ssrc: 1, rtx: RtxParameters(ssrc: 2), scalabilityMode: "L2T2")])
        #expect(Ortc.producerType(parameters) == .svc)
    }
}
