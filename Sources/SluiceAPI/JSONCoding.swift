public import Hummingbird
internal import Foundation

/// The one JSON configuration of the API: stable key order, no escaped slashes.
enum JSONCoding {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static let decoder = JSONDecoder()

    /// A 200 (or given status) response with a JSON body.
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encoder.encode(value)
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A response with no body (v3 routes answer 200 this way; extensions use 204).
    static func empty(_ status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentLength: "0"])
    }
}

extension Request {
    /// Collects and decodes a JSON body, turning every failure into a 400/413 problem that names
    /// the offending field.
    mutating func decodeJSON<T: Decodable>(_ type: T.Type, limit: Int, optional: Bool = false) async throws -> T? {
        let buffer = try await collectBody(upTo: limit)
        if buffer.readableBytes == 0 || buffer.readableBytesView.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            if optional { return nil }
            throw Problem.invalid("request body: a JSON object is required")
        }
        do {
            return try JSONCoding.decoder.decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty,
                let field = NumberFieldScan.firstBadInteger(in: Data(buffer.readableBytesView))
            {
                // The decoder reports numbers that do not fit their integer field without a path.
                throw Problem.invalid("\(field): must be an integer within range")
            }
            throw Problem.invalid(DecodingErrorDescription.describe(error))
        }
    }
}

/// Human-readable, field-naming text for `DecodingError`s.
enum DecodingErrorDescription {
    static func path(_ codingPath: [any CodingKey]) -> String {
        var text = ""
        for key in codingPath {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return text
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .typeMismatch(let type, let context):
            let field = path(context.codingPath)
            return "\(field.isEmpty ? "request body" : field): expected \(typeName(type))"
        case .valueNotFound(let type, let context):
            let field = path(context.codingPath)
            return "\(field.isEmpty ? "request body" : field): expected \(typeName(type)), found null"
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])): required field is missing"
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            if field.isEmpty { return "request body: malformed JSON" }
            return "\(field): \(context.debugDescription)"
        @unknown default:
            return "request body: cannot be decoded"
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "a boolean"
        case is Int.Type, is UInt32.Type, is Int64.Type, is UInt64.Type, is UInt16.Type: return "an integer"
        case is Double.Type, is Float.Type: return "a number"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") { return "an array" }
            if name.hasPrefix("Dictionary") || name.contains("KeyedDecodingContainer") { return "an object" }
            return "a JSON object"
        }
    }
}

/// Finds integer fields holding fractional, negative or oversized numbers, to name them in errors.
enum NumberFieldScan {
    /// Fields that are unsigned integers of at most 32 bits wherever they appear.
    static let integerFields: Set<String> = [
        "ssrc", "port", "rtcpPort", "payloadType", "preferredPayloadType", "clockRate", "channels", "id",
        "preferredId", "codecPayloadType", "maxBitrate", "OS", "MIS",
    ]

    static func firstBadInteger(in data: Data) -> String? {
        guard let root = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else { return nil }
        return scan(root, path: "")
    }

    private static func scan(_ value: Any, path: String) -> String? {
        if let object = value as? [String: Any] {
            for key in object.keys.sorted() {
                guard let child = object[key] else { continue }
                let childPath = path.isEmpty ? key : "\(path).\(key)"
                if integerFields.contains(key), let number = child as? NSNumber, !isUnsigned32(number) {
                    return childPath
                }
                if let found = scan(child, path: childPath) { return found }
            }
        } else if let array = value as? [Any] {
            for (index, child) in array.enumerated() {
                if let found = scan(child, path: "\(path)[\(index)]") { return found }
            }
        }
        return nil
    }

    private static func isUnsigned32(_ number: NSNumber) -> Bool {
        let value = number.doubleValue
        return value >= 0 && value <= 4_294_967_295 && value == value.rounded()
    }
}
