import NIOCore
import SluiceEngine
import Testing

/// RFC 4571 framing of ICE-TCP: a 16-bit big-endian length before every packet.
@Suite("ICE-TCP: RFC 4571 framer")
struct IceTcpFramerTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        /// Byte chunks as successive reads deliver them.
        let chunks: [[UInt8]]
        let frames: [[UInt8]]
        let failure: IceTcpFramer.Failure?
        var buffered = 0
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "one frame in one read", chunks: [[0, 3, 1, 2, 3]], frames: [[1, 2, 3]], failure: nil),
        Case(name: "length prefix split", chunks: [[0], [3, 1, 2, 3]], frames: [[1, 2, 3]], failure: nil),
        Case(name: "payload split", chunks: [[0, 3, 1], [2], [3]], frames: [[1, 2, 3]], failure: nil),
        Case(name: "byte by byte", chunks: [[0], [2], [9], [8]], frames: [[9, 8]], failure: nil),
        Case(
            name: "several frames in one read", chunks: [[0, 1, 7, 0, 2, 8, 9, 0, 1, 6]], frames: [[7], [8, 9], [6]],
            failure: nil),
        Case(
            name: "frames straddling reads", chunks: [[0, 1, 7, 0, 3, 1], [2, 3, 0], [1, 5, 0, 2, 4]],
            frames: [[7], [1, 2, 3], [5]], failure: nil, buffered: 3),
        Case(name: "incomplete frame is held", chunks: [[0, 5, 1, 2]], frames: [], failure: nil, buffered: 4),
        Case(name: "empty reads change nothing", chunks: [[], [0, 1], [], [4]], frames: [[4]], failure: nil),
        Case(name: "zero length", chunks: [[0, 0]], frames: [], failure: .zeroLength),
        Case(name: "zero length after good frames", chunks: [[0, 1, 7], [0, 1, 8, 0, 0, 0, 1, 9]], frames: [[7], [8]], failure: .zeroLength),
        Case(
            name: "absurd length", chunks: [[0xFF, 0xFF, 1, 2, 3]], frames: [],
            failure: .tooLong(65535)),
        Case(
            name: "just over the bound", chunks: [[0x44, 0x01]], frames: [],
            failure: .tooLong(IceTcpFramer.defaultMaxFrameLength + 1)),
    ]

    @Test(arguments: cases)
    func deframes(_ testCase: Case) {
        var framer = IceTcpFramer()
        var frames: [[UInt8]] = []
        var failure: IceTcpFramer.Failure?
        for chunk in testCase.chunks {
            failure = framer.append(ByteBuffer(bytes: chunk)) { frames.append(Array($0.readableBytesView)) }
            if failure != nil { break }
        }
        #expect(frames == testCase.frames)
        #expect(failure == testCase.failure)
        if failure == nil { #expect(framer.bufferedBytes == testCase.buffered) }
    }

    @Test func largestAllowedFrameAcrossManyReads() {
        var framer = IceTcpFramer()
        let length = IceTcpFramer.defaultMaxFrameLength
        let payload = (0..<length).map { UInt8(truncatingIfNeeded: $0) }
        let stream = [UInt8(length >> 8), UInt8(length & 0xFF)] + payload
        var frames: [[UInt8]] = []
        for start in stride(from: 0, to: stream.count, by: 1000) {
            let chunk = Array(stream[start..<min(start + 1000, stream.count)])
            #expect(framer.append(ByteBuffer(bytes: chunk)) { frames.append(Array($0.readableBytesView)) } == nil)
        }
        #expect(frames == [payload])
        #expect(framer.bufferedBytes == 0)
    }

    @Test func framesForSending() {
        let framed = IceTcpFramer.frame(ByteBuffer(bytes: [0xAA, 0xBB, 0xCC]))
        #expect(framed.map { Array($0.readableBytesView) } == [0, 3, 0xAA, 0xBB, 0xCC])
        #expect(IceTcpFramer.frame(ByteBuffer()) == nil)
        #expect(IceTcpFramer.frame(ByteBuffer(bytes: [UInt8](repeating: 1, count: 65536))) == nil)
        #expect(IceTcpFramer.frame(ByteBuffer(bytes: [UInt8](repeating: 1, count: 65535)))?.readableBytes == 65537)
        // Round trip through the deframer.
        var framer = IceTcpFramer(maxFrameLength: 65535)
        var frames: [ByteBuffer] = []
        if let framed { _ = framer.append(framed) { frames.append($0) } }
        #expect(frames.map { Array($0.readableBytesView) } == [[0xAA, 0xBB, 0xCC]])
    }
}
