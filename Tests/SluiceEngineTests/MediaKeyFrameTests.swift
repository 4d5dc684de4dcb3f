import NIOCore
import SluiceEngine
import SluiceRTP
import Testing

/// Key-frame requests: PLI coalescing towards the producer.
@Suite("Media: key-frame requests")
struct MediaKeyFrameTests {
    struct TwoConsumers {
        let h: MediaHarness
        let first: MediaConsumer
        let second: MediaConsumer

        init(seed: UInt64) throws {
            h = try MediaHarness(seed: seed)
            let r1 = try h.addReceiver(port: 5004)
            let r2 = try h.addReceiver(port: 5006)
            first = try h.consume(h.videoProducerId, on: r1)
            second = try h.consume(h.videoProducerId, on: r2)
            #expect(first.transportId != second.transportId)
            // Latch the sender and let both consumers start on the first key frame.
            h.runVideo(for: 500)
            #expect(h.plisToSender().isEmpty)
            #expect(h.rtp(to: first.address).count == h.videoSent.count)
            #expect(h.rtp(to: second.address).count == h.videoSent.count)
        }

        func pli(from consumer: MediaConsumer) {
            h.fromReceiver([.pli(PictureLossIndication(senderSsrc: 0x5151, mediaSsrc: consumer.ssrc))], consumer: consumer)
        }
    }

    /// Two consumers ask at t and t+300 ms: one PLI goes upstream. The sender's next key frame
    /// (its GOP, at t+600 ms) settles the request; a new PLI at t+1200 ms goes upstream again.
    @Test func plisOfTwoConsumersWithinOneSecondAreCoalesced() throws {
        let setup = try TwoConsumers(seed: 21)
        let h = setup.h
        let t = h.now + 20
        h.runVideo(until: t)
        setup.pli(from: setup.first)
        h.runVideo(until: t + 300)
        setup.pli(from: setup.second)
        h.runVideo(until: t + 600)
        h.keyFrameNext = true
        h.runVideo(until: t + 1200)
        #expect(h.plisToSender(since: t) == [t], "one PLI for both requests")
        setup.pli(from: setup.first)
        h.runVideo(until: t + 1500)
        #expect(h.plisToSender(since: t) == [t, t + 1200])
        // Every PLI left on the producer's transport, to the latched sender.
        let plis = h.sent.filter { datagram in
            (datagram.rtcp ?? []).contains { if case .pli = $0 { true } else { false } }
        }
        #expect(plis.allSatisfy { $0.destination == MediaHarness.senderAddress && $0.transportId == h.sendTransportId })
        let stats = try h.producerStats(h.videoProducerId)
        #expect(stats.keyFrameRequestsSent == 2)
        #expect(stats.keyFrameRequestsCoalesced == 1)
        #expect(try h.consumerStats(setup.first).pliCount == 2)
        #expect(try h.consumerStats(setup.second).pliCount == 1)
    }

    /// A sender that never answers (ffmpeg ignores PLI): the request is repeated once after 1000 ms,
    /// and a consumer PLI inside that second window is coalesced too.
    @Test func unansweredPliIsRetriedOnceAfterOneSecond() throws {
        let setup = try TwoConsumers(seed: 22)
        let h = setup.h
        let t = h.now + 20
        h.runVideo(until: t)
        setup.pli(from: setup.first)
        h.runVideo(until: t + 300)
        setup.pli(from: setup.second)
        h.runVideo(until: t + 1200)
        setup.pli(from: setup.first)
        h.runVideo(until: t + 1500)
        let plis = h.plisToSender(since: t)
        #expect(plis.count == 2)
        #expect(plis.first == t)
        if plis.count == 2 {
            let retryDelay = plis[1].milliseconds(since: t)
            #expect((1000..<1020).contains(retryDelay), "retry after the 1000 ms window, got \(retryDelay) ms")
        }
    }

    /// A FIR (ccm fir) from a consumer is a key-frame request like a PLI; towards a producer that
    /// negotiated `nack pli` the router asks with a PLI.
    @Test func firFromConsumerBecomesPliUpstream() throws {
        let setup = try TwoConsumers(seed: 23)
        let h = setup.h
        let t = h.now + 20
        h.runVideo(until: t)
        h.fromReceiver(
            [.fir(FullIntraRequest(senderSsrc: 0x5151, mediaSsrc: 0, entries: [.init(ssrc: setup.first.ssrc, sequenceNumber: 1)]))],
            consumer: setup.first)
        h.runVideo(until: t + 100)
        #expect(h.plisToSender(since: t) == [t])
        #expect(try h.consumerStats(setup.first).firCount == 1)
    }
}
