import NIOCore
import SluiceEngine
import SluiceRTP
import Testing

/// Loss repair with NACK, upstream (router ← sender) and downstream (router → receiver).
@Suite("Media: NACK repair")
struct MediaNackTests {
    /// 5 % of the sender's packets are lost on the way in; the router NACKs exactly those, the sender
    /// resends the originals, and the consumer ends up with every packet once, without gaps.
    @Test func upstreamLossIsRepairedByNack() throws {
        let h = try MediaHarness(seed: 11)
        let receiver = try h.addReceiver()
        let consumer = try h.consume(h.videoProducerId, on: receiver)
        var loss = MediaSplitMix64(seed: 5)
        let first: UInt16 = 64_900  // crosses the 16-bit wrap on the way
        let count = 800
        var originals: [UInt16: RtpPacket] = [:]
        var dropped: Set<UInt16> = []
        var nacked: [UInt16] = []
        var nackDestinations: [SocketAddress] = []
        h.onDatagram = { datagram in
            guard let rtcp = datagram.rtcp else { return }
            for case .nack(let nack) in rtcp {
                nackDestinations.append(datagram.destination)
                #expect(nack.mediaSsrc == MediaHarness.videoSsrc)
                for seq in nack.lostSequenceNumbers {
                    nacked.append(seq)
                    // The sender answers at once with the original packet.
                    if let original = originals[seq] { h.fromSender(original) }
                }
            }
        }
        let start = h.now
        for index in 0..<count {
            let seq = first &+ UInt16(index)
            h.advance(to: start + UInt64(index) * 10)
            let packet = MediaHarness.video(seq: seq, timestamp: UInt32(index) * 900, keyFrame: index == 0)
            originals[seq] = packet
            if index != 0, index != count - 1, loss.chance(percent: 5) {
                dropped.insert(seq)
                continue
            }
            h.fromSender(packet)
        }
        h.advance(by: 500)

        #expect(dropped.count > 20)
        #expect(Set(nackDestinations) == [MediaHarness.senderAddress])
        #expect(Set(nacked) == dropped)
        #expect(nacked.count == dropped.count, "each lost packet is NACKed once (it is repaired within one RTT)")

        let output = h.rtp(to: receiver.address).filter { $0.ssrc == consumer.ssrc }
        #expect(output.count == count)
        let firstOutput = try #require(output.first)
        #expect(MediaVp8.isKeyFrame(firstOutput))
        var seen: [UInt16: Int] = [:]
        for packet in output {
            seen[packet.sequenceNumber, default: 0] += 1
            // Output number n carries input number first + (n - firstOutput): same payload.
            let input = first &+ (packet.sequenceNumber &- firstOutput.sequenceNumber)
            #expect(Array(packet.payload) == Array(try #require(originals[input]).payload))
        }
        let expected = Set((0..<count).map { firstOutput.sequenceNumber &+ UInt16($0) })
        #expect(Set(seen.keys) == expected, "no gaps")
        #expect(seen.values.allSatisfy { $0 == 1 }, "no duplicates")

        let stats = try h.producerStats(h.videoProducerId)
        let stream = try #require(stats.streams.first { $0.ssrc == MediaHarness.videoSsrc })
        #expect(stream.packetsLost == 0)
        #expect(stream.packetsReceived == count)
        #expect(stream.packetsRepaired == dropped.count)
        #expect(stream.nackPackets == dropped.count)
    }

    /// 5 % of the consumer-bound packets are lost; the receiver NACKs the missing output numbers and
    /// the router answers over RTX (own SSRC, PT 102, original number in the first two bytes).
    @Test func downstreamLossIsRepairedOverRtx() throws {
        let h = try MediaHarness(seed: 12)
        let receiver = try h.addReceiver()
        let consumer = try h.consume(h.videoProducerId, on: receiver)
        let rtxSsrc = try #require(consumer.rtxSsrc)
        #expect(consumer.payloadType == 101)
        #expect(consumer.rtxPayloadType == 102)
        var loss = MediaSplitMix64(seed: 6)
        var lossEnabled = true
        var payloads: [UInt16: [UInt8]] = [:]  // output seq → payload, as the receiver rebuilt it
        var highest: UInt16?
        var dropped: Set<UInt16> = []
        var nacked: [UInt16] = []
        var rtxSequenceNumbers: [UInt16] = []
        var recovered: [UInt16] = []
        h.onDatagram = { datagram in
            guard datagram.destination == receiver.address, let rtp = datagram.rtp else { return }
            if rtp.ssrc == consumer.ssrc {
                #expect(rtp.payloadType == 101)
                if highest != nil, lossEnabled, loss.chance(percent: 5) {
                    dropped.insert(rtp.sequenceNumber)
                    return
                }
                if let last = highest, SequenceNumber16.isNewer(rtp.sequenceNumber, than: last) {
                    var missing: [UInt16] = []
                    var value = last &+ 1
                    while value != rtp.sequenceNumber {
                        missing.append(value)
                        value &+= 1
                    }
                    highest = rtp.sequenceNumber
                    payloads[rtp.sequenceNumber] = Array(rtp.payload)
                    if !missing.isEmpty {
                        nacked += missing
                        h.fromReceiver(
                            [.nack(GenericNack(senderSsrc: 0x1234, mediaSsrc: consumer.ssrc, lostSequenceNumbers: missing))],
                            consumer: consumer)
                    }
                    return
                }
                if highest == nil { highest = rtp.sequenceNumber }
                payloads[rtp.sequenceNumber] = Array(rtp.payload)
            } else if rtp.ssrc == rtxSsrc {
                #expect(rtp.payloadType == 102)
                rtxSequenceNumbers.append(rtp.sequenceNumber)
                let bytes = Array(rtp.payload)
                guard bytes.count >= 2 else {
                    Issue.record("RTX packet without original sequence number")
                    return
                }
                let original = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
                recovered.append(original)
                #expect(payloads[original] == nil, "retransmitted a packet the receiver has")
                payloads[original] = Array(bytes[2...])
            } else {
                Issue.record("unexpected SSRC \(rtp.ssrc) towards the receiver")
            }
        }
        h.runVideo(for: 6000)
        lossEnabled = false
        h.runVideo(for: 200)
        h.advance(by: 200)

        let sentCount = h.videoSent.count
        #expect(dropped.count > 10)
        #expect(Set(nacked) == dropped)
        #expect(Set(recovered) == dropped)
        #expect(recovered.count == dropped.count)
        // RTX has its own numbering, one up per retransmission.
        for (previous, next) in zip(rtxSequenceNumbers, rtxSequenceNumbers.dropFirst()) {
            #expect(next == previous &+ 1)
        }
        let firstOutput = try #require(h.rtp(to: receiver.address).first { $0.ssrc == consumer.ssrc }?.sequenceNumber)
        let expected = Set((0..<sentCount).map { firstOutput &+ UInt16($0) })
        #expect(Set(payloads.keys) == expected, "the receiver rebuilt the whole sequence")
        // RTX payloads are the original payloads.
        for (seq, payload) in payloads {
            let input = UInt16(1) &+ (seq &- firstOutput)
            let original = MediaHarness.video(seq: input, keyFrame: input == 1)
            #expect(payload == Array(original.payload))
        }
        let stats = try h.consumerStats(consumer)
        #expect(stats.packetsRetransmitted == dropped.count)
        #expect(stats.rtxSsrc == rtxSsrc)
    }

    /// The send-side buffer keeps up to 2500 packets for 2000 ms. Across the 16-bit wrap of the
    /// consumer's sequence numbers the slot index `seq % 2500` jumps from 535 to 0, so a packet is
    /// overwritten only 536 packets later: a NACK for a packet 600 packets (600 ms) old fails.
    @Test
    func retransmissionBufferKeepsPacketsAcrossTheWrap() throws {
        let h = try MediaHarness(seed: 13)
        let receiver = try h.addReceiver()
        let consumer = try h.consume(h.videoProducerId, on: receiver)
        let rtxSsrc = try #require(consumer.rtxSsrc)
        var outputs: [UInt16] = []
        h.onDatagram = { datagram in
            if datagram.destination == receiver.address, let rtp = datagram.rtp, rtp.ssrc == consumer.ssrc {
                outputs.append(rtp.sequenceNumber)
            }
        }
        // 1 ms per packet until the consumer's numbering passed 0 by 100.
        var crossed = false
        while !(crossed && (outputs.last ?? 0) >= 100) {
            h.runVideo(for: 100, every: 1)
            if let last = outputs.last, outputs.contains(65_000), last < 30_000 { crossed = true }
        }
        let target: UInt16 = 65_000
        #expect(outputs.contains(target))
        let age = outputs.count - (outputs.firstIndex(of: target) ?? 0)
        #expect(age < 2500)
        var answered = false
        h.onDatagram = { datagram in
            if datagram.destination == receiver.address, let rtp = datagram.rtp, rtp.ssrc == rtxSsrc {
                let bytes = Array(rtp.payload)
                if bytes.count >= 2, UInt16(bytes[0]) << 8 | UInt16(bytes[1]) == target { answered = true }
            }
        }
        h.fromReceiver(
            [.nack(GenericNack(senderSsrc: 1, mediaSsrc: consumer.ssrc, lostSequenceNumbers: [target]))], consumer: consumer)
        #expect(answered, "packet \(target), \(age) packets old, should still be in the buffer")
    }

    /// A burst loss of more than 1000 packets is beyond NACK repair: the generator gives up and the
    /// router asks the sender for a key frame right away (reference: NackGenerator → key frame
    /// required → KeyFrameRequestManager::ForceKeyFrameNeeded, sent at once).
    @Test
    func nackGiveUpRequestsKeyFrameAtOnce() throws {
        let h = try MediaHarness(seed: 15)
        let receiver = try h.addReceiver()
        _ = try h.consume(h.videoProducerId, on: receiver)
        h.runVideo(for: 200)
        #expect(h.plisToSender().isEmpty)
        h.nextVideoSeq &+= 1500  // 1500 packets lost
        let jumpAt = h.now + 20
        h.runVideo(for: 200)
        let plis = h.plisToSender(since: jumpAt)
        #expect(plis.first.map { $0.milliseconds(since: jumpAt) <= 40 } == true, "PLI at \(plis.map { $0.milliseconds(since: jumpAt) }) ms after the jump")
        // Nothing of the hopeless gap is NACKed.
        let nacks = h.rtcp(to: MediaHarness.senderAddress).filter { if case .nack = $0.packet { true } else { false } }
        #expect(nacks.isEmpty)
    }

    /// Control for the test above: away from the wrap, a packet 600 packets (600 ms) old is
    /// retransmitted over RTX.
    @Test func retransmissionBufferAnswersANackForAnOlderPacket() throws {
        let h = try MediaHarness(seed: 13)
        let receiver = try h.addReceiver()
        let consumer = try h.consume(h.videoProducerId, on: receiver)
        let rtxSsrc = try #require(consumer.rtxSsrc)
        h.runVideo(for: 700, every: 1)
        let outputs = h.rtp(to: receiver.address).filter { $0.ssrc == consumer.ssrc }.map(\.sequenceNumber)
        let target = outputs[outputs.count - 601]
        var answered: [UInt16] = []
        h.onDatagram = { datagram in
            if datagram.destination == receiver.address, let rtp = datagram.rtp, rtp.ssrc == rtxSsrc {
                let bytes = Array(rtp.payload)
                if bytes.count >= 2 { answered.append(UInt16(bytes[0]) << 8 | UInt16(bytes[1])) }
            }
        }
        let nack = RtcpPacket.nack(GenericNack(senderSsrc: 1, mediaSsrc: consumer.ssrc, lostSequenceNumbers: [target]))
        h.fromReceiver([nack], consumer: consumer)
        #expect(answered == [target])
        // Not again within one RTT (100 ms before any RR), again after it.
        h.advance(by: 50)
        h.fromReceiver([nack], consumer: consumer)
        #expect(answered == [target])
        h.advance(by: 60)
        h.fromReceiver([nack], consumer: consumer)
        #expect(answered == [target, target])
        #expect(try h.consumerStats(consumer).nackCount == 3)
    }

    /// A key frame arriving while earlier losses are still waiting for their NACK (reorder delay) or
    /// for a retry makes the generator forget them, so they are never repaired. The reference keeps
    /// NACKing them (it only trims the list at a key frame when it grows past its limit).
    @Test
    func lossesBeforeAKeyFrameAreStillRepaired() throws {
        let h = try MediaHarness(seed: 14)
        let receiver = try h.addReceiver()
        _ = try h.consume(h.videoProducerId, on: receiver)
        var nacked: Set<UInt16> = []
        h.onDatagram = { datagram in
            for case .nack(let nack) in datagram.rtcp ?? [] { nacked.formUnion(nack.lostSequenceNumbers) }
        }
        h.runVideo(for: 200)
        // Packet n is lost: n+1 shows the gap, and n+2, a key frame, arrives 5 ms later, still
        // inside the 10 ms reorder delay (so before n was ever NACKed).
        let lost = h.nextVideoSeq
        h.advance(by: 20)
        h.sendVideo(seq: lost &+ 1)
        h.advance(by: 5)
        h.sendVideo(seq: lost &+ 2, keyFrame: true)
        h.advance(by: 300)
        #expect(nacked == [lost])
    }
}

/// RFC 1982 comparison for the tests' own bookkeeping.
enum SequenceNumber16 {
    static func isNewer(_ a: UInt16, than b: UInt16) -> Bool { a != b && a &- b < 0x8000 }
}
