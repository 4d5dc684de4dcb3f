/// Why bytes could not be parsed as a STUN message (RFC 5389 §6, §15).
public enum StunParseError: Error, Sendable, Hashable {
    /// Fewer than the 20 bytes of the header.
    case tooShort
    /// One of the two most significant bits is set, so this is not STUN (RFC 7983 demultiplexing).
    case notStun
    /// The message length is not a multiple of 4 or does not match the bytes given.
    case badLength
    /// An attribute runs past the end of the message, has the wrong length for its type, holds
    /// a bad value, or follows FINGERPRINT.
    case badAttribute
    /// The magic cookie is not 0x2112A442 (RFC 3489 messages are not accepted).
    case badMagicCookie
}
