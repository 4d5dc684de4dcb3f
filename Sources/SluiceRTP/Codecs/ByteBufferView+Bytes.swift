import NIOCore

extension ByteBufferView {
    /// The byte `offset` bytes from the start of the view, or nil past the end.
    @inline(__always)
    func byte(atOffset offset: Int) -> UInt8? {
        guard offset >= 0, offset < count else { return nil }
        return self[startIndex + offset]
    }
}
