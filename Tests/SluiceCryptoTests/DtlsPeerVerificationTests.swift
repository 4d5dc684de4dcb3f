import Testing
@testable import SluiceCrypto

@Suite("DtlsSession peer certificate pinning")
struct DtlsPeerVerificationTests {
    static func reason(_ events: [DtlsEvent]) -> String? {
        for event in events {
            if case let .failed(reason) = event { return reason }
        }
        return nil
    }

    @Test func clientRejectsWrongServerFingerprint() throws {
        let pair = try DtlsPair(clientExpects: DtlsFixtures.strangerCertificate.fingerprint(.sha256))
        pair.start(now: 0)
        pair.exchange(now: 0)

        #expect(pair.client.state == .failed)
        #expect(pair.client.srtpKeys == nil)
        let reason = try #require(Self.reason(pair.clientEvents))
        #expect(reason.contains("fingerprint mismatch"))
        #expect(reason.contains(DtlsFixtures.strangerCertificate.fingerprint(.sha256).value))
        #expect(pair.client.failureReason == reason)
        #expect(pair.clientEvents.count == 1)
        // What the server really presented is reported.
        #expect(pair.client.remoteCertificateFingerprint == DtlsFixtures.serverCertificate.fingerprint(.sha256))

        // The server got our bad_certificate alert: failed too, never connected, no keys.
        #expect(pair.server.state == .failed)
        #expect(pair.server.srtpKeys == nil)
        #expect(!pair.serverEvents.contains { if case .connected = $0 { true } else { false } })
        let serverReason = try #require(Self.reason(pair.serverEvents))
        #expect(serverReason.contains("bad certificate"))
        #expect(pair.server.malformedRecords == 1)  // the alert
    }

    @Test func serverRejectsWrongClientFingerprint() throws {
        let pair = try DtlsPair(serverExpects: DtlsFixtures.strangerCertificate.fingerprint(.sha1))
        pair.start(now: 0)
        pair.exchange(now: 0)

        #expect(pair.server.state == .failed)
        #expect(pair.server.srtpKeys == nil)
        let reason = try #require(Self.reason(pair.serverEvents))
        #expect(reason.contains("fingerprint mismatch"))
        #expect(pair.server.remoteCertificateFingerprint == DtlsFixtures.clientCertificate.fingerprint(.sha1))

        // The client had sent its Finished but never sees the server's.
        #expect(pair.client.state == .failed)
        #expect(pair.client.srtpKeys == nil)
    }

    @Test func sameValueUnderAnotherAlgorithmIsNotAccepted() throws {
        // The expected fingerprint must be compared with its own algorithm:
        // the right certificate's sha-384 digest announced as the peer's
        // expected sha-384 works, the sha-256 of a stranger does not.
        let good = try DtlsPair(clientExpects: DtlsFixtures.serverCertificate.fingerprint(.sha384))
        good.start(now: 0)
        good.exchange(now: 0)
        #expect(good.bothConnected)

        let bad = try DtlsPair(clientExpects: DtlsFixtures.clientCertificate.fingerprint(.sha384))
        bad.start(now: 0)
        bad.exchange(now: 0)
        #expect(bad.client.state == .failed)
    }

    @Test func inputAfterFailureIsCountedAndIgnored() throws {
        let pair = try DtlsPair(clientExpects: DtlsFixtures.strangerCertificate.fingerprint(.sha256))
        pair.start(now: 0)
        pair.exchange(now: 0)
        #expect(pair.client.state == .failed)
        let before = pair.client.malformedRecords
        var random = SeededGenerator(seed: 99)
        for _ in 0..<50 {
            var datagram = random.bytes(Int.random(in: 1...300, using: &random))
            datagram[0] = UInt8.random(in: 20...63, using: &random)
            pair.client.receive(datagram, now: 1)
        }
        pair.client.handleTimeout(now: 100)
        pair.client.close()
        #expect(pair.client.state == .failed)
        #expect(pair.client.malformedRecords == before + 50)
        #expect(pair.client.drainOutgoing().isEmpty)
        #expect(pair.client.drainEvents().isEmpty)
        #expect(pair.client.nextTimeout == nil)
    }
}
