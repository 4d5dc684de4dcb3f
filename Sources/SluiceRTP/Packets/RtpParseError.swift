/// Why bytes could not be parsed as an RTP packet (RFC 3550 §5.1).
public enum RtpParseError: Error, Sendable, Hashable {
    /// Fewer than the 12 bytes of the fixed header.
    case tooShort
    /// The version field is not 2.
    case badVersion
    /// The CSRC count names more CSRCs than there are bytes.
    case badCsrcCount
    /// The X bit is set but the extension header or its declared length runs past the end.
    case badExtension
    /// The P bit is set but the padding count is 0 or longer than what follows the header.
    case badPadding
}
