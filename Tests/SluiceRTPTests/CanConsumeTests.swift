import Testing
import SluiceRTP

@Suite("canConsume")
struct CanConsumeTests {
    static let videoConsumable = Fixtures.consumable(Fixtures.videoParameters, kind: .video)
    static let audioConsumable = Fixtures.consumable(Fixtures.audioParameters, kind: .audio)
    static let h264Consumable = Fixtures.consumable(
        RtpParameters(codecs: [Fixtures.h264(pt: 102, profileLevelId: "42e01f")], encodings: [RtpEncodingParameters(ssrc: 1)]),
        kind: .video)
    static let vp9Consumable = Fixtures.consumable(
        RtpParameters(codecs: [Fixtures.vp9(pt: 98)], encodings: [RtpEncodingParameters(ssrc: 1)]), kind: .video)

    static func h264Params(_ profileLevelId: String, _ mode: Int) -> CodecParameters {
        ["profile-level-id": .string(profileLevelId), "packetization-mode": .int(mode), "level-asymmetry-allowed": .int(1)]
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var consumable: RtpParameters
        var capabilities: RtpCapabilities
        var expected: Bool
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "router caps, video", consumable: videoConsumable, capabilities: Fixtures.routerCapabilities, expected: true),
        Case(name: "router caps, audio", consumable: audioConsumable, capabilities: Fixtures.routerCapabilities, expected: true),
        Case(name: "empty caps", consumable: videoConsumable, capabilities: RtpCapabilities(), expected: false),
        Case(
            name: "ISAC-only caps, audio", consumable: audioConsumable,
            capabilities: RtpCapabilities(codecs: [.receiver("audio/ISAC", pt: 103, clockRate: 16000)]), expected: false),
        Case(
            name: "only rtx caps, video", consumable: videoConsumable,
            capabilities: RtpCapabilities(codecs: [.receiver("video/rtx", pt: 102, parameters: ["apt": .int(101)])]),
            expected: false),
        Case(
            name: "opus-only caps, video", consumable: videoConsumable,
            capabilities: RtpCapabilities(codecs: [.receiver("audio/opus", pt: 100, clockRate: 48000, channels: 2)]),
            expected: false),
        Case(
            name: "opus-only caps, audio", consumable: audioConsumable,
            capabilities: RtpCapabilities(codecs: [.receiver("audio/opus", pt: 111, clockRate: 48000, channels: 2)]),
            expected: true),
        Case(
            name: "mono opus caps, stereo opus producer", consumable: audioConsumable,
            capabilities: RtpCapabilities(codecs: [.receiver("audio/opus", pt: 111, clockRate: 48000)]), expected: false),
        Case(
            name: "VP8-only caps (no RTX), video", consumable: videoConsumable,
            capabilities: RtpCapabilities(codecs: [.receiver("video/VP8", pt: 96)]), expected: true),
        Case(
            name: "H264 42e01f caps, 42e01f producer", consumable: h264Consumable,
            capabilities: RtpCapabilities(codecs: [.receiver("video/H264", pt: 107, parameters: h264Params("42e01f", 1))]),
            expected: true),
        Case(
            name: "H264 4d0032-only caps, 42e01f producer", consumable: h264Consumable,
            capabilities: RtpCapabilities(codecs: [.receiver("video/H264", pt: 105, parameters: h264Params("4d0032", 1))]),
            expected: false),
        Case(
            name: "H264 42e01f caps with packetization-mode 0, 42e01f producer", consumable: h264Consumable,
            capabilities: RtpCapabilities(codecs: [.receiver("video/H264", pt: 107, parameters: h264Params("42e01f", 0))]),
            expected: false),
        Case(
            name: "VP9 profile 0 caps, VP9 profile 2 producer", consumable: vp9Consumable,
            capabilities: RtpCapabilities(codecs: [.receiver("video/VP9", pt: 103)]), expected: false),
        Case(
            name: "VP9 profile 2 caps, VP9 profile 2 producer", consumable: vp9Consumable,
            capabilities: RtpCapabilities(codecs: [.receiver("video/VP9", pt: 103, parameters: ["profile-id": .int(2)])]),
            expected: true),
    ]

    @Test(arguments: cases)
    func canConsume(_ entry: Case) {
        #expect(Ortc.canConsume(entry.consumable, capabilities: entry.capabilities) == entry.expected)
    }

    /// canConsume and consumerRtpParameters agree on the simple cases.
    @Test(arguments: cases)
    func consumerParametersAgreeWithCanConsume(_ entry: Case) {
        let kind = ortcErrorKind {
            _ = try Ortc.consumerRtpParameters(
                consumable: entry.consumable, capabilities: entry.capabilities, enableRtx: true, ssrc: 1)
        }
        #expect(kind == (entry.expected ? nil : .unsupported))
    }
}
