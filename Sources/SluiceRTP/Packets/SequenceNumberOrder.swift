/// Wrap-aware ordering of 16-bit RTP sequence numbers (RFC 3550 Appendix A.1 style).
enum SequenceNumberOrder {
    /// Sorts and de-duplicates `numbers` in wrap-aware order: each is placed relative to the first
    /// element (within ±32767 of it).
    static func sortedUnique(_ numbers: [UInt16]) -> [UInt16] {
        guard let reference = numbers.first else { return [] }
        let unwrapped = numbers.map { Int(reference) + Int(Int16(bitPattern: $0 &- reference)) }
        var result: [UInt16] = []
        var previous: Int?
        for value in unwrapped.sorted() where value != previous {
            result.append(UInt16(truncatingIfNeeded: value))
            previous = value
        }
        return result
    }
}
