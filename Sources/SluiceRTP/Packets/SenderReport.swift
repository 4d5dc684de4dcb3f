import NIOCore

/// SR: sender report (RFC 3550 §6.4.1), PT=200, count = number of report blocks.
///
/// ```
/// |V=2|P|    RC   |   PT=SR=200   |             length            |
/// |                         SSRC of sender                        |
/// |              NTP timestamp, most significant word             |
/// |             NTP timestamp, least significant word             |
/// |                         RTP timestamp                         |
/// |                     sender's packet count                     |
/// |                      sender's octet count                     |
/// |                 report blocks (24 bytes each)                 |
/// ```
/// Profile-specific extensions after the report blocks are ignored; at most 31 blocks are written.
public struct SenderReport: Sendable, Hashable {
    public var ssrc: UInt32
    public var ntpTimestamp: UInt64
    public var rtpTimestamp: UInt32
    public var packetCount: UInt32
    public var octetCount: UInt32
    public var reports: [ReceptionReport]

    public init(
        ssrc: UInt32, ntpTimestamp: UInt64, rtpTimestamp: UInt32, packetCount: UInt32, octetCount: UInt32,
        reports: [ReceptionReport] = []
    ) {
        self.ssrc = ssrc
        self.ntpTimestamp = ntpTimestamp
        self.rtpTimestamp = rtpTimestamp
        self.packetCount = packetCount
        self.octetCount = octetCount
        self.reports = reports
    }

    init(body: inout ByteBuffer, count: UInt8) throws(RtcpParseError) {
        ssrc = try body.readRtcp()
        ntpTimestamp = try body.readRtcp()
        rtpTimestamp = try body.readRtcp()
        packetCount = try body.readRtcp()
        octetCount = try body.readRtcp()
        reports = try ReceptionReport.readReports(count: count, from: &body)
    }

    var count: UInt8 { UInt8(min(reports.count, 31)) }

    func writeBody(into out: inout ByteBuffer) {
        out.writeInteger(ssrc)
        out.writeInteger(ntpTimestamp)
        out.writeInteger(rtpTimestamp)
        out.writeInteger(packetCount)
        out.writeInteger(octetCount)
        for report in reports.prefix(31) { report.write(into: &out) }
    }
}
