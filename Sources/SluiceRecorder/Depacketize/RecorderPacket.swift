/// One RTP packet as the recorder sees it (already parsed by the caller).
public struct RecorderPacket: Sendable {
    public var sequenceNumber: UInt16
    public var timestamp: UInt32
    public var marker: Bool
    /// RTP payload (after header, extensions and padding were removed).
    public var payload: [UInt8]
    /// Seconds, in the caller's monotonic wall-clock domain.
    public var arrival: Double

    public init(sequenceNumber: UInt16, timestamp: UInt32, marker: Bool, payload: [UInt8], arrival: Double) {
        self.sequenceNumber = sequenceNumber
        self.timestamp = timestamp
        self.marker = marker
        self.payload = payload
        self.arrival = arrival
    }
}
