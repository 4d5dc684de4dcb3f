/// Building transport-cc feedback from arrival times, the way libwebrtc's `TransportFeedback` does:
/// the reference time is the first packet's arrival rounded down to 64 ms, each delta is rounded to
/// the nearest 250 µs tick from the previous *rounded* time (so rounding errors do not add up), and a
/// delta that does not fit 16 signed bits (±8.19 s) starts a new feedback packet.
extension TransportLayerCC {
    /// A packet received at a time, both as the receiver saw them.
    public struct Arrival: Sendable, Hashable {
        public var sequenceNumber: UInt16
        /// Arrival time on any monotonic clock, in microseconds.
        public var arrivalTimeMicros: Int64

        public init(sequenceNumber: UInt16, arrivalTimeMicros: Int64) {
            self.sequenceNumber = sequenceNumber
            self.arrivalTimeMicros = arrivalTimeMicros
        }
    }

    /// Feedback packets reporting `arrivals` (any order; a repeated sequence number keeps its first
    /// arrival). Sequence numbers are ordered wrap-aware relative to the first arrival, so they must lie
    /// within ±32767 of it. Sequence numbers between the lowest and the highest that did not arrive are
    /// reported as not received. Usually one packet; more when a gap in time exceeds what a delta can
    /// express, with `feedbackPacketCount` counting up from the given value. Empty input gives `[]`.
    public static func build(
        senderSsrc: UInt32, mediaSsrc: UInt32, feedbackPacketCount: UInt8, arrivals: [Arrival]
    ) -> [TransportLayerCC] {
        guard let reference = arrivals.first?.sequenceNumber else { return [] }
        // Unwrap, sort, de-duplicate (first arrival wins).
        var seen = Set<Int>()
        var ordered: [(sequence: Int, time: Int64)] = []
        ordered.reserveCapacity(arrivals.count)
        for arrival in arrivals {
            let unwrapped = Int(Int16(bitPattern: arrival.sequenceNumber &- reference))
            if seen.insert(unwrapped).inserted { ordered.append((unwrapped, arrival.arrivalTimeMicros)) }
        }
        ordered.sort { $0.sequence < $1.sequence }

        var result: [TransportLayerCC] = []
        var count = feedbackPacketCount
        var index = ordered.startIndex
        while index < ordered.endIndex {
            let first = ordered[index]
            let baseTicks = floorDivide(first.time, referenceTimeTickMicros)
            var feedback = TransportLayerCC(
                senderSsrc: senderSsrc, mediaSsrc: mediaSsrc,
                baseSequenceNumber: reference &+ UInt16(truncatingIfNeeded: first.sequence),
                referenceTime: rtcpSignExtend24(UInt32(truncatingIfNeeded: baseTicks) & 0xFF_FFFF),
                feedbackPacketCount: count, packets: [])
            var lastTime = baseTicks * referenceTimeTickMicros
            var nextSequence = first.sequence
            while index < ordered.endIndex {
                let arrival = ordered[index]
                let ticks = roundedTicks(arrival.time - lastTime)
                guard let ticks, feedback.packets.count + (arrival.sequence - nextSequence) < 0xFFFF else { break }
                while nextSequence < arrival.sequence {
                    feedback.packets.append(PacketStatus(
                        sequenceNumber: reference &+ UInt16(truncatingIfNeeded: nextSequence), receivedDeltaMicros: nil))
                    nextSequence += 1
                }
                feedback.packets.append(PacketStatus(
                    sequenceNumber: reference &+ UInt16(truncatingIfNeeded: arrival.sequence),
                    receivedDeltaMicros: ticks * deltaTickMicros))
                lastTime += ticks * deltaTickMicros
                nextSequence += 1
                index += 1
            }
            if feedback.packets.isEmpty {
                // A single arrival always fits a fresh packet (delta < 64 ms); guard against looping anyway.
                index += 1
                continue
            }
            result.append(feedback)
            count &+= 1
        }
        return result
    }

    /// Rounds half away from zero to 250 µs ticks; nil when the result does not fit 16 signed bits.
    static func roundedTicks(_ micros: Int64) -> Int64? {
        let half = deltaTickMicros / 2
        let rounded = (micros >= 0 ? micros + half : micros - half) / deltaTickMicros
        return Int64(Int16.min)...Int64(Int16.max) ~= rounded ? rounded : nil
    }

    static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return value % divisor < 0 ? quotient - 1 : quotient
    }
}
