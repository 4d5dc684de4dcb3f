/// Failures of the network layer, with what a client or operator needs to know.
public enum NetError: Error, Sendable, CustomStringConvertible {
    case portRangeExhausted(ClosedRange<Int>)
    case bindFailed(host: String, underlying: String)
    case roomNotFound(String)

    public var description: String {
        switch self {
        case .portRangeExhausted(let range):
            return "no free UDP port left in \(range.lowerBound)-\(range.upperBound)"
        case .bindFailed(let host, let underlying):
            return "cannot bind a UDP socket on \(host): \(underlying)"
        case .roomNotFound(let id):
            return "room '\(id)' not found"
        }
    }
}
