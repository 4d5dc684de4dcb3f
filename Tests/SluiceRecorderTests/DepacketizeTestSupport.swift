import Testing
@testable import SluiceRecorder

/// Bytes from annotated hex text: pairs of hex digits; white space and `|` (field separators) are ignored.
func hexBytes(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> [UInt8] {
    let digits = text.filter { $0.isHexDigit }
    guard digits.count.isMultiple(of: 2), digits.count == text.filter({ !$0.isWhitespace && $0 != "|" }).count else {
        Issue.record("bad hex fixture: \(text)", sourceLocation: sourceLocation)
        return []
    }
    var result: [UInt8] = []
    var index = digits.startIndex
    while index < digits.endIndex {
        let next = digits.index(index, offsetBy: 2)
        result.append(UInt8(digits[index..<next], radix: 16) ?? 0)
        index = next
    }
    return result
}

/// A packet for depacketiser tests.
func rtpPacket(_ sequence: UInt16, ts: UInt32, marker: Bool = false, _ payload: [UInt8], at arrival: Double = 0) -> RecorderPacket {
    RecorderPacket(sequenceNumber: sequence, timestamp: ts, marker: marker, payload: payload, arrival: arrival)
}

extension Depacketizer {
    /// Pushes each packet in order and collects the frames.
    mutating func push(_ packets: [RecorderPacket]) -> [EncodedFrame] {
        packets.flatMap { push(.packet($0)) }
    }
}

/// SplitMix64: a small seeded generator so fuzz runs are reproducible.
struct DepacketizeRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension ReorderOutput {
    /// `"p<seq>"` for a packet, `"gap<n>"` for a gap: compact expectations.
    var summary: String {
        switch self {
        case .packet(let packet): "p\(packet.sequenceNumber)"
        case .gap(let lost): "gap\(lost)"
        }
    }
}
