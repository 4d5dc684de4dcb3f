import NIOCore

/// RR: receiver report (RFC 3550 §6.4.2), PT=201, count = number of report blocks.
///
/// ```
/// |V=2|P|    RC   |   PT=RR=201   |             length            |
/// |                     SSRC of packet sender                     |
/// |                 report blocks (24 bytes each)                 |
/// ```
/// Profile-specific extensions after the report blocks are ignored; at most 31 blocks are written.
public struct ReceiverReport: Sendable, Hashable {
    public var ssrc: UInt32
    public var reports: [ReceptionReport]

    public init(ssrc: UInt32, reports: [ReceptionReport] = []) {
        self.ssrc = ssrc
        self.reports = reports
    }

    init(body: inout ByteBuffer, count: UInt8) throws(RtcpParseError) {
        ssrc = try body.readRtcp()
        reports = try ReceptionReport.readReports(count: count, from: &body)
    }

    var count: UInt8 { UInt8(min(reports.count, 31)) }

    func writeBody(into out: inout ByteBuffer) {
        out.writeInteger(ssrc)
        for report in reports.prefix(31) { report.write(into: &out) }
    }
}
