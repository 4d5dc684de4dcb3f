import NIOCore

/// SDES: source description (RFC 3550 §6.5), PT=202, count = number of chunks.
///
/// ```
/// |V=2|P|    SC   |  PT=SDES=202  |             length            |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |                          SSRC/CSRC_1                          |  chunk 1
/// |     type      |    length     |  text (length bytes) ...      |  items...
/// |      0 (end)  |  zero padding to the next 32-bit boundary ...   |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// ```
/// Text is decoded as UTF-8 (invalid sequences are replaced). When written, item text is cut to 255
/// bytes on a character boundary, items of type 0 are skipped and at most 31 chunks are written.
public struct SourceDescription: Sendable, Hashable {
    public struct Item: Sendable, Hashable {
        /// 1 CNAME, 2 NAME, 3 EMAIL, 4 PHONE, 5 LOC, 6 TOOL, 7 NOTE, 8 PRIV, ...
        public var type: UInt8
        public var text: String

        public init(type: UInt8, text: String) {
            self.type = type
            self.text = text
        }

        public static let cnameType: UInt8 = 1
    }

    public struct Chunk: Sendable, Hashable {
        public var ssrc: UInt32
        public var items: [Item]

        public init(ssrc: UInt32, items: [Item]) {
            self.ssrc = ssrc
            self.items = items
        }
    }

    public var chunks: [Chunk]

    public init(chunks: [Chunk]) {
        self.chunks = chunks
    }

    /// One chunk with one CNAME item.
    public static func cname(ssrc: UInt32, cname: String) -> SourceDescription {
        SourceDescription(chunks: [Chunk(ssrc: ssrc, items: [Item(type: Item.cnameType, text: cname)])])
    }

    /// The CNAME of `ssrc`, if described.
    public func cname(of ssrc: UInt32) -> String? {
        chunks.first { $0.ssrc == ssrc }?.items.first { $0.type == Item.cnameType }?.text
    }

    init(body: inout ByteBuffer, count: UInt8) throws(RtcpParseError) {
        var chunks: [Chunk] = []
        chunks.reserveCapacity(Int(count))
        for _ in 0..<count {
            let chunkStart = body.readerIndex
            let ssrc: UInt32 = try body.readRtcp()
            var items: [Item] = []
            while true {
                let type: UInt8 = try body.readRtcp(or: .badItem) // missing end-of-items byte
                if type == 0 { break }
                let length: UInt8 = try body.readRtcp(or: .badItem)
                guard let text = body.readString(length: Int(length)) else { throw .badItem }
                items.append(Item(type: type, text: text))
            }
            let used = (body.readerIndex - chunkStart) % 4
            if used != 0 {
                guard body.readableBytes >= 4 - used else { throw .badItem }
                body.moveReaderIndex(forwardBy: 4 - used)
            }
            chunks.append(Chunk(ssrc: ssrc, items: items))
        }
        self.chunks = chunks
    }

    var count: UInt8 { UInt8(min(chunks.count, 31)) }

    func writeBody(into out: inout ByteBuffer) {
        for chunk in chunks.prefix(31) {
            let start = out.writerIndex
            out.writeInteger(chunk.ssrc)
            for item in chunk.items where item.type != 0 {
                let text = rtcpUtf8Prefix(item.text, maxBytes: 255)
                out.writeInteger(item.type)
                out.writeInteger(UInt8(text.count))
                out.writeBytes(text)
            }
            out.writeInteger(UInt8(0))
            out.writeRtcpZeroPadding(from: start)
        }
    }
}
