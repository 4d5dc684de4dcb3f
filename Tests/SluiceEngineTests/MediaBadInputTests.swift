import NIOCore
import SluiceEngine
import SluiceRTP
import Testing

/// Bad datagrams are dropped and counted per transport; nothing crashes and the valid stream
/// keeps flowing without gaps.
@Suite("Media: bad input")
struct MediaBadInputTests {
    struct Flowing {
        let h: MediaHarness
        let receiver: MediaReceiver
        let consumer: MediaConsumer

        init(seed: UInt64) throws {
            h = try MediaHarness(seed: seed)
            receiver = try h.addReceiver()
            consumer = try h.consume(h.videoProducerId, on: receiver)
            h.runVideo(for: 200)
        }

        /// Everything sent so far reached the consumer, contiguous, and no NACK or PLI was needed.
        func expectIntactStream(sourceLocation: SourceLocation = #_sourceLocation) {
            let output = h.rtp(to: receiver.address).filter { $0.ssrc == consumer.ssrc }
            #expect(output.count == h.videoSent.count, sourceLocation: sourceLocation)
            for (previous, next) in zip(output, output.dropFirst()) {
                #expect(next.sequenceNumber == previous.sequenceNumber &+ 1, sourceLocation: sourceLocation)
            }
            let feedback = h.rtcp(to: MediaHarness.senderAddress).filter { entry in
                switch entry.packet {
                case .nack, .pli, .fir: return true
                default: return false
                }
            }
            #expect(feedback.isEmpty, "no NACK/PLI caused by bad input", sourceLocation: sourceLocation)
        }

        func stats() throws -> TransportStats { try h.sendTransportStats() }
    }

    static func bytes(_ values: [UInt8]) -> ByteBuffer { ByteBuffer(bytes: values) }

    @Test func garbageBeforeTheFirstValidPacketDoesNotLatchComedia() throws {
        let h = try MediaHarness(seed: 90)
        let receiver = try h.addReceiver()
        let consumer = try h.consume(h.videoProducerId, on: receiver)
        let intruder = MediaHarness.intruderAddress
        h.fromSender(Self.bytes([0x00, 0x01, 0x00, 0x00]), source: intruder)  // STUN-looking
        h.fromSender(Self.bytes([0x16, 0xFE, 0xFD]), source: intruder)  // DTLS-looking
        h.fromSender(Self.bytes([0x80, 0x65, 0x00]), source: intruder)  // truncated RTP
        h.fromSender(MediaHarness.video(seq: 1, ssrc: 9999, marker: false), source: intruder)  // unknown SSRC
        var stats = try h.sendTransportStats()
        #expect(stats.remoteRtp == nil)
        #expect(stats.dropped.notRtpOrRtcp == 2)
        #expect(stats.dropped.malformedRtp == 1)
        #expect(stats.dropped.unknownSsrc == 1)
        #expect(stats.rtpPacketsReceived == 0)
        h.runVideo(for: 100)
        stats = try h.sendTransportStats()
        #expect(stats.remoteRtp == "10.0.0.1:6000")
        #expect(h.rtp(to: receiver.address).filter { $0.ssrc == consumer.ssrc }.count == h.videoSent.count)
    }

    /// Seeded random datagrams: each one is either dropped and counted or (rarely) parses as RTCP.
    @Test func randomBytesAreDroppedAndCounted() throws {
        let setup = try Flowing(seed: 91)
        let h = setup.h
        let before = try setup.stats()
        var random = MediaSplitMix64(seed: 91)
        let count = 2000
        for index in 0..<count {
            let length = Int(random.next() % 300)
            var bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            // Half of them look like RTP/RTCP (version 2) to reach the parsers.
            if index % 2 == 0, !bytes.isEmpty { bytes[0] = 0x80 | (bytes[0] & 0x3F) }
            h.fromSender(Self.bytes(bytes))
        }
        let after = try setup.stats()
        let dropped = after.dropped.total - before.dropped.total
        let acceptedRtcp = after.rtcpPacketsReceived - before.rtcpPacketsReceived
        #expect(dropped + acceptedRtcp == count)
        #expect(after.rtpPacketsReceived == before.rtpPacketsReceived)
        #expect(after.dropped.malformedRtp > before.dropped.malformedRtp)
        #expect(after.dropped.unknownSsrc > before.dropped.unknownSsrc)
        #expect(after.dropped.notRtpOrRtcp > before.dropped.notRtpOrRtcp)
        #expect(after.dropped.malformedRtcp > before.dropped.malformedRtcp)
        #expect(after.dropped.wrongSource == 0)
        // The same on the consumer transport, from its connected address.
        for _ in 0..<500 {
            let length = Int(random.next() % 200)
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            h.fromReceiver(Self.bytes(bytes), transportId: setup.consumer.transportId, source: setup.consumer.address)
        }
        h.runVideo(for: 300)
        setup.expectIntactStream()
    }

    @Test func truncatedAndLyingRtpHeadersAreMalformed() throws {
        let setup = try Flowing(seed: 92)
        let h = setup.h
        let before = try setup.stats()
        let valid = MediaHarness.video(seq: h.nextVideoSeq, timestamp: 1, keyFrame: true)
        for length in 0..<12 {
            h.fromSender(try #require(valid.buffer.getSlice(at: valid.buffer.readerIndex, length: length)))
        }
        let bytes = Array(valid.buffer.readableBytesView)
        // CSRC count 15 but no CSRCs.
        var csrcLie = bytes
        csrcLie[0] = 0x8F
        h.fromSender(Self.bytes(csrcLie))
        // Extension header claiming 100 words.
        var extensionLie = Array(bytes[0..<12]) + [0xBE, 0xDE, 0x00, 0x64] + [UInt8](repeating: 0, count: 8)
        extensionLie[0] |= 0x10
        h.fromSender(Self.bytes(extensionLie))
        // Padding count larger than the packet.
        var paddingLie = bytes
        paddingLie[0] |= 0x20
        paddingLie[paddingLie.count - 1] = 0xFF
        h.fromSender(Self.bytes(paddingLie))
        // Padding count of zero.
        var zeroPadding = bytes
        zeroPadding[0] |= 0x20
        zeroPadding[zeroPadding.count - 1] = 0
        h.fromSender(Self.bytes(zeroPadding))
        let after = try setup.stats()
        #expect(after.dropped.malformedRtp - before.dropped.malformedRtp == 10 + 4)
        #expect(after.dropped.notRtpOrRtcp - before.dropped.notRtpOrRtcp == 2)
        #expect(after.rtpPacketsReceived == before.rtpPacketsReceived)
        h.runVideo(for: 300)
        setup.expectIntactStream()
    }

    @Test func unknownSsrcAndPayloadTypeAreDropped() throws {
        let setup = try Flowing(seed: 93)
        let h = setup.h
        let before = try setup.stats()
        h.fromSender(MediaHarness.video(seq: 7, keyFrame: true, ssrc: 9999))
        h.fromSender(MediaHarness.video(seq: 8, keyFrame: true, ssrc: 2223))
        var stats = try setup.stats()
        #expect(stats.dropped.unknownSsrc - before.dropped.unknownSsrc == 2)
        // Known SSRC, payload type the producer never declared.
        h.fromSender(MediaHarness.video(seq: h.nextVideoSeq, keyFrame: true, payloadType: 110))
        stats = try setup.stats()
        #expect(stats.dropped.unknownPayloadType - before.dropped.unknownPayloadType == 1)
        #expect(try h.producerStats(h.videoProducerId).packetsDroppedUnknownPayloadType == 1)
        h.runVideo(for: 300)
        setup.expectIntactStream()
    }

    @Test func rtcpWithLyingLengthIsMalformed() throws {
        let setup = try Flowing(seed: 94)
        let h = setup.h
        let before = try setup.stats()
        let sr = RtcpPacket.senderReport(
            SenderReport(ssrc: MediaHarness.videoSsrc, ntpTimestamp: 1 << 32, rtpTimestamp: 0, packetCount: 1, octetCount: 1))
        let valid = Array(RtcpCompound.serialize([sr, .sourceDescription(.cname(ssrc: MediaHarness.videoSsrc, cname: "x"))]).readableBytesView)
        // Length longer than the datagram.
        var longer = valid
        longer[3] &+= 40
        h.fromSender(Self.bytes(longer))
        // Length shorter than the SR: the rest is read as a packet with a bad header.
        var shorter = valid
        shorter[2] = 0
        shorter[3] = 1
        h.fromSender(Self.bytes(shorter))
        // Second packet of the compound lies.
        var secondLies = valid
        secondLies[28 + 3] &+= 9
        h.fromSender(Self.bytes(secondLies))
        // Cut in the middle.
        h.fromSender(Self.bytes(Array(valid[0..<10])))
        let after = try setup.stats()
        #expect(after.dropped.malformedRtcp - before.dropped.malformedRtcp == 4)
        #expect(after.rtcpPacketsReceived == before.rtcpPacketsReceived)
        // The valid compound is taken.
        h.fromSender(Self.bytes(valid))
        #expect(try setup.stats().rtcpPacketsReceived == before.rtcpPacketsReceived + 1)
        h.runVideo(for: 300)
        setup.expectIntactStream()
    }

    /// After comedia latched the sender, another source is refused (RTP and RTCP), and on a
    /// connected transport only the connected address may send RTCP.
    @Test func secondSourceAfterLatchingIsDropped() throws {
        let setup = try Flowing(seed: 95)
        let h = setup.h
        let before = try setup.stats()
        #expect(before.remoteRtp == "10.0.0.1:6000")
        let intruder = MediaHarness.intruderAddress
        // A packet of the same SSRC, five ahead: if accepted it would open a NACKed gap.
        h.fromSender(MediaHarness.video(seq: h.nextVideoSeq &+ 5, keyFrame: true), source: intruder)
        h.fromSender(
            RtcpCompound.serialize([.receiverReport(ReceiverReport(ssrc: 0x6666))]), source: intruder)
        var stats = try setup.stats()
        #expect(stats.dropped.wrongSource - before.dropped.wrongSource == 2)
        #expect(stats.rtpPacketsReceived == before.rtpPacketsReceived)
        #expect(stats.remoteRtp == "10.0.0.1:6000")
        // The consumer transport only hears its connected address.
        h.fromReceiver(
            [.pli(PictureLossIndication(senderSsrc: 1, mediaSsrc: setup.consumer.ssrc))], transportId: setup.consumer.transportId,
            source: intruder)
        let consumerStats = try h.room.transportStats(
            broadcasterId: MediaHarness.consumerBroadcaster, transportId: setup.consumer.transportId)
        #expect(consumerStats.dropped.wrongSource == 1)
        #expect(try h.consumerStats(setup.consumer).pliCount == 0)
        h.runVideo(for: 300)
        stats = try setup.stats()
        #expect(try h.producerStats(h.videoProducerId).streams.first?.packetsReceived == h.videoSent.count)
        setup.expectIntactStream()
    }

    /// A packet more than 3000 behind the newest is discarded as stale (producer stats
    /// packetsDiscarded) but the transport counts it under `unknownPayloadType`.
    @Test
    func stalePacketIsNotCountedAsUnknownPayloadType() throws {
        let setup = try Flowing(seed: 96)
        let h = setup.h
        h.runVideo(for: 3200, every: 1)
        let before = try setup.stats()
        h.fromSender(MediaHarness.video(seq: 2))  // ~3200 behind
        let after = try setup.stats()
        #expect(try h.producerStats(h.videoProducerId).streams.first?.packetsDiscarded == 1)
        #expect(after.dropped.unknownPayloadType == before.dropped.unknownPayloadType)
    }
}
