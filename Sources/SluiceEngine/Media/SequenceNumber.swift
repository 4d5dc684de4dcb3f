/// RFC 1982 serial-number comparison of 16-bit RTP sequence numbers.
enum SequenceNumber {
    @inline(__always)
    static func isNewer(_ a: UInt16, than b: UInt16) -> Bool {
        a != b && a &- b < 0x8000
    }

    @inline(__always)
    static func isOlder(_ a: UInt16, than b: UInt16) -> Bool {
        isNewer(b, than: a)
    }
}
