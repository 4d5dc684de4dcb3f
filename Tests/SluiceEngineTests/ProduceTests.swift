import Testing
import SluiceEngine
import SluiceRTP

@Suite("Producers")
struct ProduceTests {
    /// A room with broadcaster "A" and two plain transports.
    static func room() throws -> (Room, String, String) {
        let room = EngineFixtures.room()
        _ = try room.createBroadcaster(EngineFixtures.broadcaster("A"))
        let first = try room.createPlainTransport(
            broadcasterId: "A", options: PlainTransportOptions(), binding: EngineFixtures.plainBinding(port: 40000)
        ).id
        let second = try room.createPlainTransport(
            broadcasterId: "A", options: PlainTransportOptions(), binding: EngineFixtures.plainBinding(port: 40002)
        ).id
        return (room, first, second)
    }

    static func produce(_ room: Room, _ transportId: String, _ options: ProduceOptions) -> EngineErrorKind? {
        engineErrorKind { _ = try room.produce(broadcasterId: "A", transportId: transportId, options: options) }
    }

    @Test func referenceScriptProducers() throws {
        let (room, transport, _) = try Self.room()
        let audio = try room.produce(broadcasterId: "A", transportId: transport, options: EngineFixtures.audio())
        let video = try room.produce(broadcasterId: "A", transportId: transport, options: EngineFixtures.video())
        let audioState = try room.producerState(broadcasterId: "A", producerId: audio)
        let videoState = try room.producerState(broadcasterId: "A", producerId: video)
        #expect(audioState.kind == .audio)
        #expect(audioState.type == .simple)
        #expect(audioState.paused == false)
        #expect(audioState.transportId == transport)
        #expect(videoState.kind == .video)
        #expect(videoState.rtpParameters.rtcp.reducedSize == true)
        // No cname in the script: the transport gives one, the same for both producers.
        let cname = try #require(audioState.rtpParameters.rtcp.cname)
        #expect(!cname.isEmpty)
        #expect(videoState.rtpParameters.rtcp.cname == cname)
        #expect(try room.transportState(broadcasterId: "A", transportId: transport).producerIds == [audio, video])
    }

    @Test func producerIdsAreLowercaseUuids() throws {
        let (room, transport, _) = try Self.room()
        let id = try room.produce(broadcasterId: "A", transportId: transport, options: EngineFixtures.video())
        let groups = id.split(separator: "-").map(\.count)
        #expect(groups == [8, 4, 4, 4, 12])
        #expect(id == id.lowercased())
        #expect(Array(id)[14] == "4")
    }

    @Test func producerCnameIsKeptWhenGiven() throws {
        let (room, transport, _) = try Self.room()
        var options = EngineFixtures.video()
        options.rtpParameters.rtcp.cname = "gst-cname"
        let id = try room.produce(broadcasterId: "A", transportId: transport, options: options)
        #expect(try room.producerState(broadcasterId: "A", producerId: id).rtpParameters.rtcp.cname == "gst-cname")
    }

    @Test func gstreamerH264ProducerGetsTheAnswerProfile() throws {
        let (room, transport, _) = try Self.room()
        let options = ProduceOptions(
            kind: .video,
            rtpParameters: RtpParameters(
                codecs: [
                    RtpCodecParameters(
                        mimeType: "video/H264", payloadType: 102, clockRate: 90000,
                        parameters: ["packetization-mode": .int(1), "profile-level-id": .string("42e032")])
                ],
                encodings: [RtpEncodingParameters(ssrc: 2222)]))
        let id = try room.produce(broadcasterId: "A", transportId: transport, options: options)
        let state = try room.producerState(broadcasterId: "A", producerId: id)
        #expect(state.rtpParameters.codecs[0].parameters["profile-level-id"] == .string("42e01f"))
    }

    @Test func duplicateSsrcOnTheSameTransportIsAConflict() throws {
        let (room, first, second) = try Self.room()
        #expect(Self.produce(room, first, EngineFixtures.video(ssrc: 2222)) == nil)
        #expect(Self.produce(room, first, EngineFixtures.audio(ssrc: 2222)) == .conflict)
        #expect(Self.produce(room, second, EngineFixtures.audio(ssrc: 2222)) == nil)
    }

    @Test func rtxSsrcClashingWithAnotherProducersSsrcIsAConflict() throws {
        let (room, first, _) = try Self.room()
        #expect(Self.produce(room, first, EngineFixtures.audio(ssrc: 3000)) == nil)
        var video = EngineFixtures.video(ssrc: 2999)
        video.rtpParameters.codecs.append(
            RtpCodecParameters(mimeType: "video/rtx", payloadType: 102, clockRate: 90000, parameters: ["apt": .int(101)]))
        video.rtpParameters.encodings[0].rtx = RtxParameters(ssrc: 3000)
        #expect(Self.produce(room, first, video) == .conflict)
    }

    @Test func duplicateMidOnTheSameTransportIsAConflict() throws {
        let (room, first, second) = try Self.room()
        #expect(Self.produce(room, first, EngineFixtures.video(ssrc: 1, mid: "0")) == nil)
        #expect(Self.produce(room, first, EngineFixtures.video(ssrc: 2, mid: "0")) == .conflict)
        #expect(Self.produce(room, first, EngineFixtures.video(ssrc: 2, mid: "1")) == nil)
        #expect(Self.produce(room, second, EngineFixtures.video(ssrc: 1, mid: "0")) == nil)
    }

    static func simulcast(mid: String?, rids: [String]) -> ProduceOptions {
        ProduceOptions(
            kind: .video,
            rtpParameters: RtpParameters(
                mid: mid, codecs: [RtpCodecParameters(mimeType: "video/VP8", payloadType: 101, clockRate: 90000)],
                encodings: rids.map { RtpEncodingParameters(rid: $0) }))
    }

    @Test func duplicateRidIsAConflictOnlyWithoutMid() throws {
        let (room, first, _) = try Self.room()
        #expect(Self.produce(room, first, Self.simulcast(mid: nil, rids: ["q", "h"])) == nil)
        #expect(Self.produce(room, first, Self.simulcast(mid: nil, rids: ["h", "f"])) == .conflict)
        #expect(Self.produce(room, first, Self.simulcast(mid: "1", rids: ["q", "h"])) == nil)
    }

    @Test func closedProducerFreesItsSsrcAndMid() throws {
        let (room, first, _) = try Self.room()
        let id = try room.produce(broadcasterId: "A", transportId: first, options: EngineFixtures.video(ssrc: 5, mid: "v"))
        try room.closeProducer(broadcasterId: "A", producerId: id)
        #expect(Self.produce(room, first, EngineFixtures.video(ssrc: 5, mid: "v")) == nil)
    }

    @Test func invalidParametersAreInvalid() throws {
        let (room, first, _) = try Self.room()
        var options = EngineFixtures.video()
        options.rtpParameters.codecs = []
        #expect(Self.produce(room, first, options) == .invalid)
    }

    @Test func unsupportedCodecIsUnsupported() throws {
        let (room, first, _) = try Self.room()
        let isac = ProduceOptions(
            kind: .audio,
            rtpParameters: RtpParameters(
                codecs: [RtpCodecParameters(mimeType: "audio/ISAC", payloadType: 103, clockRate: 16000)],
                encodings: [RtpEncodingParameters(ssrc: 1)]))
        #expect(Self.produce(room, first, isac) == .unsupported)
    }

    @Test func unknownTransportOrBroadcasterIsNotFound() throws {
        let (room, _, _) = try Self.room()
        #expect(Self.produce(room, "nope", EngineFixtures.video()) == .notFound)
        #expect(
            engineErrorKind { _ = try room.produce(broadcasterId: "Z", transportId: "nope", options: EngineFixtures.video()) }
                == .notFound)
    }

    @Test func producerTypes() throws {
        let (room, first, _) = try Self.room()
        let simulcast = try room.produce(broadcasterId: "A", transportId: first, options: Self.simulcast(mid: "s", rids: ["q", "h", "f"]))
        #expect(try room.producerState(broadcasterId: "A", producerId: simulcast).type == .simulcast)
        let svc = ProduceOptions(
            kind: .video,
            rtpParameters: RtpParameters(
                codecs: [
                    RtpCodecParameters(mimeType: "video/VP9", payloadType: 98, clockRate: 90000, parameters: ["profile-id": .int(2)])
                ],
                encodings: [RtpEncodingParameters(ssrc: 77, scalabilityMode: "L3T3_KEY")]))
        let svcId = try room.produce(broadcasterId: "A", transportId: first, options: svc)
        #expect(try room.producerState(broadcasterId: "A", producerId: svcId).type == .svc)
    }

    @Test func producedPausedStartsPaused() throws {
        let (room, first, _) = try Self.room()
        var options = EngineFixtures.video()
        options.paused = true
        let id = try room.produce(broadcasterId: "A", transportId: first, options: options)
        #expect(try room.producerState(broadcasterId: "A", producerId: id).paused)
    }

    // reference/rtp-engine.md: "several encodings → simulcast (VP8, H264 only)"; mediasoup's
    // Producer refuses other codecs ("<codec> codec not supported for simulcast").
    @Test
    func simulcastOpusIsRefused() throws {
        let (room, first, _) = try Self.room()
        var audio = EngineFixtures.audio(ssrc: 1)
        audio.rtpParameters.encodings.append(RtpEncodingParameters(ssrc: 2))
        #expect(Self.produce(room, first, audio) == .unsupported)
    }

    @Test
    func simulcastVp9IsRefused() throws {
        let (room, first, _) = try Self.room()
        let vp9 = ProduceOptions(
            kind: .video,
            rtpParameters: RtpParameters(
                codecs: [
                    RtpCodecParameters(mimeType: "video/VP9", payloadType: 98, clockRate: 90000, parameters: ["profile-id": .int(2)])
                ],
                encodings: [RtpEncodingParameters(ssrc: 1), RtpEncodingParameters(ssrc: 2), RtpEncodingParameters(ssrc: 3)]))
        #expect(Self.produce(room, first, vp9) == .unsupported)
    }

    // reference/rtp-engine.md: one encoding with S>1 or T>1 is svc (VP9) or simulcast (VP8, H264);
    // an audio codec with layers is neither, and mediasoup refuses it.
    @Test
    func layeredOpusIsRefused() throws {
        let (room, first, _) = try Self.room()
        var audio = EngineFixtures.audio(ssrc: 1)
        audio.rtpParameters.encodings[0].scalabilityMode = "L1T3"
        #expect(Self.produce(room, first, audio) == .unsupported)
    }
}
