import Testing
@testable import SluiceRecorder

/// Every parser must be total: random bytes are dropped and counted, never trap.
@Suite("Depacketize fuzz")
struct DepacketizeFuzzTests {
    /// First bytes that reach deeper into each codec's parser than uniformly random ones.
    static func interestingFirstBytes(_ codec: RecordedCodec) -> [UInt8] {
        switch codec {
        case .opus: []
        case .vp8: [0x10, 0x90, 0x80, 0x00, 0x11]
        case .vp9: [0x8A, 0x8C, 0xAE, 0xFC, 0x0A, 0x08, 0x04, 0xCC, 0x02]
        case .h264: [0x78, 0x7C, 0x65, 0x41, 0x67, 0x68, 0x5C, 0x06, 0x09]
        }
    }

    @Test(arguments: [RecordedCodec.opus, .vp8, .vp9, .h264])
    func randomPayloads(_ codec: RecordedCodec) {
        var generator = DepacketizeRandom(seed: 0x5EED_0000 &+ UInt64(codec.rawValue.utf8.count))
        var reorder = ReorderBuffer(maximumPackets: 16, maximumDelay: 0.05)
        var depacketizer = Depacketizer(codec: codec)
        let firstBytes = Self.interestingFirstBytes(codec)
        var timestamp: UInt32 = 0
        var frames = 0
        for index in 0..<10_000 {
            let length = Int.random(in: 0...48, using: &generator)
            var payload = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if !payload.isEmpty, !firstBytes.isEmpty, Bool.random(using: &generator),
                let first = firstBytes.randomElement(using: &generator)
            {
                payload[0] = first
            }
            if Int.random(in: 0..<4, using: &generator) == 0 { timestamp &+= 3000 }
            // Mostly in order, sometimes reordered, duplicated or far off.
            let sequence = UInt16(truncatingIfNeeded: index + Int.random(in: -3...3, using: &generator))
            let packet = RecorderPacket(
                sequenceNumber: Int.random(in: 0..<500, using: &generator) == 0
                    ? UInt16.random(in: 0...UInt16.max, using: &generator) : sequence,
                timestamp: timestamp, marker: Bool.random(using: &generator), payload: payload,
                arrival: Double(index) * 0.001)
            // Straight into the depacketiser, and through the reorder buffer into a second pass.
            frames += depacketizer.push(.packet(packet)).count
            for output in reorder.insert(packet) { frames += depacketizer.push(output).count }
            if index % 1000 == 999 { frames += depacketizer.push(.gap(lost: 1)).count }
            _ = depacketizer.dimensions
            _ = depacketizer.h264ParameterSets?.avcDecoderConfigurationRecord
        }
        for output in reorder.flush() { frames += depacketizer.push(output).count }
        #expect(depacketizer.malformed > 0)
        #expect(frames >= 0)
    }

    @Test func randomBytesThroughTheStandaloneParsers() {
        var generator = DepacketizeRandom(seed: 0xF00D)
        var parsed = 0
        for _ in 0..<10_000 {
            let length = Int.random(in: 0...40, using: &generator)
            var data = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if H264SequenceParameterSet(nalUnit: [0x67] + data) != nil { parsed += 1 }
            _ = H264ParameterSets(sps: [0x67] + data, pps: data).avcDecoderConfigurationRecord
            if VP9FrameHeader(data) != nil { parsed += 1 }
            if data.count > 3 { data[1...3] = [0x49, 0x83, 0x42] }
            if !data.isEmpty { data[0] = 0x80 | (data[0] & 0x3F) }  // frame marker 2
            if VP9FrameHeader(data) != nil { parsed += 1 }
            _ = VP8FrameHeader.keyFrameDimensions(data)
            _ = VP8PayloadDescriptor(data)
            _ = VP9PayloadDescriptor(data)
            _ = H264Packet(data)
        }
        #expect(parsed > 0)
    }

    @Test func randomSequenceNumbersThroughTheReorderBuffer() {
        var generator = DepacketizeRandom(seed: 42)
        var buffer = ReorderBuffer(maximumPackets: 8, maximumDelay: 0.02)
        var released = 0
        for index in 0..<10_000 {
            let sequence = UInt16.random(in: 0...UInt16.max, using: &generator)
            let arrival = Double(index) * 0.001 + Double.random(in: -0.5...0.5, using: &generator)
            released += buffer.insert(rtpPacket(sequence, ts: 0, [], at: arrival)).count
            if index % 2500 == 0 { buffer.reset() }
        }
        released += buffer.flush().count
        #expect(released > 0)
    }
}
