import NIOCore
import SluiceEngine
import SluiceRTP
import Testing

/// Records what a tap receives.
final class RecordingTap: ProducerTap {
    var items: [(producerId: String, media: TappedMedia)] = []

    func tapped(_ media: TappedMedia, producerId: String) { items.append((producerId, media)) }

    var attached: [TappedProducer] {
        items.compactMap { if case .attached(let producer) = $0.media { producer } else { nil } }
    }

    func rtp(of producerId: String) -> [RtpPacket] {
        items.compactMap { item in
            guard item.producerId == producerId, case .rtp(let buffer, _, _) = item.media else { return nil }
            return try? RtpPacket(parsing: buffer)
        }
    }

    func count(_ predicate: (TappedMedia) -> Bool) -> Int { items.filter { predicate($0.media) }.count }
}

@Suite("Producer taps")
struct ProducerTapTests {
    @Test func roomTapSeesEveryProducerInRouterTermsAndRequestsKeyFrames() throws {
        let h = try MediaHarness(seed: 5)
        h.runVideo(for: 200)
        let tap = RecordingTap()
        let attached = try h.router.attachTap(tap, selection: .room, now: h.now)
        #expect(Set(attached) == [h.videoProducerId, h.audioProducerId])
        #expect(tap.attached.map(\.kind) == [.video, .audio], "in creation order")
        let video = try #require(tap.attached.first)
        #expect(video.codecs.first?.mimeType == "video/VP8")
        #expect(video.codecs.first?.payloadType == 101)
        h.flush()
        #expect(h.plisToSender().count == 1, "attaching asks the video sender for a key frame")
        h.runVideo(for: 200)
        let packets = tap.rtp(of: h.videoProducerId)
        #expect(packets.count == 10)
        #expect(packets.allSatisfy { $0.ssrc == video.ssrc && $0.payloadType == 101 })
    }

    @Test func pauseCloseAndSenderReportsReachTheTap() throws {
        let h = try MediaHarness(seed: 6)
        let tap = RecordingTap()
        try h.router.attachTap(tap, selection: .producers([h.videoProducerId]), now: h.now)
        h.runVideo(for: 100)
        let report = SenderReport(
            ssrc: MediaHarness.videoSsrc, ntpTimestamp: 0x1234_5678_0000_0000, rtpTimestamp: 9000, packetCount: 5, octetCount: 500)
        h.fromSender(RtcpCompound.serialize([.senderReport(report)]))
        #expect(tap.count { if case .senderReport(0x1234_5678_0000_0000, 9000, _) = $0 { true } else { false } } == 1)
        _ = try h.room.setProducerPaused(true, broadcasterId: MediaHarness.producerBroadcaster, producerId: h.videoProducerId)
        let before = tap.rtp(of: h.videoProducerId).count
        h.runVideo(for: 100)
        #expect(tap.rtp(of: h.videoProducerId).count == before, "nothing while paused")
        _ = try h.room.setProducerPaused(false, broadcasterId: MediaHarness.producerBroadcaster, producerId: h.videoProducerId)
        h.runVideo(for: 100)
        #expect(tap.rtp(of: h.videoProducerId).count > before)
        try h.room.closeProducer(broadcasterId: MediaHarness.producerBroadcaster, producerId: h.videoProducerId)
        #expect(tap.count { if case .paused = $0 { true } else { false } } == 1)
        #expect(tap.count { if case .resumed = $0 { true } else { false } } == 1)
        guard case .closed = tap.items.last?.media else {
            Issue.record("closed must be the last item")
            return
        }
        #expect(tap.rtp(of: h.audioProducerId).isEmpty, "only the selected producer")
    }

    @Test func broadcasterTapFollowsNewProducersAndDetachStops() throws {
        let h = try MediaHarness(seed: 7)
        let tap = RecordingTap()
        try h.router.attachTap(tap, selection: .broadcaster(MediaHarness.producerBroadcaster), now: h.now)
        #expect(tap.attached.count == 2)
        let newId = try h.room.produce(
            broadcasterId: MediaHarness.producerBroadcaster, transportId: h.sendTransportId,
            options: ProduceOptions(
                kind: .audio,
                rtpParameters: RtpParameters(
                    codecs: [RtpCodecParameters(mimeType: "audio/opus", payloadType: 111, clockRate: 48000, channels: 2)],
                    encodings: [RtpEncodingParameters(ssrc: 3333)])))
        #expect(tap.attached.map(\.id).last == newId)
        h.router.detachTap(tap)
        let count = tap.items.count
        h.runVideo(for: 100)
        #expect(tap.items.count == count)
    }

    @Test func badSelectionsAreRefused() throws {
        let h = try MediaHarness(seed: 8)
        let tap = RecordingTap()
        #expect(throws: EngineError.self) { try h.router.attachTap(tap, selection: .producers(["nope"]), now: h.now) }
        #expect(throws: EngineError.self) { try h.router.attachTap(tap, selection: .producers([]), now: h.now) }
        #expect(throws: EngineError.self) {
            try h.router.attachTap(tap, selection: .broadcaster("nobody"), broadcasterExists: false, now: h.now)
        }
        #expect(throws: EngineError.self) { try h.router.attachTap(tap, selection: .broadcaster(MediaHarness.consumerBroadcaster), now: h.now) }
        #expect(tap.items.isEmpty, "a refused selection attaches nothing")
        h.runVideo(for: 100)
        #expect(tap.items.isEmpty)
    }
}
