/// Collects VP8 packets (RFC 7741) into frames: a frame starts with S=1, PID=0 and ends at the marker bit
/// or when the timestamp changes.
struct VP8Assembler {
    private(set) var malformed = 0
    private var partial: PartialFrame?

    mutating func push(_ packet: RecorderPacket) -> [AssemblyEvent] {
        var events: [AssemblyEvent] = []
        if let partial, partial.timestamp != packet.timestamp {
            finish(into: &events)  // marker lost
        }
        guard let descriptor = VP8PayloadDescriptor(packet.payload), descriptor.length < packet.payload.count else {
            malformed += 1
            partial = nil
            events.append(.broken)
            return events
        }
        let body = packet.payload[descriptor.length...]
        if descriptor.startsFrame {
            if partial != nil { events.append(.broken) }  // a second start: the first frame was cut short
            var frame = PartialFrame(timestamp: packet.timestamp, arrival: packet.arrival)
            frame.data.append(contentsOf: body)
            partial = frame
        } else if partial != nil {
            partial?.data.append(contentsOf: body)
        } else {
            // The frame's start is missing (lost, or the stream was joined mid-frame).
            events.append(.broken)
            return events
        }
        if packet.marker { finish(into: &events) }
        return events
    }

    /// Drops the partial frame (after a gap).
    mutating func discard() {
        partial = nil
    }

    private mutating func finish(into events: inout [AssemblyEvent]) {
        guard let frame = partial else { return }
        partial = nil
        let isKeyFrame = VP8FrameHeader.isKeyFrame(frame.data)
        var dimensions: VideoDimensions?
        if isKeyFrame {
            guard let size = VP8FrameHeader.keyFrameDimensions(frame.data) else {
                malformed += 1  // a key frame without a valid header cannot be decoded
                events.append(.broken)
                return
            }
            dimensions = size
        }
        let encoded = EncodedFrame(
            data: frame.data, timestamp: frame.timestamp, isKeyFrame: isKeyFrame, arrival: frame.arrival)
        events.append(.frame(encoded, dimensions: dimensions))
    }
}
