import NIOCore

/// XR: RTCP extended report (RFC 3611), PT=207.
///
/// ```
/// |V=2|P|reserved |   PT=XR=207   |             length            |
/// |                              SSRC                             |
/// :                         report blocks                         :
///
/// block: |      BT       | type-specific |         block length (words)  |
///        :                         contents                              :
/// ```
/// Receiver reference time (BT=4, length 2): a 64-bit NTP timestamp.
/// DLRR (BT=5, length 3n): n sub-blocks of SSRC, last RR (LRR), delay since last RR (DLRR).
/// Other blocks are kept as bytes. When written, unknown blocks get type-specific byte 0 and are
/// zero-padded to a word.
public struct ExtendedReport: Sendable, Hashable {
    public struct DlrrSubBlock: Sendable, Hashable {
        public var ssrc: UInt32
        public var lastReceiverReport: UInt32
        public var delaySinceLastReceiverReport: UInt32

        public init(ssrc: UInt32, lastReceiverReport: UInt32, delaySinceLastReceiverReport: UInt32) {
            self.ssrc = ssrc
            self.lastReceiverReport = lastReceiverReport
            self.delaySinceLastReceiverReport = delaySinceLastReceiverReport
        }
    }

    public enum Block: Sendable, Hashable {
        case receiverReferenceTime(ntpTimestamp: UInt64)
        case dlrr([DlrrSubBlock])
        /// Any other block type; `bytes` are the contents after the 4-byte block header (the
        /// type-specific byte is not kept).
        case unknown(type: UInt8, bytes: [UInt8])
    }

    static let receiverReferenceTimeType: UInt8 = 4
    static let dlrrType: UInt8 = 5

    public var ssrc: UInt32
    public var blocks: [Block]

    public init(ssrc: UInt32, blocks: [Block]) {
        self.ssrc = ssrc
        self.blocks = blocks
    }

    init(body: inout ByteBuffer) throws(RtcpParseError) {
        ssrc = try body.readRtcp()
        var blocks: [Block] = []
        while body.readableBytes >= 4 {
            let type: UInt8 = try body.readRtcp()
            body.moveReaderIndex(forwardBy: 1) // type-specific
            let words = Int(try body.readRtcp(UInt16.self))
            guard var contents = body.readSlice(length: words * 4) else { throw .badItem }
            switch type {
            case Self.receiverReferenceTimeType:
                guard words == 2 else { throw .badItem }
                blocks.append(.receiverReferenceTime(ntpTimestamp: try contents.readRtcp(or: .badItem)))
            case Self.dlrrType:
                guard words % 3 == 0 else { throw .badItem }
                var subBlocks: [DlrrSubBlock] = []
                subBlocks.reserveCapacity(words / 3)
                while contents.readableBytes >= 12 {
                    subBlocks.append(DlrrSubBlock(
                        ssrc: try contents.readRtcp(or: .badItem),
                        lastReceiverReport: try contents.readRtcp(or: .badItem),
                        delaySinceLastReceiverReport: try contents.readRtcp(or: .badItem)))
                }
                blocks.append(.dlrr(subBlocks))
            default:
                blocks.append(.unknown(type: type, bytes: contents.readBytes(length: contents.readableBytes) ?? []))
            }
        }
        self.blocks = blocks
    }

    func writeBody(into out: inout ByteBuffer) {
        out.writeInteger(ssrc)
        for block in blocks {
            switch block {
            case .receiverReferenceTime(let ntpTimestamp):
                out.writeInteger(Self.receiverReferenceTimeType)
                out.writeInteger(UInt8(0))
                out.writeInteger(UInt16(2))
                out.writeInteger(ntpTimestamp)
            case .dlrr(let subBlocks):
                let subBlocks = subBlocks.prefix(0xFFFF / 3)
                out.writeInteger(Self.dlrrType)
                out.writeInteger(UInt8(0))
                out.writeInteger(UInt16(subBlocks.count * 3))
                for subBlock in subBlocks {
                    out.writeInteger(subBlock.ssrc)
                    out.writeInteger(subBlock.lastReceiverReport)
                    out.writeInteger(subBlock.delaySinceLastReceiverReport)
                }
            case .unknown(let type, let bytes):
                let bytes = bytes.prefix(0xFFFF * 4)
                let start = out.writerIndex
                out.writeInteger(type)
                out.writeInteger(UInt8(0))
                out.writeInteger(UInt16((bytes.count + 3) / 4))
                out.writeBytes(bytes)
                out.writeRtcpZeroPadding(from: start)
            }
        }
    }
}
