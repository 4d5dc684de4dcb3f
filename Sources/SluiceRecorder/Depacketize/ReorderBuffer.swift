/// What the ``ReorderBuffer`` releases, in sequence order.
public enum ReorderOutput: Sendable {
    /// The next packet in sequence order.
    case packet(RecorderPacket)
    /// Packets were given up on between the previous output and the next one. `lost` is how many sequence
    /// numbers are missing; `0` marks a discontinuity of unknown size (a sender restart).
    case gap(lost: Int)
}

/// Holds packets briefly to put them back in sequence order.
///
/// Sequence numbers are compared with 16-bit serial-number arithmetic, so wrap-around from 65535 to 0 is
/// in order. A jump of more than ``restartThreshold`` either way is taken as a sender restart: whatever is
/// waiting is released (with its gaps), a `.gap(lost: 0)` marks the discontinuity and the buffer restarts
/// from the new packet.
public struct ReorderBuffer: Sendable {
    /// A sequence jump larger than this (in either direction) is a sender restart.
    public static let restartThreshold = 3000
    /// Late packets in a row that mean the sender restarted behind its old numbering.
    static let lateRunRestart = 50
    private var consecutiveLate = 0

    public let maximumPackets: Int
    public let maximumDelay: Double

    /// Packets dropped because the same sequence number is waiting or was just released.
    public private(set) var duplicates: Int = 0
    /// Packets dropped because they arrived after their place in the sequence was released or given up.
    public private(set) var late: Int = 0
    /// Sequence numbers given up on.
    public private(set) var lost: Int = 0

    /// The next sequence number to release; `nil` before the first packet (or after ``reset()``).
    private var next: UInt16?
    private var waiting: [UInt16: RecorderPacket] = [:]
    private var newestArrival = -Double.infinity
    /// Recently released sequence numbers, by `sequence % count`, to tell duplicates from late packets.
    private var released: [Int32]

    private static let releasedHistory = 1024

    public init(maximumPackets: Int = 64, maximumDelay: Double = 0.15) {
        self.maximumPackets = max(maximumPackets, 0)
        self.maximumDelay = maximumDelay.isNaN ? 0 : max(maximumDelay, 0)
        self.released = Array(repeating: -1, count: Self.releasedHistory)
    }

    /// Inserts one packet; returns what is now releasable in order. Duplicates and packets older than what
    /// was already released are dropped (counted). A gap is given up on when more than `maximumPackets` are
    /// waiting or the oldest waiting one is older than `maximumDelay` (by arrival of the newest).
    public mutating func insert(_ packet: RecorderPacket) -> [ReorderOutput] {
        if packet.arrival > newestArrival { newestArrival = packet.arrival }
        var output: [ReorderOutput] = []
        guard let expected = next else {
            release(packet, into: &output)
            return output
        }
        let distance = Self.distance(from: expected, to: packet.sequenceNumber)
        if abs(distance) > Self.restartThreshold {
            releaseAllWaiting(into: &output)
            output.append(.gap(lost: 0))
            forgetSequence()
            release(packet, into: &output)
            return output
        }
        if distance < 0 {
            if -distance <= Self.releasedHistory, released[slot(packet.sequenceNumber)] == Int32(packet.sequenceNumber) {
                duplicates += 1
                return output
            }
            late += 1
            consecutiveLate += 1
            // A sender that restarted a little behind its old numbering looks "late" forever:
            // a run of late packets means a new sequence, not stragglers.
            if consecutiveLate > Self.lateRunRestart {
                consecutiveLate = 0
                releaseAllWaiting(into: &output)
                output.append(.gap(lost: 0))
                forgetSequence()
                release(packet, into: &output)
            }
            return output
        }
        consecutiveLate = 0
        if distance == 0 {
            release(packet, into: &output)
            releaseConsecutive(into: &output)
        } else if waiting[packet.sequenceNumber] != nil {
            duplicates += 1
        } else {
            waiting[packet.sequenceNumber] = packet
        }
        giveUpIfNeeded(into: &output)
        return output
    }

    /// Releases everything (at stop), gaps included.
    public mutating func flush() -> [ReorderOutput] {
        var output: [ReorderOutput] = []
        releaseAllWaiting(into: &output)
        return output
    }

    /// Forgets sequence state (e.g. new SSRC); packets still waiting are discarded, so call ``flush()``
    /// first to keep them. Counters are kept.
    public mutating func reset() {
        forgetSequence()
        newestArrival = -Double.infinity
    }

    // MARK: - Internals

    /// Serial-number distance from `a` to `b` in -32768...32767.
    static func distance(from a: UInt16, to b: UInt16) -> Int {
        Int(Int16(bitPattern: b &- a))
    }

    private func slot(_ sequence: UInt16) -> Int {
        Int(sequence) % Self.releasedHistory
    }

    private mutating func forgetSequence() {
        next = nil
        waiting.removeAll()
        for index in released.indices { released[index] = -1 }
    }

    private mutating func release(_ packet: RecorderPacket, into output: inout [ReorderOutput]) {
        output.append(.packet(packet))
        released[slot(packet.sequenceNumber)] = Int32(packet.sequenceNumber)
        next = packet.sequenceNumber &+ 1
    }

    private mutating func releaseConsecutive(into output: inout [ReorderOutput]) {
        while let expected = next, let packet = waiting.removeValue(forKey: expected) {
            release(packet, into: &output)
        }
    }

    /// The waiting packet closest after `next`, and how many sequence numbers are missing before it.
    private func firstWaiting() -> (sequence: UInt16, missing: Int)? {
        guard let expected = next else { return nil }
        var best: (sequence: UInt16, missing: Int)?
        for sequence in waiting.keys {
            let missing = Self.distance(from: expected, to: sequence)
            if let current = best, current.missing <= missing { continue }
            best = (sequence, missing)
        }
        return best
    }

    /// Skips the gap before the first waiting packet and releases what follows it.
    private mutating func skipFirstGap(into output: inout [ReorderOutput]) -> Bool {
        guard let first = firstWaiting() else { return false }
        if first.missing > 0 {
            lost += first.missing
            output.append(.gap(lost: first.missing))
        }
        next = first.sequence
        releaseConsecutive(into: &output)
        return true
    }

    private func oldestWaitingArrival() -> Double? {
        waiting.values.lazy.map(\.arrival).min()
    }

    private mutating func giveUpIfNeeded(into output: inout [ReorderOutput]) {
        while !waiting.isEmpty {
            let tooMany = waiting.count > maximumPackets
            let tooOld = oldestWaitingArrival().map { newestArrival - $0 > maximumDelay } ?? false
            guard tooMany || tooOld, skipFirstGap(into: &output) else { return }
        }
    }

    private mutating func releaseAllWaiting(into output: inout [ReorderOutput]) {
        while !waiting.isEmpty, skipFirstGap(into: &output) {}
    }
}
