/// A codec or header-extension parameter value: ORTC allows strings and numbers only.
public enum ParameterValue: Sendable, Hashable, Codable, CustomStringConvertible {
    case int(Int)
    case double(Double)
    case string(String)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "must be a string or a number")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        }
    }

    /// The value as an integer when it is one (a string of digits counts, as SDP fmtp lines are text).
    public var intValue: Int? {
        switch self {
        case .int(let value): return value
        case .double(let value): return value == value.rounded() && abs(value) < 1e15 ? Int(value) : nil
        case .string(let value): return Int(value)
        }
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var description: String {
        switch self {
        case .int(let value): return String(value)
        case .double(let value): return String(value)
        case .string(let value): return value
        }
    }
}

/// Codec parameters keyed by name (`apt`, `profile-level-id`, `packetization-mode`, …).
public typealias CodecParameters = [String: ParameterValue]

extension Dictionary where Key == String, Value == ParameterValue {
    /// The integer value of `key`, or `defaultValue` when absent or not an integer.
    public func int(_ key: String, default defaultValue: Int) -> Int {
        self[key]?.intValue ?? defaultValue
    }
}
