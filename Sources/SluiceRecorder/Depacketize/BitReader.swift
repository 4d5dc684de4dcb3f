/// Reads bits most-significant first from a byte array; every read fails (returns `nil`) past the end
/// instead of trapping.
struct BitReader {
    private let bytes: [UInt8]
    private var position = 0  // in bits

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    var bitsLeft: Int { bytes.count * 8 - position }

    mutating func bit() -> Bool? {
        guard position < bytes.count * 8 else { return nil }
        let byte = bytes[position >> 3]
        let value = (byte >> (7 - UInt8(position & 7))) & 1
        position += 1
        return value == 1
    }

    /// Reads `count` (0...32) bits as an unsigned number.
    mutating func bits(_ count: Int) -> UInt32? {
        guard count >= 0, count <= 32, count <= bitsLeft else { return nil }
        var value: UInt32 = 0
        for _ in 0..<count {
            guard let next = bit() else { return nil }
            value = (value << 1) | (next ? 1 : 0)
        }
        return value
    }

    mutating func skip(_ count: Int) -> Bool {
        guard count >= 0, count <= bitsLeft else { return false }
        position += count
        return true
    }

    /// Unsigned exp-Golomb, ue(v) (H.264 §9.1); `nil` past the end or beyond 32-bit values.
    mutating func unsignedExpGolomb() -> UInt32? {
        var leadingZeros = 0
        while true {
            guard let next = bit() else { return nil }
            if next { break }
            leadingZeros += 1
            if leadingZeros > 31 { return nil }
        }
        guard let suffix = bits(leadingZeros) else { return nil }
        return UInt32((UInt64(1) << UInt64(leadingZeros)) - 1 + UInt64(suffix))
    }

    /// Signed exp-Golomb, se(v) (H.264 §9.1.1).
    mutating func signedExpGolomb() -> Int64? {
        guard let code = unsignedExpGolomb() else { return nil }
        let magnitude = (Int64(code) + 1) / 2
        return code & 1 == 1 ? magnitude : -magnitude
    }
}
