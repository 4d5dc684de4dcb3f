import Testing
import SluiceEngine
import SluiceRTP

@Suite("Pause, resume, close and ownership")
struct LifecycleTests {
    @Test func idsAreScopedToTheirBroadcaster() throws {
        let setup = try TwoBroadcasters()
        let room = setup.room
        let consumer = try setup.consume(setup.videoProducer)
        let checks: [(String, EngineErrorKind?)] = [
            ("B GET A's producer", engineErrorKind { _ = try room.producerState(broadcasterId: "B", producerId: setup.videoProducer) }),
            ("B pauses A's producer", engineErrorKind { _ = try room.setProducerPaused(true, broadcasterId: "B", producerId: setup.videoProducer) }),
            ("B closes A's producer", engineErrorKind { try room.closeProducer(broadcasterId: "B", producerId: setup.videoProducer) }),
            ("A GET B's consumer", engineErrorKind { _ = try room.consumerState(broadcasterId: "A", consumerId: consumer.id) }),
            ("A closes B's consumer", engineErrorKind { try room.closeConsumer(broadcasterId: "A", consumerId: consumer.id) }),
            ("B GET A's transport", engineErrorKind { _ = try room.transportState(broadcasterId: "B", transportId: setup.sendTransport) }),
            ("B closes A's transport", engineErrorKind { try room.closeTransport(broadcasterId: "B", transportId: setup.sendTransport) }),
            ("unknown broadcaster", engineErrorKind { _ = try room.producerState(broadcasterId: "Z", producerId: setup.videoProducer) }),
        ]
        for (name, kind) in checks {
            #expect(kind == .notFound, "\(name)")
        }
        // Nothing was closed or paused by the refused calls.
        #expect(try room.producerState(broadcasterId: "A", producerId: setup.videoProducer).paused == false)
        #expect(try room.consumerState(broadcasterId: "B", consumerId: consumer.id).producerPaused == false)
        #expect(try room.broadcasterState("A").transports.count == 1)
    }

    @Test func pausingAProducerFlipsItsConsumersProducerPaused() throws {
        let setup = try TwoBroadcasters()
        let room = setup.room
        let first = try setup.consume(setup.videoProducer)
        let second = try setup.consume(setup.videoProducer)
        let audio = try setup.consume(setup.audioProducer)
        _ = room.drainEvents()

        let paused = try room.setProducerPaused(true, broadcasterId: "A", producerId: setup.videoProducer)
        #expect(paused.paused)
        #expect(try room.consumerState(broadcasterId: "B", consumerId: first.id).producerPaused)
        #expect(try room.consumerState(broadcasterId: "B", consumerId: second.id).producerPaused)
        #expect(try room.consumerState(broadcasterId: "B", consumerId: audio.id).producerPaused == false)
        #expect(try room.consumerState(broadcasterId: "B", consumerId: first.id).paused == false)
        #expect(room.drainEvents() == [
            .producerPaused(producerId: setup.videoProducer, broadcasterId: "A"),
            .consumerProducerPaused(consumerId: first.id, broadcasterId: "B"),
            .consumerProducerPaused(consumerId: second.id, broadcasterId: "B"),
        ])

        // Pausing again is a no-op.
        _ = try room.setProducerPaused(true, broadcasterId: "A", producerId: setup.videoProducer)
        #expect(room.drainEvents().isEmpty)

        // A consumer created while the producer is paused starts producerPaused.
        let late = try setup.consume(setup.videoProducer)
        #expect(late.producerPaused)
        _ = room.drainEvents()

        let resumed = try room.setProducerPaused(false, broadcasterId: "A", producerId: setup.videoProducer)
        #expect(!resumed.paused)
        for id in [first.id, second.id, late.id] {
            #expect(try room.consumerState(broadcasterId: "B", consumerId: id).producerPaused == false)
        }
        #expect(room.drainEvents() == [
            .producerResumed(producerId: setup.videoProducer, broadcasterId: "A"),
            .consumerProducerResumed(consumerId: first.id, broadcasterId: "B"),
            .consumerProducerResumed(consumerId: second.id, broadcasterId: "B"),
            .consumerProducerResumed(consumerId: late.id, broadcasterId: "B"),
        ])
    }

    @Test func closingAProducerClosesItsConsumers() throws {
        let setup = try TwoBroadcasters()
        let room = setup.room
        let video = try setup.consume(setup.videoProducer)
        let audio = try setup.consume(setup.audioProducer)
        _ = room.drainEvents()

        try room.closeProducer(broadcasterId: "A", producerId: setup.videoProducer)
        #expect(room.drainEvents() == [
            .consumerClosed(consumerId: video.id, broadcasterId: "B"),
            .producerClosed(producerId: setup.videoProducer, broadcasterId: "A"),
        ])
        #expect(engineErrorKind { _ = try room.consumerState(broadcasterId: "B", consumerId: video.id) } == .notFound)
        #expect(engineErrorKind { _ = try room.producerState(broadcasterId: "A", producerId: setup.videoProducer) } == .notFound)
        #expect(try room.consumerState(broadcasterId: "B", consumerId: audio.id).producerId == setup.audioProducer)
        #expect(try room.transportState(broadcasterId: "B", transportId: setup.recvTransport).consumerIds == [audio.id])
        #expect(try room.transportState(broadcasterId: "A", transportId: setup.sendTransport).producerIds == [setup.audioProducer])
        // And the closed producer can no longer be consumed.
        #expect(engineErrorKind { _ = try setup.consume(setup.videoProducer) } == .notFound)
    }

    @Test func closingAConsumerLeavesTheProducer() throws {
        let setup = try TwoBroadcasters()
        let room = setup.room
        let consumer = try setup.consume(setup.videoProducer)
        _ = room.drainEvents()
        try room.closeConsumer(broadcasterId: "B", consumerId: consumer.id)
        #expect(room.drainEvents() == [.consumerClosed(consumerId: consumer.id, broadcasterId: "B")])
        #expect(try room.broadcasterState("B").consumers.isEmpty)
        #expect(try room.producerState(broadcasterId: "A", producerId: setup.videoProducer).paused == false)
        // Closing the producer now reports only the producer.
        try room.closeProducer(broadcasterId: "A", producerId: setup.videoProducer)
        #expect(room.drainEvents() == [.producerClosed(producerId: setup.videoProducer, broadcasterId: "A")])
    }

    @Test func closingTheReceivingTransportClosesItsConsumersOnly() throws {
        let setup = try TwoBroadcasters()
        let room = setup.room
        let consumer = try setup.consume(setup.videoProducer)
        _ = room.drainEvents()
        try room.closeTransport(broadcasterId: "B", transportId: setup.recvTransport)
        #expect(room.drainEvents() == [
            .consumerClosed(consumerId: consumer.id, broadcasterId: "B"),
            .transportClosed(transportId: setup.recvTransport, broadcasterId: "B"),
        ])
        #expect(try room.broadcasterState("A").producers.count == 2)
    }

    @Test func broadcasterStateListsWhatItOwns() throws {
        let setup = try TwoBroadcasters()
        let consumer = try setup.consume(setup.videoProducer)
        let a = try setup.room.broadcasterState("A")
        let b = try setup.room.broadcasterState("B")
        #expect(a.transports.map(\.id) == [setup.sendTransport])
        #expect(a.producers.map(\.id) == [setup.audioProducer, setup.videoProducer])
        #expect(a.consumers.isEmpty)
        #expect(b.transports.map(\.id) == [setup.recvTransport])
        #expect(b.producers.isEmpty)
        #expect(b.consumers.map(\.id) == [consumer.id])
        #expect(b.rtpCapabilities == EngineFixtures.routerCapabilities)
        #expect(setup.room.summary(worker: 1) == RoomSummary(id: "room", worker: 1, broadcasters: 2, transports: 2, producers: 2, consumers: 1))
    }

    @Test func drainEventsEmptiesTheQueue() throws {
        let setup = try TwoBroadcasters()
        _ = try setup.room.setProducerPaused(true, broadcasterId: "A", producerId: setup.audioProducer)
        #expect(!setup.room.drainEvents().isEmpty)
        #expect(setup.room.drainEvents().isEmpty)
    }
}
