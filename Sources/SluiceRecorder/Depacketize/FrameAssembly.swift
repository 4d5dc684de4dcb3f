/// What a codec's frame assembler reports to the ``Depacketizer``.
enum AssemblyEvent {
    /// A complete frame; `dimensions` is set on key frames whose picture size is known.
    case frame(EncodedFrame, dimensions: VideoDimensions?)
    /// Data was lost or unusable: a partial frame was dropped, so later delta frames cannot be decoded.
    case broken
}

/// A video frame being collected from its packets.
struct PartialFrame {
    var timestamp: UInt32
    var arrival: Double
    var data: [UInt8] = []

    init(timestamp: UInt32, arrival: Double) {
        self.timestamp = timestamp
        self.arrival = arrival
    }
}
