import NIOCore

/// A report block of an SR or RR (RFC 3550 §6.4.1), 24 bytes:
///
/// ```
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |                 SSRC_1 (SSRC of first source)                 |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | fraction lost |       cumulative number of packets lost       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           extended highest sequence number received           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                      interarrival jitter                      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         last SR (LSR)                         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                   delay since last SR (DLSR)                  |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// ```
public struct ReceptionReport: Sendable, Hashable {
    public var ssrc: UInt32
    public var fractionLost: UInt8
    /// Cumulative packets lost, a 24-bit signed value (clamped to that range when written).
    public var totalLost: Int32
    public var highestSequenceNumber: UInt32
    public var jitter: UInt32
    public var lastSenderReport: UInt32
    public var delaySinceLastSenderReport: UInt32

    public init(
        ssrc: UInt32, fractionLost: UInt8 = 0, totalLost: Int32 = 0, highestSequenceNumber: UInt32 = 0,
        jitter: UInt32 = 0, lastSenderReport: UInt32 = 0, delaySinceLastSenderReport: UInt32 = 0
    ) {
        self.ssrc = ssrc
        self.fractionLost = fractionLost
        self.totalLost = totalLost
        self.highestSequenceNumber = highestSequenceNumber
        self.jitter = jitter
        self.lastSenderReport = lastSenderReport
        self.delaySinceLastSenderReport = delaySinceLastSenderReport
    }

    static let wireLength = 24

    init(reading body: inout ByteBuffer) throws(RtcpParseError) {
        ssrc = try body.readRtcp()
        fractionLost = try body.readRtcp()
        totalLost = rtcpSignExtend24(try body.readRtcpUInt24())
        highestSequenceNumber = try body.readRtcp()
        jitter = try body.readRtcp()
        lastSenderReport = try body.readRtcp()
        delaySinceLastSenderReport = try body.readRtcp()
    }

    func write(into out: inout ByteBuffer) {
        out.writeInteger(ssrc)
        out.writeInteger(fractionLost)
        out.writeRtcpUInt24(rtcpEncodeSigned24(totalLost))
        out.writeInteger(highestSequenceNumber)
        out.writeInteger(jitter)
        out.writeInteger(lastSenderReport)
        out.writeInteger(delaySinceLastSenderReport)
    }

    static func readReports(count: UInt8, from body: inout ByteBuffer) throws(RtcpParseError) -> [ReceptionReport] {
        guard body.readableBytes >= Int(count) * wireLength else { throw .badLength }
        var reports: [ReceptionReport] = []
        reports.reserveCapacity(Int(count))
        for _ in 0..<count { reports.append(try ReceptionReport(reading: &body)) }
        return reports
    }
}
