import Testing
import SluiceRTP

@Suite("Consumer RTP parameters")
struct ConsumerParametersTests {
    typealias Uri = RtpHeaderExtensionUri
    static let videoConsumable = Fixtures.consumable(Fixtures.videoParameters, kind: .video)
    static let audioConsumable = Fixtures.consumable(Fixtures.audioParameters, kind: .audio)
    static let ssrc: UInt32 = 314_159_265

    static func consumer(
        _ consumable: RtpParameters = videoConsumable, capabilities: RtpCapabilities = Fixtures.routerCapabilities,
        enableRtx: Bool = true
    ) throws -> RtpParameters {
        try Ortc.consumerRtpParameters(consumable: consumable, capabilities: capabilities, enableRtx: enableRtx, ssrc: ssrc)
    }

    /// Router capabilities with only the given header extensions.
    static func capabilities(extensions: [RtpHeaderExtension]) -> RtpCapabilities {
        RtpCapabilities(codecs: Fixtures.routerCapabilities.codecs, headerExtensions: extensions)
    }

    @Test func rtxOnKeepsRtxCodecAndPlainNack() throws {
        let consumer = try Self.consumer(enableRtx: true)
        #expect(consumer.codecs.map(\.payloadType) == [101, 102])
        #expect(consumer.codecs.map(\.mimeType) == ["video/VP8", "video/rtx"])
        #expect(consumer.codecs[0].rtcpFeedback.contains(RtcpFeedback(type: "nack")))
        #expect(consumer.codecs[0].rtcpFeedback.contains(RtcpFeedback(type: "nack", parameter: "pli")))
        #expect(consumer.encodings.count == 1)
        #expect(consumer.encodings[0].ssrc == Self.ssrc)
        #expect(consumer.encodings[0].rtx?.ssrc == Self.ssrc + 1)
    }

    @Test func rtxOffDropsRtxCodecAndPlainNack() throws {
        let consumer = try Self.consumer(enableRtx: false)
        #expect(consumer.codecs.map(\.payloadType) == [101])
        #expect(!consumer.codecs[0].rtcpFeedback.contains(RtcpFeedback(type: "nack")))
        #expect(consumer.codecs[0].rtcpFeedback.contains(RtcpFeedback(type: "nack", parameter: "pli")))
        #expect(consumer.codecs[0].rtcpFeedback.contains(RtcpFeedback(type: "ccm", parameter: "fir")))
        #expect(consumer.encodings[0].ssrc == Self.ssrc)
        #expect(consumer.encodings[0].rtx == nil)
    }

    @Test func capabilitiesWithoutRtxGiveNoRtxSsrc() throws {
        let capabilities = RtpCapabilities(codecs: [.receiver("video/VP8", pt: 96, feedback: [RtcpFeedback(type: "nack")])])
        let consumer = try Self.consumer(capabilities: capabilities, enableRtx: true)
        #expect(consumer.codecs.map(\.payloadType) == [101])
        #expect(consumer.encodings[0].rtx == nil)
    }

    @Test func payloadTypeStaysTheRoutersAndFeedbackComesFromTheCapabilities() throws {
        let capabilities = RtpCapabilities(
            codecs: [.receiver("video/VP8", pt: 96, feedback: [RtcpFeedback(type: "nack", parameter: "pli")])],
            headerExtensions: [RtpHeaderExtension(kind: .video, uri: Uri.transportWideCc, preferredId: 5)])
        let consumer = try Self.consumer(capabilities: capabilities)
        #expect(consumer.codecs[0].payloadType == 101)
        #expect(consumer.codecs[0].rtcpFeedback == [RtcpFeedback(type: "nack", parameter: "pli")])
        #expect(consumer.codecs[0].parameters == Self.videoConsumable.codecs[0].parameters)
    }

    @Test func headerExtensionsNeedTheSameUriAndId() throws {
        let capabilities = Self.capabilities(extensions: [
            RtpHeaderExtension(kind: .video, uri: Uri.mid, preferredId: 1),
            RtpHeaderExtension(kind: .video, uri: Uri.absSendTime, preferredId: 3),  // different id: dropped
            RtpHeaderExtension(kind: .video, uri: Uri.videoOrientation, preferredId: 11),
            RtpHeaderExtension(kind: .video, uri: "urn:example:unknown", preferredId: 12),  // same id, other uri: dropped
        ])
        let consumer = try Self.consumer(capabilities: capabilities)
        #expect(consumer.headerExtensions.map(\.uri) == [Uri.mid, Uri.videoOrientation])
        #expect(consumer.headerExtensions.map(\.id) == [1, 11])
    }

    @Test func allRouterHeaderExtensionsAreKeptWithRouterCapabilities() throws {
        let consumer = try Self.consumer()
        #expect(consumer.headerExtensions == Self.videoConsumable.headerExtensions)
    }

    struct FeedbackCase: Sendable, CustomTestStringConvertible {
        var name: String
        var extensions: [RtpHeaderExtension]
        var expected: [RtcpFeedback]
        var testDescription: String { name }
    }

    static let feedbackCases: [FeedbackCase] = [
        FeedbackCase(
            name: "transport-cc and abs-send-time: goog-remb dropped",
            extensions: [
                RtpHeaderExtension(kind: .video, uri: Uri.absSendTime, preferredId: 4),
                RtpHeaderExtension(kind: .video, uri: Uri.transportWideCc, preferredId: 5),
            ],
            expected: [
                RtcpFeedback(type: "nack"), RtcpFeedback(type: "nack", parameter: "pli"),
                RtcpFeedback(type: "ccm", parameter: "fir"), RtcpFeedback(type: "transport-cc"),
            ]),
        FeedbackCase(
            name: "transport-cc only: goog-remb dropped",
            extensions: [RtpHeaderExtension(kind: .video, uri: Uri.transportWideCc, preferredId: 5)],
            expected: [
                RtcpFeedback(type: "nack"), RtcpFeedback(type: "nack", parameter: "pli"),
                RtcpFeedback(type: "ccm", parameter: "fir"), RtcpFeedback(type: "transport-cc"),
            ]),
        FeedbackCase(
            name: "abs-send-time only: transport-cc dropped",
            extensions: [RtpHeaderExtension(kind: .video, uri: Uri.absSendTime, preferredId: 4)],
            expected: [
                RtcpFeedback(type: "nack"), RtcpFeedback(type: "nack", parameter: "pli"),
                RtcpFeedback(type: "ccm", parameter: "fir"), RtcpFeedback(type: "goog-remb"),
            ]),
        FeedbackCase(
            name: "neither: both dropped", extensions: [RtpHeaderExtension(kind: .video, uri: Uri.mid, preferredId: 1)],
            expected: [
                RtcpFeedback(type: "nack"), RtcpFeedback(type: "nack", parameter: "pli"),
                RtcpFeedback(type: "ccm", parameter: "fir"),
            ]),
        FeedbackCase(
            name: "transport-cc under another id counts as absent",
            extensions: [
                RtpHeaderExtension(kind: .video, uri: Uri.absSendTime, preferredId: 4),
                RtpHeaderExtension(kind: .video, uri: Uri.transportWideCc, preferredId: 7),
            ],
            expected: [
                RtcpFeedback(type: "nack"), RtcpFeedback(type: "nack", parameter: "pli"),
                RtcpFeedback(type: "ccm", parameter: "fir"), RtcpFeedback(type: "goog-remb"),
            ]),
    ]

    @Test(arguments: feedbackCases)
    func congestionControlFeedbackFollowsHeaderExtensions(_ entry: FeedbackCase) throws {
        let consumer = try Self.consumer(capabilities: Self.capabilities(extensions: entry.extensions))
        #expect(consumer.codecs[0].rtcpFeedback == entry.expected)
        #expect(consumer.codecs[1].rtcpFeedback.isEmpty)
    }

    @Test func audioConsumerWithoutRtxKeepsNoNackAndNoTransportCc() throws {
        // Audio consumables carry abs-send-time but not transport-cc (receive-only for audio).
        let consumer = try Self.consumer(Self.audioConsumable, enableRtx: false)
        #expect(consumer.codecs.map(\.payloadType) == [100])
        #expect(consumer.codecs[0].rtcpFeedback.isEmpty)
        #expect(consumer.encodings[0].rtx == nil)
        #expect(consumer.headerExtensions.map(\.id) == [1, 4, 10, 13, 14])
    }

    @Test func h264ConsumerNeedsTheSameProfile() throws {
        let consumable = Fixtures.consumable(
            RtpParameters(codecs: [Fixtures.h264(pt: 102, profileLevelId: "42e01f")], encodings: [RtpEncodingParameters(ssrc: 1)]),
            kind: .video)
        let baseline = RtpCapabilities(codecs: [
            .receiver(
                "video/H264", pt: 107,
                parameters: ["profile-level-id": .string("42e01f"), "packetization-mode": .int(1), "level-asymmetry-allowed": .int(1)]),
            .receiver("video/rtx", pt: 108, parameters: ["apt": .int(107)]),
        ])
        let consumer = try Self.consumer(consumable, capabilities: baseline)
        #expect(consumer.codecs.map(\.payloadType) == [107, 108])
        #expect(consumer.codecs[0].parameters["profile-level-id"] == .string("42e01f"))

        let mainOnly = RtpCapabilities(codecs: [
            .receiver(
                "video/H264", pt: 105,
                parameters: ["profile-level-id": .string("4d0032"), "packetization-mode": .int(1), "level-asymmetry-allowed": .int(1)])
        ])
        let kind = ortcErrorKind { _ = try Self.consumer(consumable, capabilities: mainOnly) }
        #expect(kind == .unsupported)
    }

    @Test func rtxWhoseMediaCodecDidNotSurviveIsDropped() throws {
        // A producer offering VP8 and VP9; the consumer takes VP9 only.
        let consumable = Fixtures.consumable(
            RtpParameters(codecs: [Fixtures.vp8(pt: 96), Fixtures.vp9(pt: 98)], encodings: [RtpEncodingParameters(ssrc: 1)]),
            kind: .video)
        #expect(consumable.codecs.map(\.payloadType) == [101, 102, 103, 104])
        let capabilities = RtpCapabilities(codecs: [
            .receiver("video/VP9", pt: 103, parameters: ["profile-id": .int(2)]),
            .receiver("video/rtx", pt: 104, parameters: ["apt": .int(103)]),
        ])
        let consumer = try Self.consumer(consumable, capabilities: capabilities)
        #expect(consumer.codecs.map(\.payloadType) == [103, 104])
        #expect(consumer.encodings[0].rtx?.ssrc == Self.ssrc + 1)
    }

    @Test func noCompatibleCodecIsUnsupported() {
        let capabilities = RtpCapabilities(codecs: [.receiver("audio/opus", pt: 100, clockRate: 48000, channels: 2)])
        #expect(ortcErrorKind { _ = try Self.consumer(capabilities: capabilities) } == .unsupported)
    }

    @Test func rtcpIsTheConsumables() throws {
        var parameters = Fixtures.videoParameters
        parameters.rtcp.cname = "abc"
        let consumer = try Self.consumer(Fixtures.consumable(parameters, kind: .video))
        #expect(consumer.rtcp.cname == "abc")
        #expect(consumer.rtcp.reducedSize == true)
    }

    struct LayersCase: Sendable, CustomTestStringConvertible {
        var name: String
        var encodings: [RtpEncodingParameters]
        var codec: RtpCodecParameters = Fixtures.vp8()
        var expected: String?
        var testDescription: String { name }
    }

    static let layersCases: [LayersCase] = [
        LayersCase(name: "single encoding, no mode", encodings: [RtpEncodingParameters(ssrc: 1)], expected: nil),
        LayersCase(name: "single encoding L1T3", encodings: [RtpEncodingParameters(ssrc: 1, scalabilityMode: "L1T3")], expected: "L1T3"),
        LayersCase(
            name: "VP9 SVC L3T3_KEY", encodings: [RtpEncodingParameters(ssrc: 1, scalabilityMode: "L3T3_KEY")],
            codec: Fixtures.vp9(pt: 98), expected: "L3T3_KEY"),
        LayersCase(
            name: "simulcast 3 encodings with L1T3",
            encodings: [
                RtpEncodingParameters(ssrc: 1, scalabilityMode: "L1T3"), RtpEncodingParameters(ssrc: 2, scalabilityMode: "L1T3"),
                RtpEncodingParameters(ssrc: 3, scalabilityMode: "L1T3"),
            ],
            expected: "L3T3"),
        LayersCase(
            name: "simulcast 3 encodings, mode on the second only",
            encodings: [
                RtpEncodingParameters(ssrc: 1), RtpEncodingParameters(ssrc: 2, scalabilityMode: "L1T2"),
                RtpEncodingParameters(ssrc: 3),
            ],
            expected: "L3T2"),
        LayersCase(
            name: "simulcast 2 encodings without mode",
            encodings: [RtpEncodingParameters(ssrc: 1), RtpEncodingParameters(ssrc: 2)], expected: "L2T1"),
    ]

    @Test(arguments: layersCases)
    func consumerScalabilityMode(_ entry: LayersCase) throws {
        let consumable = Fixtures.consumable(RtpParameters(codecs: [entry.codec], encodings: entry.encodings), kind: .video)
        let consumer = try Self.consumer(consumable)
        #expect(consumer.encodings.count == 1)
        #expect(consumer.encodings[0].scalabilityMode == entry.expected)
    }

    @Test func consumerMaxBitrateIsTheHighestEncodings() throws {
        let consumable = Fixtures.consumable(
            RtpParameters(
                codecs: [Fixtures.vp8()],
                encodings: [
                    RtpEncodingParameters(ssrc: 1, maxBitrate: 100_000), RtpEncodingParameters(ssrc: 2, maxBitrate: 900_000),
                    RtpEncodingParameters(ssrc: 3, maxBitrate: 300_000),
                ]),
            kind: .video)
        let consumer = try Self.consumer(consumable)
        #expect(consumer.encodings[0].maxBitrate == 900_000)
    }
}
