import NIOCore

/// PLI (RFC 4585 §6.3.1): PSFB (PT=206), FMT=1, no FCI.
///
/// ```
/// |V=2|P|  FMT=1  |   PT=206      |          length=2             |
/// |                  SSRC of packet sender                        |
/// |                  SSRC of media source                         |
/// ```
public struct PictureLossIndication: Sendable, Hashable {
    public var senderSsrc: UInt32
    public var mediaSsrc: UInt32

    public init(senderSsrc: UInt32, mediaSsrc: UInt32) {
        self.senderSsrc = senderSsrc
        self.mediaSsrc = mediaSsrc
    }

    init(body: inout ByteBuffer) throws(RtcpParseError) {
        senderSsrc = try body.readRtcp()
        mediaSsrc = try body.readRtcp()
    }

    func writeBody(into out: inout ByteBuffer) {
        out.writeInteger(senderSsrc)
        out.writeInteger(mediaSsrc)
    }
}
