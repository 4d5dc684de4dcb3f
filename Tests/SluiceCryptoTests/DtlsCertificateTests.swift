import Foundation
import Testing
@testable import SluiceCrypto

@Suite("DtlsCertificate")
struct DtlsCertificateTests {
    static let expectedLengths: [(DtlsFingerprint.Algorithm, bytes: Int, characters: Int)] = [
        (.sha1, 20, 59),
        (.sha224, 28, 83),
        (.sha256, 32, 95),
        (.sha384, 48, 143),
        (.sha512, 64, 191),
    ]

    @Test func generatesFiveFingerprintsInOrder() throws {
        let certificate = try DtlsCertificate.generate()
        #expect(certificate.fingerprints.map(\.algorithm) == [.sha1, .sha224, .sha256, .sha384, .sha512])
        #expect(certificate.fingerprints.map(\.algorithm) == DtlsFingerprint.Algorithm.allCases)
        for (algorithm, bytes, characters) in Self.expectedLengths {
            let fingerprint = certificate.fingerprint(algorithm)
            #expect(fingerprint.algorithm == algorithm)
            #expect(algorithm.digestLength == bytes)
            #expect(fingerprint.value.count == characters)
            let groups = fingerprint.value.split(separator: ":", omittingEmptySubsequences: false)
            #expect(groups.count == bytes)
            #expect(groups.allSatisfy { $0.count == 2 && $0.allSatisfy { "0123456789ABCDEF".contains($0) } })
        }
    }

    @Test func fingerprintsRoundTripThroughParse() throws {
        let certificate = try DtlsCertificate.generate()
        for fingerprint in certificate.fingerprints {
            let parsed = DtlsFingerprint.parse(algorithm: fingerprint.algorithm.rawValue, value: fingerprint.value)
            #expect(parsed == .success(fingerprint))
        }
    }

    @Test func twoCertificatesDiffer() throws {
        let a = try DtlsCertificate.generate()
        let b = try DtlsCertificate.generate()
        #expect(a.derBytes != b.derBytes)
        for algorithm in DtlsFingerprint.Algorithm.allCases {
            #expect(a.fingerprint(algorithm) != b.fingerprint(algorithm))
        }
    }

    @Test func concurrentGenerationYieldsDistinctCertificates() async throws {
        let fingerprints = try await withThrowingTaskGroup(of: DtlsFingerprint.self) { group in
            for _ in 0..<16 {
                group.addTask { try DtlsCertificate.generate().fingerprint(.sha256) }
            }
            var all: Set<DtlsFingerprint> = []
            for try await fingerprint in group { all.insert(fingerprint) }
            return all
        }
        #expect(fingerprints.count == 16)
    }

    @Test(arguments: DtlsFingerprint.Algorithm.allCases)
    func fingerprintMatchesOpenSSLCLI(_ algorithm: DtlsFingerprint.Algorithm) throws {
        let certificate = try DtlsCertificate.generate()
        let flag = "-" + algorithm.rawValue.replacingOccurrences(of: "-", with: "")
        let output = try OpenSSLCLI.x509(der: certificate.derBytes, arguments: ["-fingerprint", flag])
        #expect(output.status == 0, "\(output.stderr)")
        // e.g. "sha256 Fingerprint=AB:CD:..."
        let line = output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let parts = line.split(separator: "=", maxSplits: 1)
        try #require(parts.count == 2, "unexpected openssl output: \(line)")
        #expect(String(parts[1]).uppercased() == certificate.fingerprint(algorithm).value)
    }

    @Test func certificateContentsAccordingToOpenSSLCLI() throws {
        let certificate = try DtlsCertificate.generate(commonName: "sluice-test", validityDays: 10)
        let text = try OpenSSLCLI.x509(der: certificate.derBytes, arguments: ["-text"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("prime256v1"))
        #expect(text.stdout.contains("id-ecPublicKey"))
        #expect(text.stdout.contains("ecdsa-with-SHA256"))
        #expect(text.stdout.contains("Version: 3 (0x2)"))
        #expect(text.stdout.contains("Issuer: CN = sluice-test"))
        #expect(text.stdout.contains("Subject: CN = sluice-test"))

        // Self-signed: verifies against itself.
        let file = FileManager.default.temporaryDirectory
            .appendingPathComponent("sluice-crypto-verify-\(UUID().uuidString).der")
        try Data(certificate.derBytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let pem = file.path + ".pem"
        defer { try? FileManager.default.removeItem(atPath: pem) }
        #expect(try OpenSSLCLI.run(["x509", "-inform", "DER", "-in", file.path, "-out", pem]).status == 0)
        let verify = try OpenSSLCLI.run(["verify", "-CAfile", pem, pem])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")

        // Serial: positive, non-zero, at most 64 bits.
        let serial = try OpenSSLCLI.x509(der: certificate.derBytes, arguments: ["-serial"])
        let hex = serial.stdout.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "serial=", with: "")
        let value = try #require(UInt64(hex, radix: 16), "serial \(hex) is not a 64-bit number")
        #expect(value != 0)
    }

    @Test func validityWindow() throws {
        let certificate = try DtlsCertificate.generate(validityDays: 10)
        let day = 86_400
        // Still valid 9 days from now...
        let nineDays = try OpenSSLCLI.x509(der: certificate.derBytes, arguments: ["-checkend", String(9 * day)])
        #expect(nineDays.status == 0)
        // ...but expired 11 days from now.
        let elevenDays = try OpenSSLCLI.x509(der: certificate.derBytes, arguments: ["-checkend", String(11 * day)])
        #expect(elevenDays.status == 1)
        // notBefore is roughly one day in the past.
        let start = try OpenSSLCLI.x509(der: certificate.derBytes, arguments: ["-startdate"])
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "MMM d HH:mm:ss yyyy 'GMT'"
        let raw = start.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            .replacingOccurrences(of: "notBefore=", with: "")
            .replacingOccurrences(of: "  ", with: " ")
        let notBefore = try #require(formatter.date(from: raw), "unparseable notBefore: \(raw)")
        let age = Date().timeIntervalSince(notBefore)
        #expect(abs(age - Double(day)) < 120, "notBefore is \(age)s in the past")
    }

    @Test(arguments: [0, -1, DtlsCertificate.maximumValidityDays + 1])
    func rejectsBadValidity(_ days: Int) {
        #expect(throws: CryptoError.self) { try DtlsCertificate.generate(validityDays: days) }
        do {
            _ = try DtlsCertificate.generate(validityDays: days)
        } catch let error as CryptoError {
            guard case .invalidArgument = error else {
                Issue.record("expected invalidArgument, got \(error)")
                return
            }
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func openSSLFailureCarriesErrorQueueMessage() {
        // X.509 limits commonName to 64 characters; OpenSSL rejects longer ones.
        do {
            _ = try DtlsCertificate.generate(commonName: String(repeating: "x", count: 65))
            Issue.record("expected failure")
        } catch let error as CryptoError {
            guard case let .openSSL(operation, message) = error else {
                Issue.record("expected openSSL error, got \(error)")
                return
            }
            #expect(operation.hasPrefix("X509_NAME_add_entry_by_txt"))
            #expect(message.contains("error:"), "message: \(message)")
            #expect(error.description.contains(message))
        } catch {
            Issue.record("unexpected error \(error)")
        }
        // The queue was drained, so a following success is unaffected.
        #expect(throws: Never.self) { try DtlsCertificate.generate() }
    }

    @Test func rawPointersAreAvailableInternally() throws {
        let certificate = try DtlsCertificate.generate()
        withExtendedLifetime(certificate) {
            _ = certificate.x509Pointer
            _ = certificate.privateKeyPointer
        }
    }
}

@Suite("CryptoLibraryInfo")
struct CryptoLibraryInfoTests {
    @Test func versions() {
        #expect(CryptoLibraryInfo.openSSLVersion.hasPrefix("OpenSSL 3"))
        #expect(CryptoLibraryInfo.srtpVersion.lowercased().contains("srtp"))
    }
}
