/// Collects VP9 packets (RFC 9628) into frames: a frame begins at B and ends at E, the marker bit or a
/// timestamp change.
///
/// Spatial scalability (SVC superframes) is out of scope: packets of spatial layers above 0 are ignored,
/// so an SVC stream is recorded at its base layer's resolution.
struct VP9Assembler {
    private(set) var malformed = 0
    private var partial: PartialFrame?
    /// P bit of the frame's first packet.
    private var interPicture = true
    private var scalabilityDimensions: VideoDimensions?

    mutating func push(_ packet: RecorderPacket) -> [AssemblyEvent] {
        var events: [AssemblyEvent] = []
        if let partial, partial.timestamp != packet.timestamp {
            finish(into: &events)  // E and marker lost
        }
        guard let descriptor = VP9PayloadDescriptor(packet.payload), descriptor.length < packet.payload.count else {
            malformed += 1
            partial = nil
            events.append(.broken)
            return events
        }
        guard descriptor.spatialLayer == 0 else { return events }
        let body = packet.payload[descriptor.length...]
        if descriptor.beginsFrame {
            if partial != nil { events.append(.broken) }  // a second beginning: the first frame was cut short
            var frame = PartialFrame(timestamp: packet.timestamp, arrival: packet.arrival)
            frame.data.append(contentsOf: body)
            partial = frame
            interPicture = descriptor.interPicture
            scalabilityDimensions = descriptor.scalabilityDimensions
        } else if partial != nil {
            partial?.data.append(contentsOf: body)
            if let size = descriptor.scalabilityDimensions { scalabilityDimensions = size }
        } else {
            // The frame's beginning is missing (lost, or the stream was joined mid-frame).
            events.append(.broken)
            return events
        }
        if descriptor.endsFrame || packet.marker { finish(into: &events) }
        return events
    }

    /// Drops the partial frame (after a gap).
    mutating func discard() {
        partial = nil
    }

    private mutating func finish(into events: inout [AssemblyEvent]) {
        guard let frame = partial else { return }
        partial = nil
        // A key frame is not inter-picture predicted (P=0 on its first packet) and, when its uncompressed
        // header parses, says KEY_FRAME there too (intra-only frames also have P=0).
        let header = VP9FrameHeader(frame.data)
        let isKeyFrame = !interPicture && (header?.isKeyFrame ?? true)
        let dimensions = isKeyFrame ? scalabilityDimensions ?? header?.dimensions : nil
        let encoded = EncodedFrame(
            data: frame.data, timestamp: frame.timestamp, isKeyFrame: isKeyFrame, arrival: frame.arrival)
        events.append(.frame(encoded, dimensions: dimensions))
    }
}
