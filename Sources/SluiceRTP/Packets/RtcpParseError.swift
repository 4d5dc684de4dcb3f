/// Why bytes could not be parsed as RTCP.
public enum RtcpParseError: Error, Sendable, Hashable {
    /// Fewer bytes than a common header (4), or 1–3 stray bytes after the last packet.
    case tooShort
    /// The version field is not 2.
    case badVersion
    /// A length field runs past the buffer, or a packet is shorter than its fixed part or its
    /// count says.
    case badLength
    /// The P bit is set but the padding count is 0 or longer than the packet body.
    case badPadding
    /// An item inside a packet is malformed: SDES item past the end or unterminated, BYE reason past
    /// the end, XR block length past the end or wrong for its type, transport-cc chunks or deltas
    /// missing or a reserved status symbol.
    case badItem
}
