/// HMAC-SHA1 (RFC 2104), as STUN MESSAGE-INTEGRITY uses it (RFC 5389 §15.4).
enum HmacSha1 {
    static let digestSize = Sha1.digestSize

    /// The 20-byte MAC of `message` under `key`. Keys longer than the 64-byte block are hashed first.
    static func authenticate(_ message: some Sequence<UInt8>, key: [UInt8]) -> [UInt8] {
        var blockKey = key.count > Sha1.blockSize ? Sha1.hash(key) : key
        blockKey.append(contentsOf: repeatElement(0, count: Sha1.blockSize - blockKey.count))

        var inner = Sha1()
        inner.update(blockKey.map { $0 ^ 0x36 })
        inner.update(message)
        let innerDigest = inner.finalize()

        var outer = Sha1()
        outer.update(blockKey.map { $0 ^ 0x5C })
        outer.update(innerDigest)
        return outer.finalize()
    }

    /// Compares two MACs in time that depends only on their lengths.
    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for (left, right) in zip(lhs, rhs) {
            difference |= left ^ right
        }
        return difference == 0
    }
}
