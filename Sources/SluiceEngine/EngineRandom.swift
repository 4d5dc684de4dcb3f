/// The engine's single source of randomness: ids, SSRCs, ICE credentials, SRTP keys.
///
/// Tests inject a seeded generator so runs are reproducible.
public struct EngineRandom {
    private var generator: any RandomNumberGenerator

    public init(_ generator: any RandomNumberGenerator = SystemRandomNumberGenerator()) {
        self.generator = generator
    }

    public mutating func next() -> UInt64 { generator.next() }

    public mutating func int(in range: ClosedRange<Int>) -> Int {
        Int.random(in: range, using: &generator)
    }

    /// An SSRC in the same range the reference engine uses (nine decimal digits).
    public mutating func ssrc() -> UInt32 {
        UInt32(int(in: 100_000_000...999_999_999))
    }

    public mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// A version 4 UUID string in lowercase.
    public mutating func uuid() -> String {
        var raw = bytes(16)
        raw[6] = (raw[6] & 0x0F) | 0x40
        raw[8] = (raw[8] & 0x3F) | 0x80
        let hex = raw.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }
        return [hex[0..<4], hex[4..<6], hex[6..<8], hex[8..<10], hex[10..<16]].map { $0.joined() }.joined(separator: "-")
    }

    /// Letters and digits, as ICE credentials use.
    public mutating func token(length: Int) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<length).map { _ in alphabet[int(in: 0...(alphabet.count - 1))] })
    }
}
