public import NIOCore

/// RFC 4571 framing of ICE-TCP (RFC 6544): every STUN, DTLS, RTP or RTCP packet on the byte
/// stream is preceded by its length as a 16-bit big-endian integer.
///
/// Incoming bytes arrive in arbitrary chunks: a frame may be split across reads and one read
/// may hold several frames. The framer keeps at most one incomplete frame (bounded by
/// ``maxFrameLength``). A zero length, or one above the bound, cannot be a WebRTC packet: the
/// stream is then out of step for good and the caller closes the connection.
public struct IceTcpFramer: Sendable {
    public enum Failure: Error, Sendable, Hashable {
        case zeroLength
        case tooLong(Int)
    }

    /// The largest DTLS record (2^14 bytes of plaintext plus expansion) with headroom; RTP,
    /// RTCP and STUN stay far below it. Anything longer is not a packet of ours.
    public static let defaultMaxFrameLength = 16_384 + 1_024

    public let maxFrameLength: Int
    /// Bytes of an incomplete frame (its length prefix included).
    private var pending: ByteBuffer?

    public init(maxFrameLength: Int = IceTcpFramer.defaultMaxFrameLength) {
        self.maxFrameLength = min(max(1, maxFrameLength), Int(UInt16.max))
    }

    /// Bytes held for a frame that is not complete yet.
    public var bufferedBytes: Int { pending?.readableBytes ?? 0 }

    /// Takes the next chunk of the stream and hands every complete frame to `body`, in order.
    /// Returns the failure that ends the stream (after the frames before it were handed over).
    public mutating func append(_ bytes: ByteBuffer, _ body: (ByteBuffer) -> Void) -> Failure? {
        if var buffer = pending {
            pending = nil
            // Keep the held bytes compact, then add the new ones behind them.
            buffer.discardReadBytes()
            var more = bytes
            buffer.writeBuffer(&more)
            return drain(&buffer, body)
        }
        var buffer = bytes
        return drain(&buffer, body)
    }

    private mutating func drain(_ buffer: inout ByteBuffer, _ body: (ByteBuffer) -> Void) -> Failure? {
        while let length = buffer.getInteger(at: buffer.readerIndex, as: UInt16.self) {
            let frameLength = Int(length)
            if frameLength == 0 { return .zeroLength }
            if frameLength > maxFrameLength { return .tooLong(frameLength) }
            guard buffer.readableBytes >= 2 + frameLength else { break }
            buffer.moveReaderIndex(forwardBy: 2)
            guard let frame = buffer.readSlice(length: frameLength) else { break }
            body(frame)
        }
        if buffer.readableBytes > 0 { pending = buffer }
        return nil
    }

    /// One packet framed for the stream; nil when it cannot be framed (empty or over 65535 bytes).
    public static func frame(_ payload: ByteBuffer, allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer? {
        let length = payload.readableBytes
        guard length > 0, length <= Int(UInt16.max) else { return nil }
        var framed = allocator.buffer(capacity: length + 2)
        framed.writeInteger(UInt16(length))
        framed.writeImmutableBuffer(payload)
        return framed
    }
}
