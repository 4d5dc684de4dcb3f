internal import SluiceRTP

/// Why the engine refused a request; the API layer maps each case to an HTTP status.
public enum EngineError: Error, Sendable, Hashable, CustomStringConvertible {
    /// An id names nothing (404).
    case notFound(String)
    /// The request is malformed (400).
    case invalid(String)
    /// The request clashes with current state: duplicates, second connect (409).
    case conflict(String)
    /// Well-formed but not something this room can do: codecs (422).
    case unsupported(String)
    /// A feature that does not exist yet (501).
    case notImplemented(String)

    public var description: String {
        switch self {
        case .notFound(let message), .invalid(let message), .conflict(let message), .unsupported(let message),
            .notImplemented(let message):
            return message
        }
    }

    init(_ error: OrtcError) {
        switch error {
        case .invalid(let message): self = .invalid(message)
        case .unsupported(let message): self = .unsupported(message)
        }
    }
}
