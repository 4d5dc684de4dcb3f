/// A DTLS certificate fingerprint as carried in SDP (`a=fingerprint:`) and in
/// mediasoup-style `dtlsParameters.fingerprints` (RFC 8122 / RFC 4572).
///
/// `value` is uppercase hex bytes separated by colons, e.g. `"AB:CD:01:…"`.
public struct DtlsFingerprint: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Hash functions from the IANA "Hash Function Textual Names" registry that
    /// WebRTC endpoints use for certificate fingerprints.
    public enum Algorithm: String, Sendable, Codable, CaseIterable {
        case sha1 = "sha-1"
        case sha224 = "sha-224"
        case sha256 = "sha-256"
        case sha384 = "sha-384"
        case sha512 = "sha-512"

        /// Digest size in bytes.
        public var digestLength: Int {
            switch self {
            case .sha1: 20
            case .sha224: 28
            case .sha256: 32
            case .sha384: 48
            case .sha512: 64
            }
        }

        /// Position in `allCases` (and in `DtlsCertificate.fingerprints`).
        var ordinal: Int {
            switch self {
            case .sha1: 0
            case .sha224: 1
            case .sha256: 2
            case .sha384: 3
            case .sha512: 4
            }
        }

        /// Case-insensitive lookup by textual name (`"SHA-256"` → `.sha256`).
        public init?(name: String) {
            self.init(rawValue: name.lowercased())
        }
    }

    public var algorithm: Algorithm
    public var value: String

    /// Validates and normalises (to uppercase) a fingerprint value.
    public init(algorithm: Algorithm, value: String) throws(FingerprintValidationError) {
        guard let normalised = Self.normalise(value, for: algorithm) else {
            throw .malformedValue(algorithm: algorithm)
        }
        self.algorithm = algorithm
        self.value = normalised
    }

    /// Builds a fingerprint from raw digest bytes (already validated by the caller).
    init(algorithm: Algorithm, digest: some Sequence<UInt8>) {
        self.algorithm = algorithm
        self.value = digest.map(Self.hexByte).joined(separator: ":")
    }

    /// Validates an algorithm name (case-insensitive) and a colon-separated hex
    /// value of exactly `digestLength` bytes; the result's value is uppercase.
    public static func parse(algorithm: String, value: String) -> Result<DtlsFingerprint, FingerprintValidationError> {
        guard let parsedAlgorithm = Algorithm(name: algorithm) else {
            return .failure(.unknownAlgorithm(algorithm))
        }
        do {
            return .success(try DtlsFingerprint(algorithm: parsedAlgorithm, value: value))
        } catch {
            return .failure(error)
        }
    }

    /// SDP attribute form: `"sha-256 AB:CD:…"`.
    public var description: String { "\(algorithm.rawValue) \(value)" }

    // MARK: Codable — `{"algorithm": "sha-256", "value": "AB:CD:…"}`, validated on decode.

    private enum CodingKeys: String, CodingKey {
        case algorithm
        case value
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let algorithmName = try container.decode(String.self, forKey: .algorithm)
        let rawValue = try container.decode(String.self, forKey: .value)
        switch Self.parse(algorithm: algorithmName, value: rawValue) {
        case let .success(fingerprint):
            self = fingerprint
        case let .failure(error):
            let key: CodingKeys = if case .unknownAlgorithm = error { .algorithm } else { .value }
            throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(algorithm.rawValue, forKey: .algorithm)
        try container.encode(value, forKey: .value)
    }

    // MARK: Helpers

    private static let hexDigits: [Character] = Array("0123456789ABCDEF")

    private static func hexByte(_ byte: UInt8) -> String {
        String([hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]])
    }

    /// Returns the uppercase form of `value` if it is exactly
    /// `algorithm.digestLength` colon-separated two-digit hex bytes, else `nil`.
    private static func normalise(_ value: String, for algorithm: Algorithm) -> String? {
        let groups = value.utf8.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        guard groups.count == algorithm.digestLength else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(algorithm.digestLength * 3)
        for group in groups {
            guard group.count == 2 else { return nil }
            if !output.isEmpty { output.append(UInt8(ascii: ":")) }
            for byte in group {
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "A")...UInt8(ascii: "F"):
                    output.append(byte)
                case UInt8(ascii: "a")...UInt8(ascii: "f"):
                    output.append(byte - 0x20)
                default:
                    return nil
                }
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}

/// Why a fingerprint (algorithm name or value) was rejected.
public enum FingerprintValidationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The algorithm name is not one of `DtlsFingerprint.Algorithm`'s names.
    case unknownAlgorithm(String)
    /// The value is not `digestLength` colon-separated two-digit hex bytes.
    case malformedValue(algorithm: DtlsFingerprint.Algorithm)

    public var description: String {
        switch self {
        case let .unknownAlgorithm(name):
            return "unknown fingerprint algorithm '\(name)'"
        case let .malformedValue(algorithm):
            return "fingerprint value for \(algorithm.rawValue) must be \(algorithm.digestLength) colon-separated hex bytes"
        }
    }
}
