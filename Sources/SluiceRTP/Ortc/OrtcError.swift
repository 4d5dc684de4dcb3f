/// Why a set of RTP parameters or capabilities was refused.
public enum OrtcError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The input is malformed: a missing or out-of-range field (a client error, HTTP 400).
    case invalid(String)
    /// The input is well formed but names a codec or feature the router cannot take (HTTP 422).
    case unsupported(String)

    public var description: String {
        switch self {
        case .invalid(let message), .unsupported(let message): return message
        }
    }
}
