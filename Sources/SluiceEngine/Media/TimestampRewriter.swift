/// Keeps one output RTP timeline while a consumer switches between source streams (simulcast
/// layers), each with its own random timestamp base.
///
/// Output = input − offset of the current source. The first source ever keeps its timestamps
/// (offset 0, as the reference engine's "timestamp reference" layer). On a switch from A to B:
///
/// - with a sender report on both streams, B's NTP↔RTP mapping is carried onto A's, so a frame
///   captured at the same instant gets the same output timestamp on either stream (lip sync with
///   the other consumers of the sender stays right). When that would move forward by less than
///   one frame interval (B's key frame shows an instant whose frame A already sent — typical when
///   switching up, as the small layer's packets come first — give or take the reports'
///   imprecision), B's frames go one frame interval after the last sent one for as long as B is
///   forwarded. The next switch starts again from the unshifted mapping, so a later switch with
///   room to spare lands exactly again; the consumer's sender reports are computed from the
///   offset in use, so receivers that sync by them keep lip sync through the shift. (The
///   reference engine may send the same timestamp twice there; receivers that keep
///   millisecond or frame-rate timestamps, like Matroska muxers or ffmpeg at a fixed rate,
///   reject two frames in one slot.)
/// - without them (or if the mapping is off by more than a second back or ten forward), the
///   first frame of B is placed one frame interval (clock/30, 3000 at 90 kHz) after the last
///   sent timestamp; after a gap of a second or more without sending (pause, stalled source)
///   the elapsed time is used instead.
struct TimestampRewriter {
    /// An NTP (32.32) ↔ RTP timestamp pair from a sender report.
    typealias Mapping = (ntp: UInt64, rtpTimestamp: UInt32)

    let clockRate: UInt32
    private(set) var offset: UInt32 = 0
    /// The current source's offset as the sender reports place it (without the shift that keeps
    /// the output moving forward); the offset itself when no reports were used.
    private var mappedOffset: UInt32 = 0
    private(set) var lastOutput: UInt32?
    private var lastSentAt: MediaTime?
    /// How the last switch placed the new source (for tests and debugging).
    private(set) var lastSwitchUsedSenderReports = false

    init(clockRate: UInt32) {
        self.clockRate = max(1, clockRate)
    }

    var frameInterval: UInt32 { max(1, clockRate / 30) }

    func output(_ input: UInt32) -> UInt32 { input &- offset }

    mutating func sent(_ output: UInt32, now: MediaTime) {
        if let last = lastOutput, !Self.isNewer(output, than: last) {
            // Retransmission-order or same-frame packets: keep the highest.
        } else {
            lastOutput = output
        }
        lastSentAt = now
    }

    /// Starts mapping a new source whose first forwarded packet has timestamp `input`.
    ///
    /// - Parameters:
    ///   - from: the previous source's last sender report, if any.
    ///   - to: the new source's last sender report, if any.
    mutating func switchSource(firstInput input: UInt32, from: Mapping?, to: Mapping?, now: MediaTime) {
        lastSwitchUsedSenderReports = false
        guard let last = lastOutput else {
            offset = 0
            mappedOffset = 0
            return
        }
        if let from, let to {
            // tsB(n) − tsA(n) = rtpB − rtpA − (ntpB − ntpA)·clock for any instant n.
            let ntpDelta = Int64(bitPattern: to.ntp &- from.ntp)
            let clockDelta = Int64((Double(ntpDelta) / 4_294_967_296.0 * Double(clockRate)).rounded())
            let sourceDelta = to.rtpTimestamp &- from.rtpTimestamp &- UInt32(truncatingIfNeeded: clockDelta)
            let candidate = mappedOffset &+ sourceDelta
            let candidateOutput = input &- candidate
            let step = candidateOutput &- last
            if Self.isNewer(candidateOutput, than: last) && step >= frameInterval {
                // Forward by less than ten seconds: a sane mapping.
                if step < clockRate &* 10 {
                    offset = candidate
                    mappedOffset = candidate
                    lastSwitchUsedSenderReports = true
                    return
                }
            } else if Self.isNewer(candidateOutput, than: last) || last &- candidateOutput < clockRate {
                offset = input &- (last &+ frameInterval)
                mappedOffset = candidate
                lastSwitchUsedSenderReports = true
                return
            }
        }
        var step = frameInterval
        if let at = lastSentAt {
            let elapsed = now.milliseconds(since: at)
            if elapsed >= 1000 {
                step = max(step, UInt32(truncatingIfNeeded: elapsed &* UInt64(clockRate) / 1000))
            }
        }
        offset = input &- (last &+ step)
        mappedOffset = offset
    }

    /// RFC 1982 style comparison on 32-bit timestamps.
    static func isNewer(_ a: UInt32, than b: UInt32) -> Bool {
        a != b && a &- b < 0x8000_0000
    }
}
