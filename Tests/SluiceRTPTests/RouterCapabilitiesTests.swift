import Foundation
import Testing
import SluiceRTP

@Suite("Router RTP capabilities")
struct RouterCapabilitiesTests {
    static let caps = Fixtures.routerCapabilities

    static let videoFeedback = [
        RtcpFeedback(type: "nack"), RtcpFeedback(type: "nack", parameter: "pli"),
        RtcpFeedback(type: "ccm", parameter: "fir"), RtcpFeedback(type: "goog-remb"), RtcpFeedback(type: "transport-cc"),
    ]
    static let startBitrate: CodecParameters = ["x-google-start-bitrate": .int(1000)]
    static func h264(_ profileLevelId: String) -> CodecParameters {
        [
            "packetization-mode": .int(1), "profile-level-id": .string(profileLevelId),
            "level-asymmetry-allowed": .int(1), "x-google-start-bitrate": .int(1000),
        ]
    }

    /// The table of reference/broadcaster-api.md, "Default router media codecs".
    static let expectedCodecs: [RtpCodecCapability] = [
        RtpCodecCapability(
            kind: .audio, mimeType: "audio/opus", preferredPayloadType: 100, clockRate: 48000, channels: 2,
            rtcpFeedback: [RtcpFeedback(type: "nack"), RtcpFeedback(type: "transport-cc")]),
        RtpCodecCapability(
            kind: .video, mimeType: "video/VP8", preferredPayloadType: 101, clockRate: 90000, parameters: startBitrate,
            rtcpFeedback: videoFeedback),
        RtpCodecCapability(
            kind: .video, mimeType: "video/rtx", preferredPayloadType: 102, clockRate: 90000, parameters: ["apt": .int(101)]),
        RtpCodecCapability(
            kind: .video, mimeType: "video/VP9", preferredPayloadType: 103, clockRate: 90000,
            parameters: ["profile-id": .int(2), "x-google-start-bitrate": .int(1000)], rtcpFeedback: videoFeedback),
        RtpCodecCapability(
            kind: .video, mimeType: "video/rtx", preferredPayloadType: 104, clockRate: 90000, parameters: ["apt": .int(103)]),
        RtpCodecCapability(
            kind: .video, mimeType: "video/H264", preferredPayloadType: 105, clockRate: 90000, parameters: h264("4d0032"),
            rtcpFeedback: videoFeedback),
        RtpCodecCapability(
            kind: .video, mimeType: "video/rtx", preferredPayloadType: 106, clockRate: 90000, parameters: ["apt": .int(105)]),
        RtpCodecCapability(
            kind: .video, mimeType: "video/H264", preferredPayloadType: 107, clockRate: 90000, parameters: h264("42e01f"),
            rtcpFeedback: videoFeedback),
        RtpCodecCapability(
            kind: .video, mimeType: "video/rtx", preferredPayloadType: 108, clockRate: 90000, parameters: ["apt": .int(107)]),
    ]

    typealias Uri = RtpHeaderExtensionUri

    /// The table of reference/rtp-engine.md, "Header extensions", in mediasoup's order.
    static let expectedHeaderExtensions: [RtpHeaderExtension] = [
        RtpHeaderExtension(kind: .audio, uri: "urn:ietf:params:rtp-hdrext:sdes:mid", preferredId: 1, direction: .sendrecv),
        RtpHeaderExtension(kind: .video, uri: "urn:ietf:params:rtp-hdrext:sdes:mid", preferredId: 1, direction: .sendrecv),
        RtpHeaderExtension(
            kind: .video, uri: "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id", preferredId: 2, direction: .recvonly),
        RtpHeaderExtension(
            kind: .video, uri: "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id", preferredId: 3, direction: .recvonly),
        RtpHeaderExtension(
            kind: .audio, uri: "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time", preferredId: 4,
            direction: .sendrecv),
        RtpHeaderExtension(
            kind: .video, uri: "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time", preferredId: 4,
            direction: .sendrecv),
        RtpHeaderExtension(
            kind: .audio, uri: "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01", preferredId: 5,
            direction: .recvonly),
        RtpHeaderExtension(
            kind: .video, uri: "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01", preferredId: 5,
            direction: .sendrecv),
        RtpHeaderExtension(kind: .audio, uri: "urn:ietf:params:rtp-hdrext:ssrc-audio-level", preferredId: 10, direction: .sendrecv),
        RtpHeaderExtension(kind: .video, uri: "urn:3gpp:video-orientation", preferredId: 11, direction: .sendrecv),
        RtpHeaderExtension(kind: .video, uri: "urn:ietf:params:rtp-hdrext:toffset", preferredId: 12, direction: .sendrecv),
        RtpHeaderExtension(
            kind: .audio, uri: "http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time", preferredId: 13,
            direction: .sendrecv),
        RtpHeaderExtension(
            kind: .video, uri: "http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time", preferredId: 13,
            direction: .sendrecv),
        RtpHeaderExtension(
            kind: .audio, uri: "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay", preferredId: 14,
            direction: .sendrecv),
        RtpHeaderExtension(
            kind: .video, uri: "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay", preferredId: 14,
            direction: .sendrecv),
    ]

    @Test func defaultCodecsGiveNineCodecsWithPayloadTypes100To108() {
        #expect(Self.caps.codecs.count == 9)
        #expect(Self.caps.codecs.map(\.preferredPayloadType) == Array(100...108).map { Optional($0) })
        #expect(Self.caps.codecs.map(\.mimeType) == [
            "audio/opus", "video/VP8", "video/rtx", "video/VP9", "video/rtx", "video/H264", "video/rtx", "video/H264",
            "video/rtx",
        ])
    }

    @Test(arguments: zip(0..<9, expectedCodecs))
    func defaultCodecMatchesReference(index: Int, expected: RtpCodecCapability) throws {
        try #require(Self.caps.codecs.count == 9)
        #expect(Self.caps.codecs[index] == expected)
    }

    @Test func videoCodecsAreEachFollowedByTheirRtx() {
        for (index, codec) in Self.caps.codecs.enumerated() where codec.kind == .video && !codec.isRtx {
            let next = Self.caps.codecs[index + 1]
            #expect(next.isRtx)
            #expect(next.parameters["apt"] == .int(codec.preferredPayloadType ?? -1))
            #expect(next.rtcpFeedback.isEmpty)
            #expect(codec.parameters["x-google-start-bitrate"] == .int(1000))
        }
    }

    @Test func everyFeedbackEntryEncodesAParameterString() throws {
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(Self.caps)) as? [String: Any]
        let codecs = try #require(json?["codecs"] as? [[String: Any]])
        let feedback = codecs.flatMap { $0["rtcpFeedback"] as? [[String: Any]] ?? [] }
        #expect(feedback.count == 2 + 4 * 5)
        for entry in feedback {
            #expect(entry["parameter"] is String, "\(entry)")
        }
    }

    /// broadcaster-api.md: every codec entry has kind, mimeType, clockRate, preferredPayloadType,
    /// channels (audio only), parameters, rtcpFeedback; absent keys are omitted, never null.
    @Test func jsonShapeOfTheCapabilities() throws {
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(Self.caps)) as? [String: Any]
        #expect(json.map { Set($0.keys) } == ["codecs", "headerExtensions"])
        let codecs = try #require(json?["codecs"] as? [[String: Any]])
        for codec in codecs {
            let keys = Set(codec.keys)
            let audio = codec["kind"] as? String == "audio"
            let expected: Set<String> = ["kind", "mimeType", "clockRate", "preferredPayloadType", "parameters", "rtcpFeedback"]
            #expect(keys == (audio ? expected.union(["channels"]) : expected), "\(codec)")
        }
        let extensions = try #require(json?["headerExtensions"] as? [[String: Any]])
        for ext in extensions {
            #expect(Set(ext.keys) == ["kind", "uri", "preferredId", "preferredEncrypt", "direction"])
            #expect(ext["preferredEncrypt"] as? Bool == false)
        }
    }

    @Test func headerExtensionsMatchTheReferenceTable() {
        #expect(Self.caps.headerExtensions == Self.expectedHeaderExtensions)
        #expect(Self.caps.headerExtensions.allSatisfy { !$0.preferredEncrypt })
        #expect(Self.caps.headerExtensions.count == 15)
    }

    @Test func preferredPayloadTypeIsHonoured() throws {
        let caps = try Ortc.generateRouterRtpCapabilities(mediaCodecs: [
            RtpCodecCapability(kind: .audio, mimeType: "audio/opus", preferredPayloadType: 111, clockRate: 48000, channels: 2),
            RtpCodecCapability(kind: .video, mimeType: "video/VP8", preferredPayloadType: 96, clockRate: 90000),
            RtpCodecCapability(kind: .video, mimeType: "video/VP9", clockRate: 90000),
        ])
        #expect(caps.codecs.map(\.preferredPayloadType) == [111, 96, 100, 101, 102])
        #expect(caps.codecs[2].parameters["apt"] == .int(96))
        #expect(caps.codecs[4].parameters["apt"] == .int(101))
    }

    /// Sluice reserves explicitly asked payload types before allocating dynamic ones, so a later
    /// `preferredPayloadType: 100` does not clash with an earlier codec (mediasoup would throw here).
    @Test func requestedPayloadTypesAreReservedBeforeDynamicAllocation() throws {
        let caps = try Ortc.generateRouterRtpCapabilities(mediaCodecs: [
            RtpCodecCapability(kind: .video, mimeType: "video/VP8", clockRate: 90000),
            RtpCodecCapability(kind: .audio, mimeType: "audio/opus", preferredPayloadType: 100, clockRate: 48000, channels: 2),
        ])
        #expect(caps.codecs.map(\.preferredPayloadType) == [101, 102, 100])
    }

    @Test func duplicatedPreferredPayloadTypeIsInvalid() {
        let kind = ortcErrorKind {
            _ = try Ortc.generateRouterRtpCapabilities(mediaCodecs: [
                RtpCodecCapability(kind: .audio, mimeType: "audio/opus", preferredPayloadType: 100, clockRate: 48000, channels: 2),
                RtpCodecCapability(kind: .video, mimeType: "video/VP8", preferredPayloadType: 100, clockRate: 90000),
            ])
        }
        #expect(kind == .invalid)
    }

    @Test func staticPayloadTypeForPCMU() throws {
        let caps = try Ortc.generateRouterRtpCapabilities(mediaCodecs: [
            RtpCodecCapability(kind: .audio, mimeType: "audio/PCMU", clockRate: 8000),
            RtpCodecCapability(kind: .audio, mimeType: "audio/opus", clockRate: 48000, channels: 2),
        ])
        #expect(caps.codecs.count == 2)
        #expect(caps.codecs[0].mimeType == "audio/PCMU")
        #expect(caps.codecs[0].preferredPayloadType == 0)
        #expect(caps.codecs[0].channels == 1)
        #expect(caps.codecs[0].rtcpFeedback == [RtcpFeedback(type: "transport-cc")])
        #expect(caps.codecs[1].preferredPayloadType == 100)
    }

    @Test func mimeTypeMatchesCaseInsensitively() throws {
        let caps = try Ortc.generateRouterRtpCapabilities(mediaCodecs: [
            RtpCodecCapability(kind: .audio, mimeType: "AUDIO/OPUS", clockRate: 48000, channels: 2),
            RtpCodecCapability(kind: .video, mimeType: "video/vp8", clockRate: 90000),
        ])
        #expect(caps.codecs.map(\.mimeType) == ["audio/opus", "video/VP8", "video/rtx"])
    }

    @Test func mediaCodecParametersAreMergedOverTheSupportedOnes() throws {
        let caps = try Ortc.generateRouterRtpCapabilities(mediaCodecs: [
            RtpCodecCapability(
                kind: .audio, mimeType: "audio/opus", clockRate: 48000, channels: 2, parameters: ["useinbandfec": .int(1)])
        ])
        #expect(caps.codecs[0].parameters == ["useinbandfec": .int(1)])
    }

    /// As in mediasoup, the mime type decides the kind; a disagreeing `kind` is overridden.
    @Test func mimeTypeDecidesTheKind() throws {
        let caps = try Ortc.generateRouterRtpCapabilities(mediaCodecs: [
            RtpCodecCapability(kind: .video, mimeType: "audio/opus", clockRate: 48000, channels: 2)
        ])
        #expect(caps.codecs.count == 1)
        #expect(caps.codecs[0].kind == .audio)
        #expect(caps.codecs[0].channels == 2)
    }

    struct Refused: Sendable, CustomTestStringConvertible {
        var name: String
        var codec: RtpCodecCapability
        var expected: OrtcErrorKind
        var testDescription: String { name }
    }

    static let refused: [Refused] = [
        Refused(
            name: "ISAC is not supported", codec: RtpCodecCapability(kind: .audio, mimeType: "audio/ISAC", clockRate: 16000),
            expected: .unsupported),
        Refused(
            name: "unknown video codec", codec: RtpCodecCapability(kind: .video, mimeType: "video/VP7", clockRate: 90000),
            expected: .unsupported),
        Refused(
            name: "opus without channels 2 (channels default to 1)",
            codec: RtpCodecCapability(kind: .audio, mimeType: "audio/opus", clockRate: 48000), expected: .unsupported),
        Refused(
            name: "VP8 at the wrong clock rate",
            codec: RtpCodecCapability(kind: .video, mimeType: "video/VP8", clockRate: 48000), expected: .unsupported),
        Refused(
            name: "RTX as a media codec",
            codec: RtpCodecCapability(kind: .video, mimeType: "video/rtx", clockRate: 90000, parameters: ["apt": .int(101)]),
            expected: .invalid),
        Refused(
            name: "mime type without a kind",
            codec: RtpCodecCapability(kind: .audio, mimeType: "opus", clockRate: 48000, channels: 2), expected: .invalid),
        Refused(
            name: "clock rate 0", codec: RtpCodecCapability(kind: .video, mimeType: "video/VP8", clockRate: 0),
            expected: .invalid),
        Refused(
            name: "preferredPayloadType out of range",
            codec: RtpCodecCapability(kind: .video, mimeType: "video/VP8", preferredPayloadType: 128, clockRate: 90000),
            expected: .invalid),
    ]

    @Test(arguments: refused)
    func unsupportedOrInvalidCodecIsRefused(_ entry: Refused) {
        let kind = ortcErrorKind { _ = try Ortc.generateRouterRtpCapabilities(mediaCodecs: [entry.codec]) }
        #expect(kind == entry.expected)
    }
}
