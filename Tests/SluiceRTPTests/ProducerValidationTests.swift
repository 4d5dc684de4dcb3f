import Foundation
import Testing
import SluiceRTP

@Suite("Producer RTP parameter validation")
struct ProducerValidationTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var kind: MediaKind = .video
        var parameters: RtpParameters
        var expected: OrtcErrorKind
        var testDescription: String { name }
    }

    static func video(
        mid: String? = nil, codecs: [RtpCodecParameters] = [Fixtures.vp8()],
        encodings: [RtpEncodingParameters] = [RtpEncodingParameters(ssrc: 2222)],
        headerExtensions: [RtpHeaderExtensionParameters] = []
    ) -> RtpParameters {
        RtpParameters(mid: mid, codecs: codecs, headerExtensions: headerExtensions, encodings: encodings)
    }

    static let malformed: [Case] = [
        Case(name: "missing codecs", parameters: video(codecs: []), expected: .invalid),
        Case(name: "empty encodings", parameters: video(encodings: []), expected: .invalid),
        Case(
            name: "first codec is RTX",
            parameters: video(codecs: [Fixtures.rtx(pt: 102, apt: .int(101)), Fixtures.vp8()]), expected: .invalid),
        Case(
            name: "RTX without apt", parameters: video(codecs: [Fixtures.vp8(), Fixtures.rtx(pt: 102, apt: nil)]),
            expected: .invalid),
        Case(
            name: "RTX with a non-numeric apt",
            parameters: video(codecs: [Fixtures.vp8(), Fixtures.rtx(pt: 102, apt: .string("vp8"))]), expected: .invalid),
        Case(
            name: "RTX apt pointing at no codec",
            parameters: video(codecs: [Fixtures.vp8(), Fixtures.rtx(pt: 102, apt: .int(99))]), expected: .invalid),
        Case(
            name: "RTX apt pointing at another RTX codec",
            parameters: video(codecs: [Fixtures.vp8(), Fixtures.rtx(pt: 102, apt: .int(103)), Fixtures.rtx(pt: 103, apt: .int(101))]),
            expected: .invalid),
        Case(
            name: "duplicate payload types", parameters: video(codecs: [Fixtures.vp8(pt: 101), Fixtures.vp9(pt: 101)]),
            expected: .invalid),
        Case(name: "payloadType 128", parameters: video(codecs: [Fixtures.vp8(pt: 128)]), expected: .invalid),
        Case(name: "payloadType -1", parameters: video(codecs: [Fixtures.vp8(pt: -1)]), expected: .invalid),
        Case(name: "audio codec in a video producer", parameters: video(codecs: [Fixtures.opus()]), expected: .invalid),
        Case(
            name: "video codec in an audio producer", kind: .audio,
            parameters: RtpParameters(codecs: [Fixtures.vp8()], encodings: [RtpEncodingParameters(ssrc: 1)]),
            expected: .invalid),
        Case(
            name: "mime type without a slash",
            parameters: video(codecs: [RtpCodecParameters(mimeType: "VP8", payloadType: 101, clockRate: 90000)]),
            expected: .invalid),
        Case(
            name: "clock rate 0",
            parameters: video(codecs: [RtpCodecParameters(mimeType: "video/VP8", payloadType: 101, clockRate: 0)]),
            expected: .invalid),
        Case(
            name: "audio channels 0", kind: .audio,
            parameters: RtpParameters(codecs: [Fixtures.opus(channels: 0)], encodings: [RtpEncodingParameters(ssrc: 1)]),
            expected: .invalid),
        Case(name: "no mid and an encoding without ssrc or rid", parameters: video(encodings: [RtpEncodingParameters()]), expected: .invalid),
        Case(
            name: "several encodings, one without ssrc or rid",
            parameters: video(mid: "0", encodings: [RtpEncodingParameters(ssrc: 1), RtpEncodingParameters()]), expected: .invalid),
        Case(
            name: "several encodings without ssrc or rid",
            parameters: video(mid: "0", encodings: [RtpEncodingParameters(), RtpEncodingParameters()]), expected: .invalid),
        Case(name: "empty mid", parameters: video(mid: ""), expected: .invalid),
        Case(name: "empty rid", parameters: video(encodings: [RtpEncodingParameters(rid: "")]), expected: .invalid),
        Case(
            name: "ssrc used twice",
            parameters: video(encodings: [RtpEncodingParameters(ssrc: 5), RtpEncodingParameters(ssrc: 5)]), expected: .invalid),
        Case(
            name: "rtx ssrc equal to a media ssrc",
            parameters: video(encodings: [RtpEncodingParameters(ssrc: 5, rtx: RtxParameters(ssrc: 5))]), expected: .invalid),
        Case(
            name: "rid used twice",
            parameters: video(encodings: [RtpEncodingParameters(rid: "h"), RtpEncodingParameters(rid: "h")]), expected: .invalid),
        Case(
            name: "codecPayloadType naming no media codec",
            parameters: video(encodings: [RtpEncodingParameters(ssrc: 1, codecPayloadType: 99)]), expected: .invalid),
        Case(
            name: "negative maxBitrate",
            parameters: video(encodings: [RtpEncodingParameters(ssrc: 1, maxBitrate: -1)]), expected: .invalid),
        Case(
            name: "header extension id 0",
            parameters: video(headerExtensions: [RtpHeaderExtensionParameters(uri: RtpHeaderExtensionUri.mid, id: 0)]),
            expected: .invalid),
        Case(
            name: "header extension id 256",
            parameters: video(headerExtensions: [RtpHeaderExtensionParameters(uri: RtpHeaderExtensionUri.mid, id: 256)]),
            expected: .invalid),
        Case(
            name: "header extension with an empty uri",
            parameters: video(headerExtensions: [RtpHeaderExtensionParameters(uri: "", id: 1)]), expected: .invalid),
        Case(
            name: "header extension id used twice",
            parameters: video(headerExtensions: [
                RtpHeaderExtensionParameters(uri: RtpHeaderExtensionUri.mid, id: 1),
                RtpHeaderExtensionParameters(uri: RtpHeaderExtensionUri.absSendTime, id: 1),
            ]), expected: .invalid),
    ]

    static let unsupported: [Case] = [
        Case(
            name: "ISAC", kind: .audio,
            parameters: RtpParameters(
                codecs: [RtpCodecParameters(mimeType: "audio/ISAC", payloadType: 103, clockRate: 16000)],
                encodings: [RtpEncodingParameters(ssrc: 1)]),
            expected: .unsupported),
        Case(
            name: "opus mono (the room has opus/2)", kind: .audio,
            parameters: RtpParameters(codecs: [Fixtures.opus(channels: nil)], encodings: [RtpEncodingParameters(ssrc: 1)]),
            expected: .unsupported),
        Case(
            name: "H264 packetization-mode 0 (default) vs the room's 1",
            parameters: video(codecs: [Fixtures.h264(packetizationMode: nil)]), expected: .unsupported),
        Case(
            name: "H264 packetization-mode 0 explicit", parameters: video(codecs: [Fixtures.h264(packetizationMode: 0)]),
            expected: .unsupported),
        Case(
            name: "H264 High profile 64001f", parameters: video(codecs: [Fixtures.h264(profileLevelId: "64001f")]),
            expected: .unsupported),
        Case(
            name: "H264 Constrained High profile 640c1f",
            parameters: video(codecs: [Fixtures.h264(profileLevelId: "640c1f")]), expected: .unsupported),
        Case(
            name: "H264 with a malformed profile-level-id",
            parameters: video(codecs: [Fixtures.h264(profileLevelId: "zzzzzz")]), expected: .unsupported),
        Case(name: "VP9 profile 0 vs the room's profile 2", parameters: video(codecs: [Fixtures.vp9(profileId: nil)]), expected: .unsupported),
        Case(
            name: "audio RTX (the room has no audio RTX)", kind: .audio,
            parameters: RtpParameters(
                codecs: [
                    Fixtures.opus(),
                    RtpCodecParameters(mimeType: "audio/rtx", payloadType: 101, clockRate: 48000, parameters: ["apt": .int(100)]),
                ],
                encodings: [RtpEncodingParameters(ssrc: 1)]),
            expected: .unsupported),
    ]

    static let layered: [Case] = [
        Case(
            name: "opus with two encodings (simulcast is VP8/H264 only)", kind: .audio,
            parameters: RtpParameters(
                codecs: [Fixtures.opus()], encodings: [RtpEncodingParameters(ssrc: 1), RtpEncodingParameters(ssrc: 2)]),
            expected: .unsupported),
        Case(
            name: "VP9 with three encodings (simulcast is VP8/H264 only)",
            parameters: video(codecs: [Fixtures.vp9()], encodings: [
                RtpEncodingParameters(ssrc: 1), RtpEncodingParameters(ssrc: 2), RtpEncodingParameters(ssrc: 3),
            ]),
            expected: .unsupported),
        Case(
            name: "opus with scalabilityMode L1T3 (audio has no layers)", kind: .audio,
            parameters: RtpParameters(codecs: [Fixtures.opus()], encodings: [RtpEncodingParameters(ssrc: 1, scalabilityMode: "L1T3")]),
            expected: .unsupported),
    ]

    /// Validation plus mapping, as `produce` runs them: some refusals only show up when the
    /// codecs are matched against the room's.
    @Test(arguments: malformed + unsupported + layered)
    func refused(_ entry: Case) {
        let kind = ortcErrorKind { _ = try Fixtures.produce(entry.parameters, kind: entry.kind) }
        #expect(kind == entry.expected)
    }

    @Test func referenceScriptParametersAreAccepted() throws {
        let audio = try Fixtures.produce(Fixtures.audioParameters, kind: .audio)
        let video = try Fixtures.produce(Fixtures.videoParameters, kind: .video)
        #expect(audio.parameters.codecs.count == 1)
        #expect(video.parameters.codecs.count == 1)
    }

    @Test(arguments: [
        (Fixtures.vp8(), ["L1T3", "L1T3", "L1T3"]),
        (Fixtures.h264(), [nil, nil]),
        (Fixtures.vp9(), ["L3T3_KEY"]),
        (Fixtures.vp8(), ["L1T3"]),
    ] as [(RtpCodecParameters, [String?])])
    func layersAcceptedForVideo(codec: RtpCodecParameters, modes: [String?]) {
        let parameters = Self.video(
            codecs: [codec],
            encodings: modes.enumerated().map { RtpEncodingParameters(ssrc: UInt32($0.offset + 1), scalabilityMode: $0.element) })
        #expect(ortcErrorKind { _ = try Fixtures.produce(parameters, kind: .video) } == nil)
    }

    @Test func midAllowsAnEncodingWithoutSsrcOrRid() {
        var parameters = Self.video(mid: "0", encodings: [RtpEncodingParameters()])
        #expect(ortcErrorKind { try Ortc.validateProducerRtpParameters(&parameters, kind: .video) } == nil)
    }

    @Test func ridAloneIsEnoughWithoutMid() {
        var parameters = Self.video(encodings: [RtpEncodingParameters(rid: "q")])
        #expect(ortcErrorKind { try Ortc.validateProducerRtpParameters(&parameters, kind: .video) } == nil)
    }

    @Test func audioChannelsDefaultToOne() throws {
        var parameters = RtpParameters(
            codecs: [RtpCodecParameters(mimeType: "audio/PCMU", payloadType: 0, clockRate: 8000)],
            encodings: [RtpEncodingParameters(ssrc: 1)])
        try Ortc.validateProducerRtpParameters(&parameters, kind: .audio)
        #expect(parameters.codecs[0].channels == 1)
    }

    @Test func audioChannelsGivenAreKept() throws {
        var parameters = Fixtures.audioParameters
        try Ortc.validateProducerRtpParameters(&parameters, kind: .audio)
        #expect(parameters.codecs[0].channels == 2)
    }

    @Test func videoCodecsCarryNoChannels() throws {
        var parameters = Self.video(codecs: [RtpCodecParameters(mimeType: "video/VP8", payloadType: 101, clockRate: 90000, channels: 2)])
        try Ortc.validateProducerRtpParameters(&parameters, kind: .video)
        #expect(parameters.codecs[0].channels == nil)
    }

    @Test(arguments: [(Bool?.none, true), (false, false), (true, true)])
    func reducedSizeDefaultsToTrue(given: Bool?, expected: Bool) throws {
        var parameters = Fixtures.videoParameters
        parameters.rtcp.reducedSize = given
        try Ortc.validateProducerRtpParameters(&parameters, kind: .video)
        #expect(parameters.rtcp.reducedSize == expected)
    }

    @Test func decodingWithoutEncodingsGivesOneEmptyEncoding() throws {
        let json = #"{"codecs":[{"mimeType":"video/VP8","payloadType":101,"clockRate":90000}]}"#
        let parameters = try JSONDecoder().decode(RtpParameters.self, from: Data(json.utf8))
        #expect(parameters.encodings == [RtpEncodingParameters()])
        #expect(parameters.rtcp.reducedSize == nil)
    }
}
