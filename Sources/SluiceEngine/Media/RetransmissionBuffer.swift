public import NIOCore

/// Sent packets of one outgoing stream, kept to answer NACKs: up to 2048 packets, at most
/// `maxAgeMilliseconds` old; the same packet is not resent twice within one RTT.
///
/// The reference keeps up to 2500; we keep 2048 so slots divide the 16-bit sequence space and
/// numbers a few hundred apart across the wrap never share a slot. At the 2000 ms age limit
/// that covers streams up to ~1000 packets/s (≈ 10 Mbit/s of video).
struct RetransmissionBuffer {
    static let capacity = 2048

    private struct Slot {
        var sequenceNumber: UInt16
        var packet: ByteBuffer
        var sentAt: MediaTime
        var resentAt: MediaTime?
    }

    private var slots: [Slot?]
    let maxAgeMilliseconds: UInt64

    init(maxAgeMilliseconds: UInt64) {
        self.maxAgeMilliseconds = maxAgeMilliseconds
        self.slots = [Slot?](repeating: nil, count: Self.capacity)
    }

    mutating func store(_ packet: ByteBuffer, sequenceNumber: UInt16, now: MediaTime) {
        slots[Int(sequenceNumber) % Self.capacity] = Slot(sequenceNumber: sequenceNumber, packet: packet, sentAt: now)
    }

    /// The stored packet for a NACKed number when it may be resent now (and marks it resent).
    mutating func packetForRetransmission(_ sequenceNumber: UInt16, now: MediaTime, rttMilliseconds: UInt64) -> ByteBuffer? {
        let index = Int(sequenceNumber) % Self.capacity
        guard var slot = slots[index], slot.sequenceNumber == sequenceNumber else { return nil }
        guard now.milliseconds(since: slot.sentAt) <= maxAgeMilliseconds else {
            slots[index] = nil
            return nil
        }
        if let resentAt = slot.resentAt, now.milliseconds(since: resentAt) < max(rttMilliseconds, 1) { return nil }
        slot.resentAt = now
        slots[index] = slot
        return slot.packet
    }
}
