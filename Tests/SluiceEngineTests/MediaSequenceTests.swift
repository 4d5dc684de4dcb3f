import NIOCore
import SluiceEngine
import SluiceRTP
import Testing

/// What consumers send: sequence rewriting, key-frame gating, padding, SSRC/PT rewriting.
@Suite("Media: consumer sequence and rewriting")
struct MediaSequenceTests {
    enum PauseSide: String, CaseIterable, CustomTestStringConvertible {
        case consumer, producer
        var testDescription: String { rawValue }
    }

    /// Output numbers continue across a pause with no gap; after resume the consumer drops until a
    /// key frame (counting the drops) and asks upstream for one.
    @Test(arguments: PauseSide.allCases)
    func pauseAndResumeKeepSequenceContiguousAndWaitForKeyFrame(_ side: PauseSide) throws {
        let h = try MediaHarness(seed: 31)
        let receiver = try h.addReceiver()
        let consumer = try h.consume(h.videoProducerId, on: receiver)
        func output() -> [RtpPacket] { h.rtp(to: receiver.address).filter { $0.ssrc == consumer.ssrc } }
        func setPaused(_ paused: Bool) throws {
            switch side {
            case .consumer:
                let state = try h.room.setConsumerPaused(
                    paused, broadcasterId: MediaHarness.consumerBroadcaster, consumerId: consumer.id)
                #expect(state.paused == paused)
            case .producer:
                let state = try h.room.setProducerPaused(
                    paused, broadcasterId: MediaHarness.producerBroadcaster, producerId: h.videoProducerId)
                #expect(state.paused == paused)
                #expect(
                    try h.room.consumerState(broadcasterId: MediaHarness.consumerBroadcaster, consumerId: consumer.id)
                        .producerPaused == paused)
            }
        }

        h.runVideo(for: 400)
        let before = output()
        #expect(before.count == 21)
        for (previous, next) in zip(before, before.dropFirst()) { #expect(next.sequenceNumber == previous.sequenceNumber &+ 1) }
        let lastBeforePause = try #require(before.last).sequenceNumber

        try setPaused(true)
        h.runVideo(for: 300)
        #expect(output().count == before.count, "nothing is sent while paused")

        try setPaused(false)
        let resumedAt = h.now + 1
        let droppedBefore = try h.consumerStats(consumer).packetsDroppedWaitingForKeyFrame
        h.runVideo(for: 200)  // deltas only
        #expect(output().count == before.count, "deltas after resume are dropped")
        let dropped = try h.consumerStats(consumer).packetsDroppedWaitingForKeyFrame - droppedBefore
        #expect(dropped == 10)
        let plis = h.plisToSender(since: resumedAt)
        #expect(plis.count == 1, "one PLI upstream for the resync")

        h.keyFrameNext = true
        h.runVideo(for: 200)
        let after = Array(output().dropFirst(before.count))
        #expect(after.count == 10)
        let firstAfter = try #require(after.first)
        #expect(MediaVp8.isKeyFrame(firstAfter), "the first packet after resume is a key frame")
        #expect(firstAfter.sequenceNumber == lastBeforePause &+ 1, "no gap across the pause")
        for (previous, next) in zip(after, after.dropFirst()) { #expect(next.sequenceNumber == previous.sequenceNumber &+ 1) }
        #expect(try h.consumerStats(consumer).packetsSent == before.count + after.count)
    }

    /// The first packet a consumer sends is a key frame, numbered in [1000, 32767].
    @Test(arguments: [UInt64(41), 42, 43, 44, 45, 46, 47, 48])
    func outputStartsAtKeyFrameWithRandomSequenceInRange(_ seed: UInt64) throws {
        let h = try MediaHarness(seed: seed)
        let receiver = try h.addReceiver()
        let consumer = try h.consume(h.videoProducerId, on: receiver)
        h.keyFrameNext = false
        h.runVideo(for: 100)  // six deltas: nothing out yet, one PLI
        #expect(h.rtp(to: receiver.address).isEmpty)
        #expect(h.plisToSender().count == 1)
        #expect(try h.consumerStats(consumer).packetsDroppedWaitingForKeyFrame == 6)
        h.keyFrameNext = true
        h.runVideo(for: 100)
        let output = h.rtp(to: receiver.address)
        #expect(output.count == 5)
        let first = try #require(output.first)
        #expect(MediaVp8.isKeyFrame(first))
        #expect((1000...32767).contains(first.sequenceNumber))
        for (previous, next) in zip(output, output.dropFirst()) { #expect(next.sequenceNumber == previous.sequenceNumber &+ 1) }
    }

    /// Padding-only packets (bandwidth probes) are not forwarded, and take no number: the receiver
    /// sees no gap.
    @Test func paddingOnlyPacketsAreDroppedWithoutGap() throws {
        let h = try MediaHarness(seed: 51)
        let receiver = try h.addReceiver()
        let consumer = try h.consume(h.videoProducerId, on: receiver)
        var seq: UInt16 = 500
        var sentMedia = 0
        for index in 0..<40 {
            h.advance(by: 10)
            let padding = index % 5 == 3 || index % 7 == 6
            if padding {
                h.fromSender(
                    RtpPacket(
                        payloadType: 101, sequenceNumber: seq, timestamp: 0, ssrc: MediaHarness.videoSsrc, payload: [],
                        paddingLength: 200))
            } else {
                h.sendVideo(seq: seq, keyFrame: index == 0)
                sentMedia += 1
            }
            seq &+= 1
        }
        // Probes at 3, 6, 8, 13, 18, 20, 23, 27, 28, 33, 34, 38: single and back to back.
        let output = h.rtp(to: receiver.address).filter { $0.ssrc == consumer.ssrc }
        #expect(output.count == sentMedia)
        #expect(output.allSatisfy { !$0.isPaddingOnly && $0.paddingLength == 0 })
        for (previous, next) in zip(output, output.dropFirst()) { #expect(next.sequenceNumber == previous.sequenceNumber &+ 1) }
        #expect(MediaVp8.isKeyFrame(try #require(output.first)))
    }

    /// Packets leave with the consumer's SSRC and the router's payload type; timestamp, marker and
    /// payload are untouched.
    @Test(arguments: [101, 96])
    func ssrcAndPayloadTypeAreRewritten(_ producerPayloadType: Int) throws {
        let h = try MediaHarness(seed: 61, videoPayloadType: producerPayloadType)
        h.videoPayloadType = UInt8(producerPayloadType)
        let receiver = try h.addReceiver()
        let consumer = try h.consume(h.videoProducerId, on: receiver)
        #expect(consumer.payloadType == 101)
        #expect(consumer.ssrc != MediaHarness.videoSsrc)
        let mapping = try h.room.producerState(broadcasterId: MediaHarness.producerBroadcaster, producerId: h.videoProducerId)
        #expect(mapping.rtpParameters.codecs.first?.payloadType == producerPayloadType)
        h.runVideo(for: 100)
        let output = h.rtp(to: receiver.address)
        #expect(output.count == h.videoSent.count)
        for (packet, sent) in zip(output, h.videoSent) {
            let original = MediaHarness.video(
                seq: sent.seq, timestamp: 3000 &* UInt32(sent.seq), keyFrame: sent.keyFrame, payloadType: UInt8(producerPayloadType))
            #expect(packet.ssrc == consumer.ssrc)
            #expect(packet.payloadType == 101)
            #expect(packet.timestamp == original.timestamp)
            #expect(packet.marker == original.marker)
            #expect(Array(packet.payload) == Array(original.payload))
        }
    }

    /// Opus has no key frames: the first packet goes out at once, PT 100, numbered in range.
    @Test func audioIsForwardedWithoutWaiting() throws {
        let h = try MediaHarness(seed: 71)
        let receiver = try h.addReceiver()
        let consumer = try h.consume(h.audioProducerId, on: receiver)
        #expect(consumer.payloadType == 100)
        #expect(consumer.rtxSsrc == nil)
        for index in 0..<10 {
            h.advance(by: 20)
            h.fromSender(MediaHarness.audio(seq: 40_000 &+ UInt16(index), timestamp: UInt32(index) * 960))
        }
        let output = h.rtp(to: receiver.address)
        #expect(output.count == 10)
        #expect(output.allSatisfy { $0.ssrc == consumer.ssrc && $0.payloadType == 100 })
        let first = try #require(output.first)
        #expect((1000...32767).contains(first.sequenceNumber))
        for (previous, next) in zip(output, output.dropFirst()) { #expect(next.sequenceNumber == previous.sequenceNumber &+ 1) }
        #expect(h.plisToSender().isEmpty)
    }
}
