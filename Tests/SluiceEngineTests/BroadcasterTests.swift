import Testing
import SluiceEngine
import SluiceRTP

@Suite("Broadcasters")
struct BroadcasterTests {
    @Test func firstBroadcasterSeesNoPeers() throws {
        let room = EngineFixtures.room()
        let peers = try room.createBroadcaster(EngineFixtures.broadcaster("A", capabilities: EngineFixtures.routerCapabilities))
        #expect(peers.isEmpty)
        #expect(room.broadcasterStates().map(\.id) == ["A"])
    }

    @Test func duplicateIdIsAConflict() throws {
        let room = EngineFixtures.room()
        _ = try room.createBroadcaster(EngineFixtures.broadcaster("A"))
        let before = room.broadcasterStates()
        #expect(engineErrorKind { _ = try room.createBroadcaster(EngineFixtures.broadcaster("A")) } == .conflict)
        #expect(room.broadcasterStates() == before)
    }

    @Test func deviceIsFlaggedAsBroadcaster() throws {
        let room = EngineFixtures.room()
        _ = try room.createBroadcaster(
            BroadcasterOptions(id: "A", displayName: "Cam", device: BroadcasterDevice(name: "GStreamer", version: "1.22")))
        let state = try room.broadcasterState("A")
        #expect(state.device == BroadcasterDevice(flag: "broadcaster", name: "GStreamer", version: "1.22"))
        #expect(state.displayName == "Cam")
        #expect(state.rtpCapabilities == nil)
    }

    @Test func peersListOtherBroadcastersWithTheProducersTheNewOneCanConsume() throws {
        let setup = try TwoBroadcasters()
        let room = setup.room
        // B has no producers; A has audio and video. C can receive both.
        let peers = try room.createBroadcaster(EngineFixtures.broadcaster("C", capabilities: EngineFixtures.routerCapabilities))
        #expect(peers.map(\.id) == ["A", "B"])
        #expect(peers[0].displayName == "Broadcaster A")
        #expect(peers[0].device.flag == "broadcaster")
        #expect(peers[0].producers.map(\.id) == [setup.audioProducer, setup.videoProducer])
        #expect(peers[0].producers.map(\.kind) == [.audio, .video])
        #expect(peers[1].producers.isEmpty)
    }

    @Test func peersLeaveOutProducersTheNewOneCannotConsume() throws {
        let setup = try TwoBroadcasters()
        let audioOnly = RtpCapabilities(codecs: [
            RtpCodecCapability(kind: .audio, mimeType: "audio/opus", preferredPayloadType: 100, clockRate: 48000, channels: 2)
        ])
        let peers = try setup.room.createBroadcaster(EngineFixtures.broadcaster("C", capabilities: audioOnly))
        #expect(peers.first?.producers.map(\.id) == [setup.audioProducer])
    }

    @Test func peersAreEmptyWithoutRtpCapabilities() throws {
        let setup = try TwoBroadcasters()
        let peers = try setup.room.createBroadcaster(EngineFixtures.broadcaster("C"))
        #expect(peers.isEmpty)
    }

    @Test func invalidCapabilitiesAreRefused() {
        let room = EngineFixtures.room()
        let bad = RtpCapabilities(codecs: [RtpCodecCapability(kind: .video, mimeType: "video/rtx", clockRate: 90000)])
        #expect(engineErrorKind { _ = try room.createBroadcaster(EngineFixtures.broadcaster("A", capabilities: bad)) } == .invalid)
        #expect(room.broadcasterStates().isEmpty)
    }

    @Test func unknownBroadcasterIsNotFound() {
        let room = EngineFixtures.room()
        #expect(engineErrorKind { _ = try room.broadcasterState("nope") } == .notFound)
        #expect(engineErrorKind { try room.deleteBroadcaster("nope") } == .notFound)
        #expect(
            engineErrorKind {
                _ = try room.createPlainTransport(
                    broadcasterId: "nope", options: PlainTransportOptions(), binding: EngineFixtures.plainBinding())
            } == .notFound)
    }

    @Test func deleteBroadcasterCascadesAndReportsEvents() throws {
        let setup = try TwoBroadcasters()
        let room = setup.room
        let consumer = try setup.consume(setup.videoProducer)
        _ = room.drainEvents()

        try room.deleteBroadcaster("A")
        let events = room.drainEvents()
        #expect(events.contains(.consumerClosed(consumerId: consumer.id, broadcasterId: "B")))
        #expect(events.contains(.producerClosed(producerId: setup.audioProducer, broadcasterId: "A")))
        #expect(events.contains(.producerClosed(producerId: setup.videoProducer, broadcasterId: "A")))
        #expect(events.contains(.transportClosed(transportId: setup.sendTransport, broadcasterId: "A")))
        #expect(events.last == .broadcasterClosed(broadcasterId: "A"))
        // Consumers close before their producer, producers before their transport.
        let consumerIndex = try #require(events.firstIndex(of: .consumerClosed(consumerId: consumer.id, broadcasterId: "B")))
        let producerIndex = try #require(
            events.firstIndex(of: .producerClosed(producerId: setup.videoProducer, broadcasterId: "A")))
        let transportIndex = try #require(
            events.firstIndex(of: .transportClosed(transportId: setup.sendTransport, broadcasterId: "A")))
        #expect(consumerIndex < producerIndex)
        #expect(producerIndex < transportIndex)

        #expect(room.broadcasterStates().map(\.id) == ["B"])
        let b = try room.broadcasterState("B")
        #expect(b.consumers.isEmpty)
        #expect(b.transports.first?.consumerIds == [])
        #expect(room.summary(worker: 0) == RoomSummary(id: "room", worker: 0, broadcasters: 1, transports: 1, producers: 0, consumers: 0))
        #expect(room.drainEvents().isEmpty)
    }

    @Test func deletedIdCanBeReused() throws {
        let room = EngineFixtures.room()
        _ = try room.createBroadcaster(EngineFixtures.broadcaster("A"))
        try room.deleteBroadcaster("A")
        #expect(engineErrorKind { _ = try room.createBroadcaster(EngineFixtures.broadcaster("A")) } == nil)
    }

    @Test func roomCloseClosesEverything() throws {
        let setup = try TwoBroadcasters()
        _ = try setup.consume(setup.audioProducer)
        setup.room.close()
        #expect(setup.room.broadcasterStates().isEmpty)
        #expect(setup.room.summary(worker: 3) == RoomSummary(id: "room", worker: 3, broadcasters: 0, transports: 0, producers: 0, consumers: 0))
    }

    @Test func sameSeedGivesTheSameIds() throws {
        let first = try TwoBroadcasters(seed: 99)
        let second = try TwoBroadcasters(seed: 99)
        #expect(first.sendTransport == second.sendTransport)
        #expect(first.videoProducer == second.videoProducer)
        #expect(try first.consume(first.videoProducer) == second.consume(second.videoProducer))
        let other = try TwoBroadcasters(seed: 100)
        #expect(other.videoProducer != first.videoProducer)
    }
}
