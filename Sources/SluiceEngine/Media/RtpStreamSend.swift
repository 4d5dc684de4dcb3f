internal import SluiceRTP
public import NIOCore

/// Sending state of one outgoing RTP stream (one consumer): counters for sender reports, RTT and
/// loss from receiver reports, and the retransmission buffer.
final class RtpStreamSend {
    let ssrc: UInt32
    let clockRate: UInt32
    let rtxSsrc: UInt32?
    let rtxPayloadType: UInt8?
    var retransmissions: RetransmissionBuffer?
    private var rtxSequenceNumber: UInt16

    private(set) var packetsSent = 0
    private(set) var bytesSent = 0
    private(set) var packetsRetransmitted = 0
    private(set) var nackCount = 0
    private(set) var pliCount = 0
    private(set) var firCount = 0
    private var lastRtpTimestamp: UInt32 = 0
    private var lastSentAt: MediaTime?
    private var firstSentAt: MediaTime?
    /// Round-trip time in milliseconds from the last RR (reference default before any: 100).
    private(set) var rttMilliseconds: UInt64 = 100
    private(set) var rttMeasured = false
    private(set) var fractionLost: UInt8 = 0
    private(set) var packetsLost = 0
    private(set) var receiverJitter: UInt32 = 0
    private(set) var score = ScoreHistory()
    private var sentAtLastReport = 0
    let bitrate = BitrateMeter()

    init(ssrc: UInt32, clockRate: Int, rtxSsrc: UInt32?, rtxPayloadType: UInt8?, nackEnabled: Bool, isVideo: Bool, initialRtxSequence: UInt16) {
        self.ssrc = ssrc
        self.clockRate = UInt32(clamping: max(1, clockRate))
        self.rtxSsrc = rtxSsrc
        self.rtxPayloadType = rtxPayloadType
        self.retransmissions = nackEnabled ? RetransmissionBuffer(maxAgeMilliseconds: isVideo ? 2000 : 1000) : nil
        self.rtxSequenceNumber = initialRtxSequence
    }

    func sent(_ packet: ByteBuffer, sequenceNumber: UInt16, timestamp: UInt32, now: MediaTime) {
        packetsSent += 1
        bytesSent += packet.readableBytes
        lastRtpTimestamp = timestamp
        lastSentAt = now
        if firstSentAt == nil { firstSentAt = now }
        bitrate.add(bytes: packet.readableBytes, now: now)
        retransmissions?.store(packet, sequenceNumber: sequenceNumber, now: now)
    }

    /// Packets answering a NACK: the originals, or RTX-wrapped when RTX was negotiated.
    func retransmit(_ sequenceNumbers: [UInt16], now: MediaTime) -> [ByteBuffer] {
        nackCount += 1
        guard retransmissions != nil else { return [] }
        var packets: [ByteBuffer] = []
        for sequenceNumber in sequenceNumbers {
            guard let stored = retransmissions?.packetForRetransmission(sequenceNumber, now: now, rttMilliseconds: rttMilliseconds),
                let original = try? RtpPacket(parsing: stored)
            else { continue }
            packetsRetransmitted += 1
            if let rtxSsrc, let rtxPayloadType {
                rtxSequenceNumber &+= 1
                packets.append(original.rtxEncoded(payloadType: rtxPayloadType, ssrc: rtxSsrc, sequenceNumber: rtxSequenceNumber).buffer)
            } else {
                packets.append(stored)
            }
        }
        return packets
    }

    func keyFrameRequested(fir: Bool) {
        if fir { firCount += 1 } else { pliCount += 1 }
    }

    /// Where the source's RTP clock stood at a moment of ours: the producer's last SR as it arrived.
    struct TimestampReference {
        var rtpTimestamp: UInt32
        var at: MediaTime
    }

    /// Our sender report, with the RTP timestamp extrapolated to `now`.
    ///
    /// With a reference (the producer's last SR) the RTP↔NTP mapping follows the source's own
    /// clock, so every stream of one sender keeps its lip sync and the mapping does not wander
    /// with network jitter; without one, the last packet's send time stands in. The basis is
    /// chosen once — receivers such as ffmpeg re-sync on every SR, so a mapping that changed
    /// basis mid-stream would make their timestamps jump: the first report waits (up to
    /// ``senderReportWait``) for the source's first SR, and a stream that started without one
    /// stays on send times.
    func senderReport(now: MediaTime, clock: NtpClock, reference: TimestampReference? = nil) -> SenderReport? {
        guard let lastSentAt, let firstSentAt else { return nil }
        if basis == nil {
            if reference != nil {
                basis = .sourceReports
            } else if now.milliseconds(since: firstSentAt) >= Self.senderReportWait {
                basis = .sendTimes
            } else {
                return nil
            }
        }
        let base: TimestampReference
        switch basis {
        case .sourceReports?:
            guard let known = reference ?? lastReference else { return nil }
            lastReference = known
            base = known
        case .sendTimes?, nil:
            base = TimestampReference(rtpTimestamp: lastRtpTimestamp, at: lastSentAt)
        }
        let elapsedMicros = Int64(bitPattern: now.microseconds) &- Int64(bitPattern: base.at.microseconds)
        let rtpTimestamp = base.rtpTimestamp &+ UInt32(truncatingIfNeeded: elapsedMicros &* Int64(clockRate) / 1_000_000)
        return SenderReport(
            ssrc: ssrc, ntpTimestamp: clock.ntp(now), rtpTimestamp: rtpTimestamp,
            packetCount: UInt32(truncatingIfNeeded: packetsSent), octetCount: UInt32(truncatingIfNeeded: bytesSent),
            reports: [])
    }

    /// How long the first report waits for the source's first sender report (ms).
    static let senderReportWait: UInt64 = 3_000

    private enum SenderReportBasis { case sourceReports, sendTimes }
    private var basis: SenderReportBasis?
    private var lastReference: TimestampReference?

    /// Takes in the receiver's report about this stream: loss, jitter, score and RTT (RFC 3550 §6.4.1).
    func receiverReportReceived(_ report: ReceptionReport, now: MediaTime, clock: NtpClock) {
        fractionLost = report.fractionLost
        packetsLost = Int(report.totalLost)
        receiverJitter = report.jitter
        let sentInterval = packetsSent - sentAtLastReport
        sentAtLastReport = packetsSent
        let delivered = sentInterval - sentInterval * Int(report.fractionLost) / 256
        score.update(expected: sentInterval, delivered: delivered)
        guard report.lastSenderReport != 0 else { return }
        let compactNow = clock.compact(now)
        let rttUnits = compactNow &- report.lastSenderReport &- report.delaySinceLastSenderReport
        // A negative or absurd RTT (clock trouble, lying peer) is ignored.
        guard rttUnits < 65536 * 10 else { return }
        rttMilliseconds = max(1, UInt64(rttUnits) * 1000 / 65536)
        rttMeasured = true
    }
}
