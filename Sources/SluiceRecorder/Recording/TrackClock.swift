/// Places one track's RTP timestamps on the recording's timeline (seconds on the local
/// monotonic clock).
///
/// A track is anchored once — by its sender's report when one is known (the sender's wall
/// clock for the timestamp, shifted into local time by its sync group's offset, so tracks of
/// one sender line up as they were captured), otherwise by the first frame's arrival — and
/// from there advances by RTP timestamps alone, as the media says. An arrival-anchored track
/// moves to its first sender report once one arrives. A timestamp step that disagrees with the
/// arrival step by more than ``restartThreshold``, or that goes back by more than
/// ``backwardRestartThreshold``, means the sender restarted: the track anchors afresh.
struct TrackClock {
    let clockRate: Double
    private var lastExtended: Int64?
    private var senderReport: (ntp: Double, extended: Int64, arrival: Double)?
    private var anchor: (time: Double, extended: Int64)?
    private var anchoredBySenderReport = false
    private var lastFrame: (extended: Int64, arrival: Double)?
    static let restartThreshold: Double = 5
    /// Frames reach the clock in order, so timestamps going back further than this are a new sender.
    static let backwardRestartThreshold: Double = 1

    init(clockRate: Int) { self.clockRate = Double(max(1, clockRate)) }

    /// Extends a 32-bit timestamp to 64 bits around the previous one.
    mutating func extend(_ timestamp: UInt32) -> Int64 {
        guard let last = lastExtended else {
            lastExtended = Int64(timestamp)
            return Int64(timestamp)
        }
        let delta = Int64(Int32(bitPattern: timestamp &- UInt32(truncatingIfNeeded: last)))
        let extended = last + delta
        lastExtended = extended
        return extended
    }

    mutating func senderReportReceived(ntpSeconds: Double, rtpTimestamp: UInt32, arrival: Double) {
        senderReport = (ntpSeconds, extend(rtpTimestamp), arrival)
    }

    /// Local time of a frame; `groupOffset` is the sync group's sender→local offset when known.
    mutating func localTime(extended: Int64, arrival: Double, groupOffset: Double?) -> Double {
        if let last = lastFrame {
            let mediaStep = Double(extended - last.extended) / clockRate
            if mediaStep < -Self.backwardRestartThreshold || abs(mediaStep - (arrival - last.arrival)) > Self.restartThreshold {
                anchor = nil
                anchoredBySenderReport = false
                // A report older than the previous frame belongs to the old sender.
                if let report = senderReport, report.arrival <= last.arrival { senderReport = nil }
            }
        }
        lastFrame = (extended, arrival)
        if !anchoredBySenderReport, let report = senderReport, let offset = groupOffset {
            anchor = (report.ntp + Double(extended - report.extended) / clockRate + offset, extended)
            anchoredBySenderReport = true
        }
        guard let anchor else {
            self.anchor = (arrival, extended)
            return arrival
        }
        return anchor.time + Double(extended - anchor.extended) / clockRate
    }

    /// Forgets everything (a new SSRC).
    mutating func reset() {
        lastExtended = nil
        senderReport = nil
        anchor = nil
        anchoredBySenderReport = false
        lastFrame = nil
    }
}
