import Testing
import SluiceRTP

@Suite("Producer RTP mapping")
struct ProducerMappingTests {
    static let caps = Fixtures.routerCapabilities

    static func map(_ parameters: RtpParameters, base: UInt32 = 7000) throws -> (RtpParameters, RtpMapping) {
        var parameters = parameters
        let mapping = try Ortc.producerRtpMapping(&parameters, routerCapabilities: caps, mappedSsrcBase: base)
        return (parameters, mapping)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var codec: RtpCodecParameters
        var mappedPayloadType: Int
        var testDescription: String { name }
    }

    static let payloadTypeCases: [Case] = [
        Case(name: "opus 100 → 100", codec: Fixtures.opus(pt: 100), mappedPayloadType: 100),
        Case(name: "opus 111 → 100", codec: Fixtures.opus(pt: 111), mappedPayloadType: 100),
        Case(name: "VP8 101 → 101", codec: Fixtures.vp8(pt: 101), mappedPayloadType: 101),
        Case(name: "VP8 96 → 101", codec: Fixtures.vp8(pt: 96), mappedPayloadType: 101),
        Case(name: "vp8 lowercase 101 → 101", codec: RtpCodecParameters(mimeType: "video/vp8", payloadType: 101, clockRate: 90000), mappedPayloadType: 101),
        Case(name: "VP9 profile 2 98 → 103", codec: Fixtures.vp9(pt: 98), mappedPayloadType: 103),
        Case(name: "H264 4d0032 → 105", codec: Fixtures.h264(pt: 96, profileLevelId: "4d0032"), mappedPayloadType: 105),
        Case(name: "H264 42e01f → 107", codec: Fixtures.h264(pt: 102, profileLevelId: "42e01f"), mappedPayloadType: 107),
        Case(name: "H264 42e032 (GStreamer) → 107", codec: Fixtures.h264(pt: 102, profileLevelId: "42e032"), mappedPayloadType: 107),
        Case(name: "H264 without profile-level-id (CB 3.1) → 107", codec: Fixtures.h264(pt: 102, profileLevelId: nil), mappedPayloadType: 107),
    ]

    @Test(arguments: payloadTypeCases)
    func mediaPayloadTypeMapsToTheRouters(_ entry: Case) throws {
        let parameters = RtpParameters(codecs: [entry.codec], encodings: [RtpEncodingParameters(ssrc: 1)])
        let (_, mapping) = try Self.map(parameters)
        #expect(mapping.codecs.count == 1)
        #expect(mapping.mappedPayloadType(for: entry.codec.payloadType) == entry.mappedPayloadType)
    }

    @Test func gstreamerH264AnswerIsWrittenBack() throws {
        let parameters = RtpParameters(codecs: [Fixtures.h264(pt: 102, profileLevelId: "42e032")], encodings: [RtpEncodingParameters(ssrc: 2222)])
        let (mapped, mapping) = try Self.map(parameters)
        #expect(mapping.mappedPayloadType(for: 102) == 107)
        #expect(mapped.codecs[0].parameters["profile-level-id"] == .string("42e01f"))
        #expect(mapped.codecs[0].parameters["packetization-mode"] == .int(1))
        #expect(mapped.codecs[0].payloadType == 102)
    }

    @Test func h264WithLevelAsymmetryKeepsItsOwnLevel() throws {
        let parameters = RtpParameters(
            codecs: [Fixtures.h264(pt: 102, profileLevelId: "42e032", asymmetry: 1)], encodings: [RtpEncodingParameters(ssrc: 1)])
        let (mapped, _) = try Self.map(parameters)
        #expect(mapped.codecs[0].parameters["profile-level-id"] == .string("42e032"))
    }

    @Test func h264WithoutProfileLevelIdGetsTheAnswerWritten() throws {
        let parameters = RtpParameters(codecs: [Fixtures.h264(pt: 102, profileLevelId: nil)], encodings: [RtpEncodingParameters(ssrc: 1)])
        let (mapped, _) = try Self.map(parameters)
        #expect(mapped.codecs[0].parameters["profile-level-id"] == .string("42e01f"))
    }

    @Test(arguments: [(101, 102), (103, 104), (105, 106), (107, 108)])
    func rtxMapsToTheRoutersRtxOfTheMediaCodec(routerMedia: Int, routerRtx: Int) throws {
        let media: RtpCodecParameters
        switch routerMedia {
        case 101: media = Fixtures.vp8(pt: 96)
        case 103: media = Fixtures.vp9(pt: 96)
        case 105: media = Fixtures.h264(pt: 96, profileLevelId: "4d0032")
        default: media = Fixtures.h264(pt: 96, profileLevelId: "42e01f")
        }
        let parameters = RtpParameters(
            codecs: [media, Fixtures.rtx(pt: 97, apt: .int(96))],
            encodings: [RtpEncodingParameters(ssrc: 1, rtx: RtxParameters(ssrc: 2))])
        let (_, mapping) = try Self.map(parameters)
        #expect(mapping.codecs.count == 2)
        #expect(mapping.mappedPayloadType(for: 96) == routerMedia)
        #expect(mapping.mappedPayloadType(for: 97) == routerRtx)
    }

    @Test func rtxWithAStringApt() throws {
        let parameters = RtpParameters(
            codecs: [Fixtures.vp8(pt: 96), Fixtures.rtx(pt: 97, apt: .string("96"))], encodings: [RtpEncodingParameters(ssrc: 1)])
        let (_, mapping) = try Self.map(parameters)
        #expect(mapping.mappedPayloadType(for: 97) == 102)
    }

    @Test func mappedSsrcsAreBasePlusIndex() throws {
        let parameters = RtpParameters(
            codecs: [Fixtures.vp8()],
            encodings: [
                RtpEncodingParameters(ssrc: 11, scalabilityMode: "L1T3"), RtpEncodingParameters(ssrc: 22),
                RtpEncodingParameters(ssrc: 33),
            ])
        let (_, mapping) = try Self.map(parameters, base: 123_456_789)
        #expect(mapping.encodings.map(\.mappedSsrc) == [123_456_789, 123_456_790, 123_456_791])
        #expect(mapping.encodings.map(\.ssrc) == [11, 22, 33])
        #expect(mapping.encodings[0].scalabilityMode == "L1T3")
    }

    @Test func mappedEncodingsKeepRids() throws {
        let parameters = RtpParameters(
            mid: "0", codecs: [Fixtures.vp8()],
            encodings: [RtpEncodingParameters(rid: "q"), RtpEncodingParameters(rid: "h"), RtpEncodingParameters(rid: "f")])
        let (_, mapping) = try Self.map(parameters, base: 10)
        #expect(mapping.encodings.map(\.rid) == ["q", "h", "f"])
        #expect(mapping.encodings.map(\.ssrc) == [nil, nil, nil])
        #expect(mapping.encodings.map(\.mappedSsrc) == [10, 11, 12])
    }

    @Test func mappedSsrcWrapsAround() throws {
        let parameters = RtpParameters(
            codecs: [Fixtures.vp8()], encodings: [RtpEncodingParameters(ssrc: 1), RtpEncodingParameters(ssrc: 2)])
        let (_, mapping) = try Self.map(parameters, base: UInt32.max)
        #expect(mapping.encodings.map(\.mappedSsrc) == [UInt32.max, 0])
    }

    @Test func unmatchedCodecIsUnsupported() {
        var parameters = RtpParameters(
            codecs: [RtpCodecParameters(mimeType: "video/H265", payloadType: 100, clockRate: 90000)],
            encodings: [RtpEncodingParameters(ssrc: 1)])
        let kind = ortcErrorKind {
            _ = try Ortc.producerRtpMapping(&parameters, routerCapabilities: Self.caps, mappedSsrcBase: 1)
        }
        #expect(kind == .unsupported)
    }
}
