import Foundation
import Testing
import SluiceCrypto

@Suite("DtlsFingerprint parsing")
struct DtlsFingerprintTests {
    static func hexBytes(_ count: Int, lowercase: Bool = false) -> String {
        (0..<count).map { String(format: lowercase ? "%02x" : "%02X", ($0 * 37 + 0xA5) & 0xFF) }.joined(separator: ":")
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var algorithm: String
        var value: String
        var expected: Result<DtlsFingerprint, FingerprintValidationError>
        var testDescription: String { name }
    }

    static func ok(_ algorithm: DtlsFingerprint.Algorithm, _ value: String) -> Result<DtlsFingerprint, FingerprintValidationError> {
        .success(DtlsFingerprint.testValue(algorithm, value))
    }

    static let cases: [Case] = [
        Case(name: "valid sha-256", algorithm: "sha-256", value: hexBytes(32),
             expected: ok(.sha256, hexBytes(32))),
        Case(name: "valid sha-1", algorithm: "sha-1", value: hexBytes(20),
             expected: ok(.sha1, hexBytes(20))),
        Case(name: "valid sha-512", algorithm: "sha-512", value: hexBytes(64),
             expected: ok(.sha512, hexBytes(64))),
        Case(name: "lowercase value normalised", algorithm: "sha-256", value: hexBytes(32, lowercase: true),
             expected: ok(.sha256, hexBytes(32))),
        Case(name: "uppercase algorithm accepted", algorithm: "SHA-384", value: hexBytes(48),
             expected: ok(.sha384, hexBytes(48))),
        Case(name: "unknown algorithm", algorithm: "md5", value: hexBytes(16),
             expected: .failure(.unknownAlgorithm("md5"))),
        Case(name: "algorithm without dash", algorithm: "sha256", value: hexBytes(32),
             expected: .failure(.unknownAlgorithm("sha256"))),
        Case(name: "empty algorithm", algorithm: "", value: hexBytes(32),
             expected: .failure(.unknownAlgorithm(""))),
        Case(name: "too short", algorithm: "sha-256", value: hexBytes(31),
             expected: .failure(.malformedValue(algorithm: .sha256))),
        Case(name: "too long", algorithm: "sha-256", value: hexBytes(33),
             expected: .failure(.malformedValue(algorithm: .sha256))),
        Case(name: "sha-1 length given for sha-256", algorithm: "sha-256", value: hexBytes(20),
             expected: .failure(.malformedValue(algorithm: .sha256))),
        Case(name: "non-hex digit", algorithm: "sha-1", value: "G" + hexBytes(20).dropFirst(),
             expected: .failure(.malformedValue(algorithm: .sha1))),
        Case(name: "missing colons", algorithm: "sha-256", value: hexBytes(32).replacingOccurrences(of: ":", with: ""),
             expected: .failure(.malformedValue(algorithm: .sha256))),
        Case(name: "single-digit group", algorithm: "sha-1", value: "A" + hexBytes(20).dropFirst(2),
             expected: .failure(.malformedValue(algorithm: .sha1))),
        Case(name: "trailing colon", algorithm: "sha-1", value: hexBytes(20) + ":",
             expected: .failure(.malformedValue(algorithm: .sha1))),
        Case(name: "dash separators", algorithm: "sha-1", value: hexBytes(20).replacingOccurrences(of: ":", with: "-"),
             expected: .failure(.malformedValue(algorithm: .sha1))),
        Case(name: "surrounding whitespace", algorithm: "sha-1", value: " " + hexBytes(20),
             expected: .failure(.malformedValue(algorithm: .sha1))),
        Case(name: "fullwidth digits", algorithm: "sha-1", value: "\u{FF10}\u{FF10}" + hexBytes(20).dropFirst(2),
             expected: .failure(.malformedValue(algorithm: .sha1))),
        Case(name: "empty value", algorithm: "sha-256", value: "",
             expected: .failure(.malformedValue(algorithm: .sha256))),
    ]

    @Test(arguments: cases)
    func parse(_ testCase: Case) {
        #expect(DtlsFingerprint.parse(algorithm: testCase.algorithm, value: testCase.value) == testCase.expected)
    }

    @Test func errorDescriptions() {
        #expect(FingerprintValidationError.unknownAlgorithm("md5").description == "unknown fingerprint algorithm 'md5'")
        #expect(
            FingerprintValidationError.malformedValue(algorithm: .sha256).description
                == "fingerprint value for sha-256 must be 32 colon-separated hex bytes"
        )
    }

    @Test func throwingInitNormalises() throws {
        let fingerprint = try DtlsFingerprint(algorithm: .sha1, value: Self.hexBytes(20, lowercase: true))
        #expect(fingerprint.value == Self.hexBytes(20))
        #expect(fingerprint.description == "sha-1 " + Self.hexBytes(20))
        #expect(throws: FingerprintValidationError.malformedValue(algorithm: .sha1)) {
            try DtlsFingerprint(algorithm: .sha1, value: "AB")
        }
    }

    @Test func algorithmNames() {
        #expect(DtlsFingerprint.Algorithm.allCases.map(\.rawValue) == ["sha-1", "sha-224", "sha-256", "sha-384", "sha-512"])
        #expect(DtlsFingerprint.Algorithm.allCases.map(\.digestLength) == [20, 28, 32, 48, 64])
        #expect(DtlsFingerprint.Algorithm(name: "Sha-512") == .sha512)
        #expect(DtlsFingerprint.Algorithm(name: "md5") == nil)
    }

    @Test func codableRoundTripAndValidation() throws {
        let fingerprint = try DtlsFingerprint(algorithm: .sha256, value: Self.hexBytes(32))
        let json = try JSONEncoder().encode(fingerprint)
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: String])
        #expect(object == ["algorithm": "sha-256", "value": Self.hexBytes(32)])
        #expect(try JSONDecoder().decode(DtlsFingerprint.self, from: json) == fingerprint)

        let lower = Data(#"{"algorithm":"SHA-256","value":"\#(Self.hexBytes(32, lowercase: true))"}"#.utf8)
        #expect(try JSONDecoder().decode(DtlsFingerprint.self, from: lower) == fingerprint)

        let badAlgorithm = Data(#"{"algorithm":"md5","value":"AB"}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(DtlsFingerprint.self, from: badAlgorithm) }
        let badValue = Data(#"{"algorithm":"sha-256","value":"AB:CD"}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(DtlsFingerprint.self, from: badValue) }
    }
}

extension DtlsFingerprint {
    /// Test-only: a fingerprint from an already-valid value.
    static func testValue(_ algorithm: Algorithm, _ value: String) -> DtlsFingerprint {
        switch DtlsFingerprint.parse(algorithm: algorithm.rawValue, value: value) {
        case let .success(fingerprint): return fingerprint
        case let .failure(error): fatalError("invalid test fixture: \(error)")
        }
    }
}
