internal import SluiceRTP

/// Reception state of one incoming RTP stream (one producer encoding): RFC 3550 statistics,
/// jitter, NACK generation and sender-report timing for receiver reports.
final class RtpStreamRecv {
    let ssrc: UInt32
    let mappedSsrc: UInt32
    let clockRate: UInt32
    let rtxSsrc: UInt32?
    var nack: NackGenerator?

    private(set) var packetsReceived = 0
    private(set) var bytesReceived = 0
    private(set) var packetsRetransmitted = 0
    private(set) var packetsDiscarded = 0
    private(set) var keyFrames = 0
    private var started = false
    private var baseSequence: UInt32 = 0
    private var cycles: UInt32 = 0
    private var maxSequence: UInt16 = 0
    /// RFC 3550 interarrival jitter in RTP units, scaled by 16.
    private var jitterQ4: UInt32 = 0
    private var lastTransit: Int64?
    private(set) var lastSenderReportNtp: UInt32 = 0
    private(set) var lastSenderReportAt: MediaTime?
    /// The latest SR's NTP ↔ RTP mapping, for lip sync downstream.
    private(set) var lastSenderReport: (ntp: UInt64, rtpTimestamp: UInt32)?
    private var expectedPrior = 0
    private var receivedPrior = 0
    private(set) var score = ScoreHistory()
    let bitrate = BitrateMeter()

    init(ssrc: UInt32, mappedSsrc: UInt32, clockRate: Int, rtxSsrc: UInt32?, nackEnabled: Bool) {
        self.ssrc = ssrc
        self.mappedSsrc = mappedSsrc
        self.clockRate = UInt32(clamping: max(1, clockRate))
        self.rtxSsrc = rtxSsrc
        self.nack = nackEnabled ? NackGenerator() : nil
    }

    var extendedHighestSequence: UInt32 { cycles &+ UInt32(maxSequence) }
    var expected: Int { started ? Int(extendedHighestSequence &- baseSequence) + 1 : 0 }
    var lost: Int { max(0, expected - packetsReceived) }
    var jitter: UInt32 { jitterQ4 >> 4 }

    /// Records an arrival; returns false for a packet too old or too far ahead to be believed.
    func received(sequenceNumber: UInt16, timestamp: UInt32, bytes: Int, now: MediaTime, retransmitted: Bool) -> Bool {
        if !started {
            started = true
            baseSequence = UInt32(sequenceNumber)
            maxSequence = sequenceNumber
        } else if SequenceNumber.isNewer(sequenceNumber, than: maxSequence) {
            if sequenceNumber < maxSequence { cycles &+= 1 << 16 }
            maxSequence = sequenceNumber
        } else if maxSequence &- sequenceNumber > 3000 && !retransmitted {
            packetsDiscarded += 1
            return false
        }
        packetsReceived += 1
        bytesReceived += bytes
        if retransmitted { packetsRetransmitted += 1 }
        bitrate.add(bytes: bytes, now: now)
        if !retransmitted { updateJitter(timestamp: timestamp, now: now) }
        return true
    }

    private func updateJitter(timestamp: UInt32, now: MediaTime) {
        let arrival = Int64(now.microseconds &* UInt64(clockRate) / 1_000_000)
        let transit = arrival &- Int64(timestamp)
        if let last = lastTransit {
            let delta = abs(transit &- last)
            if delta < Int64(clockRate) * 10 {
                let d = UInt32(clamping: delta)
                jitterQ4 = jitterQ4 &+ d &- ((jitterQ4 &+ 8) >> 4)
            }
        }
        lastTransit = transit
    }

    func senderReportReceived(_ report: SenderReport, now: MediaTime) {
        lastSenderReportNtp = UInt32(truncatingIfNeeded: report.ntpTimestamp >> 16)
        lastSenderReportAt = now
        lastSenderReport = (report.ntpTimestamp, report.rtpTimestamp)
        // The sender's clock runs apart from ours by an unknown offset, fixed at its first
        // report: later reports map through the same offset, so the instants follow the
        // sender's own clock exactly (a report that arrives late does not move them).
        if let ntp = Self.ntpNanoseconds(report.ntpTimestamp) {
            let measured = Int64(bitPattern: now.nanoseconds) &- ntp
            var offset = senderClockOffset ?? measured
            // A sender whose clock jumped (a restart) starts a new offset.
            if abs(measured &- offset) > 5_000_000_000 { offset = measured }
            senderClockOffset = offset
            lastSenderReportCapturedAt = MediaTime(nanoseconds: UInt64(bitPattern: max(0, ntp &+ offset)))
        } else {
            lastSenderReportCapturedAt = now
        }
    }

    /// Local time of the latest sender report's NTP instant (see ``senderReportReceived(_:now:)``).
    private(set) var lastSenderReportCapturedAt: MediaTime?
    /// Local monotonic nanoseconds minus sender NTP nanoseconds, from the first report.
    private var senderClockOffset: Int64?

    /// A 32.32 NTP timestamp in nanoseconds (nil for zero, which senders use for "unknown").
    static func ntpNanoseconds(_ ntp: UInt64) -> Int64? {
        guard ntp != 0 else { return nil }
        let seconds = Int64(ntp >> 32)
        let fraction = Int64(((ntp & 0xFFFF_FFFF) * 1_000_000_000) >> 32)
        return seconds &* 1_000_000_000 &+ fraction
    }

    /// A reception report block for our RR, updating the interval statistics and the score.
    func receptionReport(now: MediaTime) -> ReceptionReport? {
        guard started else { return nil }
        let expectedInterval = expected - expectedPrior
        let receivedInterval = packetsReceived - receivedPrior
        expectedPrior = expected
        receivedPrior = packetsReceived
        let lostInterval = max(0, expectedInterval - receivedInterval)
        let fraction = expectedInterval > 0 ? UInt8(clamping: (lostInterval << 8) / expectedInterval) : 0
        score.update(expected: expectedInterval, delivered: expectedInterval - lostInterval)
        var delay: UInt32 = 0
        if let at = lastSenderReportAt {
            delay = UInt32(truncatingIfNeeded: now.milliseconds(since: at) * 65536 / 1000)
        }
        return ReceptionReport(
            ssrc: ssrc, fractionLost: fraction, totalLost: Int32(clamping: min(lost, 0x7FFFFF)),
            highestSequenceNumber: extendedHighestSequence, jitter: jitter,
            lastSenderReport: lastSenderReportNtp, delaySinceLastSenderReport: lastSenderReportAt == nil ? 0 : delay)
    }
}

/// Bits per second over a sliding one-second window.
final class BitrateMeter {
    private var windowStart: MediaTime?
    private var bytesInWindow = 0
    private(set) var bitsPerSecond = 0

    func add(bytes: Int, now: MediaTime) {
        guard let start = windowStart else {
            windowStart = now
            bytesInWindow = bytes
            return
        }
        let elapsed = now.milliseconds(since: start)
        if elapsed >= 1000 {
            bitsPerSecond = Int(UInt64(bytesInWindow * 8) * 1000 / elapsed)
            windowStart = now
            bytesInWindow = bytes
        } else {
            bytesInWindow += bytes
        }
    }

    /// The rate, reading zero once nothing arrived for two seconds.
    func current(now: MediaTime) -> Int {
        guard let start = windowStart, now.milliseconds(since: start) < 2000 else { return 0 }
        return bitsPerSecond
    }
}
