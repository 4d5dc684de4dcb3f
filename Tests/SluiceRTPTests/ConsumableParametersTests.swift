import Testing
import SluiceRTP

@Suite("Consumable RTP parameters")
struct ConsumableParametersTests {
    typealias Uri = RtpHeaderExtensionUri

    static func consumable(_ parameters: RtpParameters, kind: MediaKind, base: UInt32 = 900_000_000) throws -> RtpParameters {
        try Fixtures.produce(parameters, kind: kind, mappedSsrcBase: base).consumable
    }

    @Test func videoUsesRouterPayloadTypesWithRtxAfterMedia() throws {
        let parameters = RtpParameters(
            codecs: [Fixtures.vp8(pt: 96, parameters: ["x-custom": .int(7)]), Fixtures.rtx(pt: 97, apt: .int(96))],
            encodings: [RtpEncodingParameters(ssrc: 2222, rtx: RtxParameters(ssrc: 2223))])
        let consumable = try Self.consumable(parameters, kind: .video)
        #expect(consumable.codecs.map(\.payloadType) == [101, 102])
        #expect(consumable.codecs.map(\.mimeType) == ["video/VP8", "video/rtx"])
        // The producer's codec parameters are kept, not the router's.
        #expect(consumable.codecs[0].parameters == ["x-custom": .int(7)])
        #expect(consumable.codecs[0].rtcpFeedback == RouterCapabilitiesTests.videoFeedback)
        #expect(consumable.codecs[1].parameters == ["apt": .int(101)])
        #expect(consumable.codecs[1].rtcpFeedback.isEmpty)
    }

    @Test func rtxIsOfferedEvenWhenTheProducerSendsNone() throws {
        let consumable = try Self.consumable(Fixtures.videoParameters, kind: .video)
        #expect(consumable.codecs.map(\.payloadType) == [101, 102])
    }

    @Test func gstreamerH264IsConsumableAtTheRouterPayloadTypeWithTheAnswer() throws {
        let parameters = RtpParameters(
            codecs: [Fixtures.h264(pt: 96, profileLevelId: "42e032")], encodings: [RtpEncodingParameters(ssrc: 1)])
        let consumable = try Self.consumable(parameters, kind: .video)
        #expect(consumable.codecs.map(\.payloadType) == [107, 108])
        #expect(consumable.codecs[0].mimeType == "video/H264")
        #expect(consumable.codecs[0].parameters["profile-level-id"] == .string("42e01f"))
        #expect(consumable.codecs[1].parameters["apt"] == .int(107))
    }

    @Test func audioHasNoRtxAndTheRoutersChannels() throws {
        let consumable = try Self.consumable(Fixtures.audioParameters, kind: .audio)
        #expect(consumable.codecs.count == 1)
        #expect(consumable.codecs[0].payloadType == 100)
        #expect(consumable.codecs[0].channels == 2)
        #expect(consumable.codecs[0].parameters == ["sprop-stereo": .int(1)])
        #expect(consumable.codecs[0].rtcpFeedback == [RtcpFeedback(type: "nack"), RtcpFeedback(type: "transport-cc")])
    }

    @Test func videoHeaderExtensionsAreTheSendableOnes() throws {
        let consumable = try Self.consumable(Fixtures.videoParameters, kind: .video)
        #expect(consumable.headerExtensions.map(\.id) == [1, 4, 5, 11, 12, 13, 14])
        #expect(consumable.headerExtensions.map(\.uri) == [
            Uri.mid, Uri.absSendTime, Uri.transportWideCc, Uri.videoOrientation, Uri.toffset, Uri.absCaptureTime,
            Uri.playoutDelay,
        ])
        #expect(!consumable.headerExtensions.contains { $0.uri == Uri.rtpStreamId || $0.uri == Uri.repairedRtpStreamId })
        #expect(consumable.headerExtensions.allSatisfy { !$0.encrypt })
    }

    @Test func audioHeaderExtensionsLeaveOutReceiveOnlyTransportCc() throws {
        let consumable = try Self.consumable(Fixtures.audioParameters, kind: .audio)
        #expect(consumable.headerExtensions.map(\.id) == [1, 4, 10, 13, 14])
        #expect(!consumable.headerExtensions.contains { $0.uri == Uri.transportWideCc })
    }

    @Test func encodingsCarryMappedSsrcsOnly() throws {
        let parameters = RtpParameters(
            codecs: [Fixtures.vp8(pt: 96), Fixtures.rtx(pt: 97, apt: .int(96))],
            encodings: [
                RtpEncodingParameters(ssrc: 10, codecPayloadType: 96, rtx: RtxParameters(ssrc: 11), scalabilityMode: "L1T3", maxBitrate: 100_000),
                RtpEncodingParameters(ssrc: 20, rtx: RtxParameters(ssrc: 21), maxBitrate: 500_000),
            ])
        let consumable = try Self.consumable(parameters, kind: .video, base: 4000)
        #expect(consumable.encodings.map(\.ssrc) == [4000, 4001])
        #expect(consumable.encodings.allSatisfy { $0.rid == nil && $0.rtx == nil && $0.codecPayloadType == nil })
        #expect(consumable.encodings[0].scalabilityMode == "L1T3")
        #expect(consumable.encodings.map(\.maxBitrate) == [100_000, 500_000])
    }

    @Test func ridsAreRemoved() throws {
        let parameters = RtpParameters(
            mid: "0", codecs: [Fixtures.vp8()], encodings: [RtpEncodingParameters(rid: "q"), RtpEncodingParameters(rid: "h")])
        let consumable = try Self.consumable(parameters, kind: .video, base: 50)
        #expect(consumable.encodings == [RtpEncodingParameters(ssrc: 50), RtpEncodingParameters(ssrc: 51)])
        #expect(consumable.mid == nil)
    }

    @Test func rtcpCarriesTheProducerCname() throws {
        var parameters = Fixtures.videoParameters
        parameters.rtcp = RtcpParameters(cname: "ffmpeg-cname", reducedSize: false)
        let consumable = try Self.consumable(parameters, kind: .video)
        #expect(consumable.rtcp.cname == "ffmpeg-cname")
        #expect(consumable.rtcp.reducedSize == true)
    }
}
