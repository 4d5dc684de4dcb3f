/// Detects lost packets of a received stream and decides when to ask for them again.
///
/// Follows the reference engine: a short reorder delay before the first request, resend once
/// per RTT, at most 10 tries, give up (and ask for a key frame) past 1000 missing packets.
struct NackGenerator {
    static let maxPacketAge: UInt16 = 10_000
    static let maxMissing = 1000
    static let maxRetries = 10
    static let reorderDelay: UInt64 = 10

    struct Entry {
        var sequenceNumber: UInt16
        var detectedAt: MediaTime
        var sentAt: MediaTime?
        var retries: Int
    }

    private var started = false
    private var lastSequenceNumber: UInt16 = 0
    private var missing: [Entry] = []
    private(set) var nackedPackets = 0
    private(set) var recoveredPackets = 0

    var missingCount: Int { missing.count }

    /// Records an arrival. Returns true when so much is missing that only a key frame helps.
    mutating func received(_ sequenceNumber: UInt16, isKeyFrame: Bool, now: MediaTime) -> Bool {
        guard started else {
            started = true
            lastSequenceNumber = sequenceNumber
            return false
        }
        if sequenceNumber == lastSequenceNumber { return false }
        if SequenceNumber.isOlder(sequenceNumber, than: lastSequenceNumber) {
            // Late or retransmitted: no longer missing.
            if let index = missing.firstIndex(where: { $0.sequenceNumber == sequenceNumber }) {
                missing.remove(at: index)
                recoveredPackets += 1
            }
            return false
        }
        let gap = sequenceNumber &- lastSequenceNumber
        // Losses before a key frame are still repaired (receivers may be decoding them); only an
        // overflowing list is given up for a key frame.
        if gap > 1 {
            if Int(gap) - 1 > Self.maxMissing {
                missing.removeAll(keepingCapacity: true)
                lastSequenceNumber = sequenceNumber
                return !isKeyFrame
            }
            var value = lastSequenceNumber &+ 1
            while value != sequenceNumber {
                missing.append(Entry(sequenceNumber: value, detectedAt: now, sentAt: nil, retries: 0))
                value &+= 1
            }
        }
        lastSequenceNumber = sequenceNumber
        // Forget entries too old to matter.
        missing.removeAll { lastSequenceNumber &- $0.sequenceNumber > Self.maxPacketAge }
        if missing.count > Self.maxMissing {
            missing.removeAll(keepingCapacity: true)
            return true
        }
        return false
    }

    /// Sequence numbers to request now: new losses after the reorder delay, older ones once per RTT.
    mutating func due(now: MediaTime, rttMilliseconds: UInt64) -> [UInt16] {
        guard !missing.isEmpty else { return [] }
        var batch: [UInt16] = []
        var index = 0
        while index < missing.count {
            var entry = missing[index]
            let ready: Bool
            if let sentAt = entry.sentAt {
                ready = now.milliseconds(since: sentAt) >= rttMilliseconds
            } else {
                ready = now.milliseconds(since: entry.detectedAt) >= Self.reorderDelay
            }
            if ready {
                if entry.retries >= Self.maxRetries {
                    missing.remove(at: index)
                    continue
                }
                entry.retries += 1
                entry.sentAt = now
                missing[index] = entry
                batch.append(entry.sequenceNumber)
                nackedPackets += 1
            }
            index += 1
        }
        return batch
    }
}
