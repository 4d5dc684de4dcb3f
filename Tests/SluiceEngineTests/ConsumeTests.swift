import Testing
import SluiceEngine
import SluiceRTP

@Suite("Consumers")
struct ConsumeTests {
    @Test func videoConsumerUsesRouterPayloadTypesAndFreshSsrcs() throws {
        let setup = try TwoBroadcasters()
        let consumer = try setup.consume(setup.videoProducer)
        #expect(consumer.producerId == setup.videoProducer)
        #expect(consumer.kind == .video)
        #expect(consumer.type == .simple)
        #expect(consumer.paused == false)
        #expect(consumer.producerPaused == false)
        #expect(consumer.transportId == setup.recvTransport)
        let parameters = consumer.rtpParameters
        #expect(parameters.mid == "0")
        #expect(parameters.codecs.map(\.payloadType) == [101, 102])
        let encoding = try #require(parameters.encodings.first)
        #expect(parameters.encodings.count == 1)
        let ssrc = try #require(encoding.ssrc)
        #expect(ssrc != 2222)
        #expect((100_000_000...999_999_999).contains(ssrc))
        // RTX is on for video by default.
        #expect(encoding.rtx?.ssrc == ssrc + 1)
        #expect(parameters.codecs[0].rtcpFeedback.contains(RtcpFeedback(type: "nack")))
        #expect(parameters.rtcp.cname != nil)
    }

    @Test func audioConsumerHasNoRtxByDefault() throws {
        let setup = try TwoBroadcasters()
        let consumer = try setup.consume(setup.audioProducer)
        #expect(consumer.rtpParameters.codecs.map(\.payloadType) == [100])
        #expect(consumer.rtpParameters.encodings[0].rtx == nil)
        #expect(!consumer.rtpParameters.codecs[0].rtcpFeedback.contains(RtcpFeedback(type: "nack")))
    }

    @Test func rtxCanBeTurnedOff() throws {
        let setup = try TwoBroadcasters()
        let consumer = try setup.room.consume(
            broadcasterId: "B", transportId: setup.recvTransport,
            options: ConsumeOptions(producerId: setup.videoProducer, enableRtx: false))
        #expect(consumer.rtpParameters.codecs.map(\.payloadType) == [101])
        #expect(consumer.rtpParameters.encodings[0].rtx == nil)
        #expect(!consumer.rtpParameters.codecs[0].rtcpFeedback.contains(RtcpFeedback(type: "nack")))
        #expect(consumer.rtpParameters.codecs[0].rtcpFeedback.contains(RtcpFeedback(type: "nack", parameter: "pli")))
    }

    @Test func midsCountUpPerTransport() throws {
        let setup = try TwoBroadcasters()
        let first = try setup.consume(setup.audioProducer)
        let second = try setup.consume(setup.videoProducer)
        let third = try setup.consume(setup.videoProducer)
        #expect([first, second, third].map(\.rtpParameters.mid) == ["0", "1", "2"])
        #expect(second.id != third.id)
        #expect(second.rtpParameters.encodings[0].ssrc != third.rtpParameters.encodings[0].ssrc)
    }

    @Test func consumeWithoutCapabilitiesIsInvalid() throws {
        let setup = try TwoBroadcasters()
        // A was created without rtpCapabilities and sends none in the body.
        let kind = engineErrorKind {
            _ = try setup.room.consume(
                broadcasterId: "A", transportId: setup.sendTransport, options: ConsumeOptions(producerId: setup.videoProducer))
        }
        #expect(kind == .invalid)
    }

    @Test func capabilitiesInTheBodyOverrideTheBroadcasters() throws {
        let setup = try TwoBroadcasters()
        let consumer = try setup.room.consume(
            broadcasterId: "A", transportId: setup.sendTransport,
            options: ConsumeOptions(producerId: setup.videoProducer, rtpCapabilities: EngineFixtures.routerCapabilities))
        #expect(consumer.rtpParameters.codecs[0].payloadType == 101)

        let opusOnly = RtpCapabilities(codecs: [
            RtpCodecCapability(kind: .audio, mimeType: "audio/opus", preferredPayloadType: 100, clockRate: 48000, channels: 2)
        ])
        let kind = engineErrorKind {
            _ = try setup.room.consume(
                broadcasterId: "B", transportId: setup.recvTransport,
                options: ConsumeOptions(producerId: setup.videoProducer, rtpCapabilities: opusOnly))
        }
        #expect(kind == .unsupported)
    }

    @Test func incompatibleCapabilitiesAreUnsupported() throws {
        let setup = try TwoBroadcasters()
        let isacOnly = RtpCapabilities(codecs: [
            RtpCodecCapability(kind: .audio, mimeType: "audio/ISAC", preferredPayloadType: 103, clockRate: 16000)
        ])
        _ = try setup.room.createBroadcaster(EngineFixtures.broadcaster("C", capabilities: isacOnly))
        let transport = try setup.room.createPlainTransport(
            broadcasterId: "C", options: PlainTransportOptions(), binding: EngineFixtures.plainBinding(port: 40020)
        ).id
        let before = setup.room.broadcasterStates()
        let kind = engineErrorKind {
            _ = try setup.room.consume(
                broadcasterId: "C", transportId: transport, options: ConsumeOptions(producerId: setup.audioProducer))
        }
        #expect(kind == .unsupported)
        #expect(setup.room.broadcasterStates() == before)
    }

    @Test func h264ProducerConsumableOnlyWithTheSameProfile() throws {
        let setup = try TwoBroadcasters()
        let h264 = ProduceOptions(
            kind: .video,
            rtpParameters: RtpParameters(
                codecs: [
                    RtpCodecParameters(
                        mimeType: "video/H264", payloadType: 102, clockRate: 90000,
                        parameters: ["packetization-mode": .int(1), "profile-level-id": .string("42e01f")])
                ],
                encodings: [RtpEncodingParameters(ssrc: 3333)]))
        let producer = try setup.room.produce(broadcasterId: "A", transportId: setup.sendTransport, options: h264)
        func caps(_ profileLevelId: String) -> RtpCapabilities {
            RtpCapabilities(codecs: [
                RtpCodecCapability(
                    kind: .video, mimeType: "video/H264", preferredPayloadType: 107, clockRate: 90000,
                    parameters: ["packetization-mode": .int(1), "profile-level-id": .string(profileLevelId)])
            ])
        }
        let consumer = try setup.room.consume(
            broadcasterId: "B", transportId: setup.recvTransport,
            options: ConsumeOptions(producerId: producer, rtpCapabilities: caps("42e01f")))
        #expect(consumer.rtpParameters.codecs.map(\.payloadType) == [107])
        let kind = engineErrorKind {
            _ = try setup.room.consume(
                broadcasterId: "B", transportId: setup.recvTransport,
                options: ConsumeOptions(producerId: producer, rtpCapabilities: caps("4d0032")))
        }
        #expect(kind == .unsupported)
    }

    @Test func simulcastProducerGivesASimulcastConsumer() throws {
        let setup = try TwoBroadcasters()
        let simulcast = ProduceOptions(
            kind: .video,
            rtpParameters: RtpParameters(
                codecs: [RtpCodecParameters(mimeType: "video/VP8", payloadType: 96, clockRate: 90000)],
                encodings: [
                    RtpEncodingParameters(ssrc: 10, scalabilityMode: "L1T3", maxBitrate: 150_000),
                    RtpEncodingParameters(ssrc: 11, scalabilityMode: "L1T3", maxBitrate: 500_000),
                    RtpEncodingParameters(ssrc: 12, scalabilityMode: "L1T3", maxBitrate: 1_500_000),
                ]))
        let producer = try setup.room.produce(broadcasterId: "A", transportId: setup.sendTransport, options: simulcast)
        #expect(try setup.room.producerState(broadcasterId: "A", producerId: producer).type == .simulcast)
        let consumer = try setup.consume(producer)
        #expect(consumer.type == .simulcast)
        #expect(consumer.rtpParameters.encodings.count == 1)
        #expect(consumer.rtpParameters.encodings[0].scalabilityMode == "L3T3")
        #expect(consumer.rtpParameters.encodings[0].maxBitrate == 1_500_000)
    }

    @Test func unknownProducerIsNotFound() throws {
        let setup = try TwoBroadcasters()
        let kind = engineErrorKind {
            _ = try setup.room.consume(broadcasterId: "B", transportId: setup.recvTransport, options: ConsumeOptions(producerId: "nope"))
        }
        #expect(kind == .notFound)
    }

    @Test func unknownTransportIsNotFound() throws {
        let setup = try TwoBroadcasters()
        // B cannot consume on A's transport.
        let kind = engineErrorKind {
            _ = try setup.room.consume(
                broadcasterId: "B", transportId: setup.sendTransport, options: ConsumeOptions(producerId: setup.videoProducer))
        }
        #expect(kind == .notFound)
    }

    @Test func pausedConsumerAndConsumerPauseResume() throws {
        let setup = try TwoBroadcasters()
        let consumer = try setup.consume(setup.videoProducer, paused: true)
        #expect(consumer.paused)
        _ = setup.room.drainEvents()
        let resumed = try setup.room.setConsumerPaused(false, broadcasterId: "B", consumerId: consumer.id)
        #expect(!resumed.paused)
        #expect(setup.room.drainEvents() == [.consumerResumed(consumerId: consumer.id, broadcasterId: "B")])
        // Resuming again changes nothing and reports nothing.
        _ = try setup.room.setConsumerPaused(false, broadcasterId: "B", consumerId: consumer.id)
        #expect(setup.room.drainEvents().isEmpty)
        _ = try setup.room.setConsumerPaused(true, broadcasterId: "B", consumerId: consumer.id)
        #expect(setup.room.drainEvents() == [.consumerPaused(consumerId: consumer.id, broadcasterId: "B")])
        #expect(try setup.room.consumerState(broadcasterId: "B", consumerId: consumer.id).paused)
    }
}
