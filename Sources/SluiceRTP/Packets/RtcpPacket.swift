public import NIOCore

/// One RTCP packet of a compound packet.
public enum RtcpPacket: Sendable, Hashable {
    case senderReport(SenderReport)
    case receiverReport(ReceiverReport)
    case sourceDescription(SourceDescription)
    case goodbye(Goodbye)
    case nack(GenericNack)
    case pli(PictureLossIndication)
    case fir(FullIntraRequest)
    case remb(ReceiverEstimatedMaxBitrate)
    case transportCC(TransportLayerCC)
    case extendedReport(ExtendedReport)
    /// Anything else (APP, other feedback formats, ...): the header's packet type and count/FMT, and
    /// the body after the 4-byte header without padding. Written back as is (RTCP-padded to a word).
    case unknown(packetType: UInt8, count: UInt8, body: [UInt8])

    /// Parses one packet body (header and padding already removed).
    init(packetType: UInt8, count: UInt8, body: ByteBuffer) throws(RtcpParseError) {
        var reader = body
        switch (packetType, count) {
        case (RtcpPacketType.senderReport, _):
            self = .senderReport(try SenderReport(body: &reader, count: count))
        case (RtcpPacketType.receiverReport, _):
            self = .receiverReport(try ReceiverReport(body: &reader, count: count))
        case (RtcpPacketType.sourceDescription, _):
            self = .sourceDescription(try SourceDescription(body: &reader, count: count))
        case (RtcpPacketType.goodbye, _):
            self = .goodbye(try Goodbye(body: &reader, count: count))
        case (RtcpPacketType.transportFeedback, RtcpPacketType.fmtNack):
            self = .nack(try GenericNack(body: &reader))
        case (RtcpPacketType.transportFeedback, RtcpPacketType.fmtTransportCC):
            self = .transportCC(try TransportLayerCC(body: &reader))
        case (RtcpPacketType.payloadFeedback, RtcpPacketType.fmtPli):
            self = .pli(try PictureLossIndication(body: &reader))
        case (RtcpPacketType.payloadFeedback, RtcpPacketType.fmtFir):
            self = .fir(try FullIntraRequest(body: &reader))
        case (RtcpPacketType.payloadFeedback, RtcpPacketType.fmtAfb) where ReceiverEstimatedMaxBitrate.isRemb(body):
            self = .remb(try ReceiverEstimatedMaxBitrate(body: &reader))
        case (RtcpPacketType.extendedReport, _):
            self = .extendedReport(try ExtendedReport(body: &reader))
        default:
            self = .unknown(packetType: packetType, count: count, body: reader.readBytes(length: reader.readableBytes) ?? [])
        }
    }

    /// The packet type (PT) written in the header.
    public var packetType: UInt8 {
        switch self {
        case .senderReport: RtcpPacketType.senderReport
        case .receiverReport: RtcpPacketType.receiverReport
        case .sourceDescription: RtcpPacketType.sourceDescription
        case .goodbye: RtcpPacketType.goodbye
        case .nack, .transportCC: RtcpPacketType.transportFeedback
        case .pli, .fir, .remb: RtcpPacketType.payloadFeedback
        case .extendedReport: RtcpPacketType.extendedReport
        case .unknown(let packetType, _, _): packetType
        }
    }

    /// The 5-bit count/FMT field written in the header.
    var headerCount: UInt8 {
        switch self {
        case .senderReport(let packet): packet.count
        case .receiverReport(let packet): packet.count
        case .sourceDescription(let packet): packet.count
        case .goodbye(let packet): packet.count
        case .nack: RtcpPacketType.fmtNack
        case .transportCC: RtcpPacketType.fmtTransportCC
        case .pli: RtcpPacketType.fmtPli
        case .fir: RtcpPacketType.fmtFir
        case .remb: RtcpPacketType.fmtAfb
        case .extendedReport: 0
        case .unknown(_, let count, _): count & 0x1F
        }
    }

    /// Appends the packet: header, body, and RTCP padding (P=1) when the body is not word-aligned.
    public func write(into out: inout ByteBuffer) {
        let start = out.writerIndex
        out.writeInteger(0x80 | headerCount)
        out.writeInteger(packetType)
        out.writeInteger(UInt16(0)) // length, patched below
        switch self {
        case .senderReport(let packet): packet.writeBody(into: &out)
        case .receiverReport(let packet): packet.writeBody(into: &out)
        case .sourceDescription(let packet): packet.writeBody(into: &out)
        case .goodbye(let packet): packet.writeBody(into: &out)
        case .nack(let packet): packet.writeBody(into: &out)
        case .pli(let packet): packet.writeBody(into: &out)
        case .fir(let packet): packet.writeBody(into: &out)
        case .remb(let packet): packet.writeBody(into: &out)
        case .transportCC(let packet): packet.writeBody(into: &out)
        case .extendedReport(let packet): packet.writeBody(into: &out)
        case .unknown(_, _, let body): out.writeBytes(body)
        }
        let unaligned = (out.writerIndex - start) % 4
        if unaligned != 0 {
            let padding = 4 - unaligned
            out.writeRepeatingByte(0, count: padding - 1)
            out.writeInteger(UInt8(padding))
            out.setInteger(0xA0 | headerCount, at: start)
        }
        let words = (out.writerIndex - start) / 4 - 1
        out.setInteger(UInt16(truncatingIfNeeded: words), at: start + 2)
    }
}
