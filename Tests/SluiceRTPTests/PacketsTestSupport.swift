import NIOCore

// Helpers shared by the Packets* and Codecs* tests. Names carry a `packets` prefix so they do not clash
// with other test files in this target.

func packetsBuffer(_ bytes: [UInt8]) -> ByteBuffer {
    ByteBuffer(bytes: bytes)
}

func packetsBytes(_ buffer: ByteBuffer) -> [UInt8] {
    Array(buffer.readableBytesView)
}

func packetsView(_ bytes: [UInt8]) -> ByteBufferView {
    ByteBuffer(bytes: bytes).readableBytesView
}

/// A deterministic PRNG (SplitMix64), so the fuzz loops are reproducible.
struct PacketsSeededRandom: RandomNumberGenerator {
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

    mutating func bytes(count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }
}
