import NIOCore
import SluiceEngine
import SluiceRTP
import Testing

/// RTCP the router generates: RR towards the sender, SR + SDES towards receivers, RTT from RRs.
@Suite("Media: RTCP reports")
struct MediaRtcpTests {
    /// Within ~1.5 s the sender got an RR about SSRC 2222 whose extended highest sequence number is
    /// the last one sent before it (across the 16-bit wrap), with no loss.
    @Test func receiverReportTowardsSenderCarriesHighestSequence() throws {
        let h = try MediaHarness(seed: 81)
        let receiver = try h.addReceiver()
        _ = try h.consume(h.videoProducerId, on: receiver)
        let start = h.now
        h.nextVideoSeq = 65_500
        h.runVideo(until: start + 1500)
        var reports: [(at: MediaTime, report: ReceptionReport)] = []
        for entry in h.rtcp(to: MediaHarness.senderAddress) {
            if case .receiverReport(let rr) = entry.packet {
                reports += rr.reports.map { (entry.at, $0) }
            }
        }
        #expect(!reports.isEmpty, "an RR within 1.5 s")
        #expect(reports.allSatisfy { $0.report.ssrc == MediaHarness.videoSsrc }, "only the stream that started is reported")
        for (at, report) in reports {
            #expect(at <= start + 1500)
            let sentBefore = h.videoSent.filter { $0.at < at }.count
            #expect(report.highestSequenceNumber == 65_500 + UInt32(sentBefore) - 1)
            #expect(report.totalLost == 0)
            #expect(report.fractionLost == 0)
        }
    }

    /// The receiver got an SR (its consumer SSRC, NTP now, RTP timestamp extrapolated, counts) with an
    /// SDES CNAME; its RR echoing that SR's LSR with a DLSR gives the RTT we simulated.
    @Test func senderReportAndRoundTripTime() throws {
        let h = try MediaHarness(seed: 82)
        let receiver = try h.addReceiver()
        let consumer = try h.consume(h.videoProducerId, on: receiver)
        let start = h.now
        let oneWay: UInt64 = 25
        let hold: UInt64 = 200
        var srDatagram: MediaDatagram?
        var srIndex = 0
        var rttAbsentBeforeReceiverReport = false
        var senderReport: SenderReport?
        h.onDatagram = { datagram in
            guard senderReport == nil, datagram.destination == receiver.address, let rtcp = datagram.rtcp else { return }
            for case .senderReport(let report) in rtcp where report.ssrc == consumer.ssrc {
                senderReport = report
                srDatagram = datagram
                srIndex = h.sent.count - 1  // logged before the handler runs
                // The receiver gets the SR after one way, answers `hold` ms later, the RR takes one way back.
                let lsr = UInt32(truncatingIfNeeded: report.ntpTimestamp >> 16)
                let dlsr = UInt32(hold * 65536 / 1000)
                let rr = ReceiverReport(
                    ssrc: 0x7777,
                    reports: [ReceptionReport(ssrc: consumer.ssrc, lastSenderReport: lsr, delaySinceLastSenderReport: dlsr)])
                h.schedule(at: datagram.at + oneWay + hold + oneWay) {
                    if let stats = try? h.consumerStats(consumer) { rttAbsentBeforeReceiverReport = stats.roundTripTime == nil }
                    h.fromReceiver([.receiverReport(rr)], consumer: consumer)
                }
            }
        }
        // The sender sends no SR: the first consumer SR waits for one, then goes by send times.
        h.runVideo(until: start + 4500)
        let report = try #require(senderReport)
        #expect(report.ntpTimestamp >= NtpClock(offset: 0).ntp(start + 3000), "not before the wait for a source SR")
        let datagram = try #require(srDatagram)
        let at = datagram.at
        #expect(datagram.transportId == consumer.transportId)
        let compound = try #require(datagram.rtcp)
        let sdes = compound.compactMap { packet -> SourceDescription? in
            if case .sourceDescription(let sdes) = packet { return sdes }
            return nil
        }
        #expect(consumer.cname != nil)
        #expect(sdes.contains { $0.cname(of: consumer.ssrc) == consumer.cname }, "SDES CNAME with the SR")
        #expect(report.ntpTimestamp == NtpClock(offset: 0).ntp(at))
        let before = h.rtp(to: receiver.address).count
        // What went to the receiver before the SR (same-time packets may follow it in the log).
        let logBefore = h.sent[..<srIndex].filter { $0.destination == receiver.address && $0.rtp != nil }
        let sentBefore = logBefore.compactMap(\.rtp)
        #expect(Int(report.packetCount) == sentBefore.count)
        let last = try #require(logBefore.last)
        let lastTimestamp = try #require(last.rtp).timestamp
        #expect(report.rtpTimestamp == lastTimestamp &+ UInt32(at.milliseconds(since: last.at) * 90))
        #expect(before > 0)

        h.runVideo(until: max(h.now, at + oneWay + hold + oneWay + 20))
        #expect(rttAbsentBeforeReceiverReport, "no RTT before an RR")
        let stats = try h.consumerStats(consumer)
        let rtt = try #require(stats.roundTripTime)
        #expect((48...52).contains(rtt), "RTT \(rtt) ms, simulated 50 ms")
        #expect(stats.fractionLost == 0)
        #expect(stats.score == 10)
    }
}
