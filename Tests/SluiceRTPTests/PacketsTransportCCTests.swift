import NIOCore
import Testing

@testable import SluiceRTP

@Suite("transport-cc feedback: builder and chunk encoding")
struct PacketsTransportCCTests {
    /// Serialises one transport-cc packet and returns its bytes.
    func written(_ feedback: TransportLayerCC) -> [UInt8] {
        packetsBytes(RtcpCompound.serialize([.transportCC(feedback)]))
    }

    func statuses(_ deltas: [Int64?], base: UInt16 = 0) -> [TransportLayerCC.PacketStatus] {
        deltas.enumerated().map { .init(sequenceNumber: base &+ UInt16($0.offset), receivedDeltaMicros: $0.element) }
    }

    @Test("builds from arrival times: reference time, rounding, a gap, a large delta")
    func build() throws {
        let feedbacks = TransportLayerCC.build(
            senderSsrc: 1, mediaSsrc: 2, feedbackPacketCount: 7,
            arrivals: [
                .init(sequenceNumber: 100, arrivalTimeMicros: 1_000_000),
                .init(sequenceNumber: 101, arrivalTimeMicros: 1_001_000),
                .init(sequenceNumber: 102, arrivalTimeMicros: 1_003_600),
                .init(sequenceNumber: 104, arrivalTimeMicros: 1_100_000),
            ])
        let feedback = try #require(feedbacks.first)
        #expect(feedbacks.count == 1)
        #expect(feedback.baseSequenceNumber == 100)
        #expect(feedback.referenceTime == 15) // floor(1 s / 64 ms)
        #expect(feedback.packets == statuses([40_000, 1000, 2500, nil, 96_500], base: 100))
        #expect(written(feedback) == [
            0xAF, 0xCD, 0x00, 0x06, // V=2 P=1 FMT=15 PT=205 len=6
            0x00, 0x00, 0x00, 0x01, // sender
            0x00, 0x00, 0x00, 0x02, // media
            0x00, 0x64, 0x00, 0x05, // base=100 count=5
            0x00, 0x00, 0x0F, 0x07, // reference time=15 fb count=7
            0xD5, 0x20, 0xA0, 0x04, // 2-bit vector: small ×3, not received, large | deltas 160, 4
            0x0A, 0x01, 0x82, 0x01, // 10 | large 386 | padding count=1
        ])
        // Arrival times come back to within half a tick: rounding errors do not add up.
        let arrivals = try RtcpCompound.parse(packetsBuffer(written(feedback)))
        guard case .transportCC(let parsed) = arrivals.first else {
            Issue.record("not transport-cc")
            return
        }
        #expect(parsed == feedback)
        #expect(parsed.arrivals.map(\.arrivalTimeMicros) == [1_000_000, 1_001_000, 1_003_500, 1_100_000])
    }

    @Test("any order, duplicates, and sequence numbers wrapping through 0")
    func wrapAndOrder() throws {
        let feedbacks = TransportLayerCC.build(
            senderSsrc: 1, mediaSsrc: 2, feedbackPacketCount: 0,
            arrivals: [
                .init(sequenceNumber: 1, arrivalTimeMicros: 3000),
                .init(sequenceNumber: 65535, arrivalTimeMicros: 1000),
                .init(sequenceNumber: 0, arrivalTimeMicros: 2000),
                .init(sequenceNumber: 1, arrivalTimeMicros: 9000), // duplicate: the first arrival wins
            ])
        let feedback = try #require(feedbacks.first)
        #expect(feedbacks.count == 1)
        #expect(feedback.baseSequenceNumber == 65535)
        #expect(feedback.packets == statuses([1000, 1000, 1000], base: 65535))
        #expect(feedback.arrivals.map(\.sequenceNumber) == [65535, 0, 1])
    }

    @Test("a delta beyond 16 bits starts a new feedback packet")
    func split() {
        let feedbacks = TransportLayerCC.build(
            senderSsrc: 1, mediaSsrc: 2, feedbackPacketCount: 255,
            arrivals: [
                .init(sequenceNumber: 10, arrivalTimeMicros: 0),
                .init(sequenceNumber: 11, arrivalTimeMicros: 9_000_000), // 36000 ticks > 32767
                .init(sequenceNumber: 12, arrivalTimeMicros: 9_001_000),
            ])
        #expect(feedbacks.count == 2)
        #expect(feedbacks.map(\.feedbackPacketCount) == [255, 0])
        #expect(feedbacks.map(\.baseSequenceNumber) == [10, 11])
        #expect(feedbacks.last?.referenceTime == 140)
        #expect(feedbacks.last?.packets == statuses([40_000, 1000], base: 11))
    }

    @Test("negative arrival times round the reference time down")
    func negativeTimes() throws {
        let feedback = try #require(TransportLayerCC.build(
            senderSsrc: 1, mediaSsrc: 2, feedbackPacketCount: 0,
            arrivals: [.init(sequenceNumber: 5, arrivalTimeMicros: -1000)]).first)
        #expect(feedback.referenceTime == -1)
        #expect(feedback.packets == statuses([63_000], base: 5))
        #expect(TransportLayerCC.build(senderSsrc: 1, mediaSsrc: 2, feedbackPacketCount: 0, arrivals: []).isEmpty)
    }

    @Test("chunk choice follows libwebrtc: run length, 1-bit and 2-bit vectors")
    func chunkEncoding() {
        // 20 small deltas: one run-length chunk.
        let run = written(TransportLayerCC(
            senderSsrc: 1, mediaSsrc: 2, baseSequenceNumber: 0, referenceTime: 0, feedbackPacketCount: 0,
            packets: statuses(Array(repeating: 250, count: 20))))
        #expect(Array(run[20...21]) == [0x20, 0x14]) // run length: small ×20

        // 14 alternating received / lost: one 1-bit vector.
        let alternating = written(TransportLayerCC(
            senderSsrc: 1, mediaSsrc: 2, baseSequenceNumber: 0, referenceTime: 0, feedbackPacketCount: 0,
            packets: statuses((0..<14).map { $0 % 2 == 0 ? 250 : nil })))
        #expect(Array(alternating[20...21]) == [0xAA, 0xAA]) // 1 0 1 0 ... (14 symbols)

        // A large delta then 8 small: a 2-bit vector of 7, then a run of 2.
        let mixed = written(TransportLayerCC(
            senderSsrc: 1, mediaSsrc: 2, baseSequenceNumber: 0, referenceTime: 0, feedbackPacketCount: 0,
            packets: statuses([-250] + Array(repeating: 250, count: 8))))
        #expect(Array(mixed[20...23]) == [0xE5, 0x55, 0x20, 0x02])

        // 8191 lost, 9 more lost, one received: a full run, then a 1-bit vector of 10.
        let long = written(TransportLayerCC(
            senderSsrc: 1, mediaSsrc: 2, baseSequenceNumber: 0, referenceTime: 0, feedbackPacketCount: 0,
            packets: statuses(Array(repeating: nil, count: 8200) + [250])))
        #expect(Array(long[20...23]) == [0x1F, 0xFF, 0x80, 0x10])
    }

    @Test("deltas that are not multiples of 250 µs round to the nearest tick; out of range ones clamp")
    func deltaRounding() throws {
        let feedback = TransportLayerCC(
            senderSsrc: 1, mediaSsrc: 2, baseSequenceNumber: 0, referenceTime: 0, feedbackPacketCount: 0,
            packets: statuses([124, 125, -125, 63_874, 63_875, 100_000_000]))
        guard case .transportCC(let parsed) = try RtcpCompound.parse(RtcpCompound.serialize([.transportCC(feedback)])).first
        else {
            Issue.record("not transport-cc")
            return
        }
        #expect(parsed.packets.map(\.receivedDeltaMicros) == [0, 250, -250, 63_750, 64_000, 8_191_750])
    }

    @Test("seeded random arrivals: build → serialise → parse gives the same feedback, times within 125 µs")
    func randomRoundTrip() throws {
        var random = PacketsSeededRandom(seed: 0x7CC)
        for _ in 0..<300 {
            let count = Int.random(in: 1...400, using: &random)
            var sequence = UInt16.random(in: 0...UInt16.max, using: &random)
            var time = Int64.random(in: -1_000_000_000...1_000_000_000, using: &random)
            var arrivals: [TransportLayerCC.Arrival] = []
            for _ in 0..<count {
                sequence &+= UInt16.random(in: 1...3, using: &random) // some losses
                time += Int64.random(in: -5000...200_000, using: &random) // reordering and gaps
                arrivals.append(.init(sequenceNumber: sequence, arrivalTimeMicros: time))
            }
            arrivals.shuffle(using: &random)
            let feedbacks = TransportLayerCC.build(senderSsrc: 1, mediaSsrc: 2, feedbackPacketCount: 0, arrivals: arrivals)
            let written = RtcpCompound.serialize(feedbacks.map { .transportCC($0) })
            let parsed = try RtcpCompound.parse(written)
            #expect(parsed == feedbacks.map { .transportCC($0) })
            let expected = Dictionary(arrivals.map { ($0.sequenceNumber, $0.arrivalTimeMicros) }, uniquingKeysWith: { first, _ in first })
            let reported = feedbacks.flatMap(\.arrivals)
            #expect(reported.count == expected.count)
            for arrival in reported {
                let original = try #require(expected[arrival.sequenceNumber])
                // Equal modulo the 24-bit reference time wrap (2^24 × 64 ms).
                let difference = (arrival.arrivalTimeMicros - original) % ((1 << 24) * 64_000)
                #expect(abs(difference) <= 125)
            }
        }
    }
}
