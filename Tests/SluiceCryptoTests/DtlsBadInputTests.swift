import Testing
@testable import SluiceCrypto

@Suite("DtlsSession bad input")
struct DtlsBadInputTests {
    /// A datagram the demultiplexer would route to DTLS (first byte 20...63)
    /// with random content.
    static func garbage(_ random: inout SeededGenerator) -> [UInt8] {
        var datagram = random.bytes(Int.random(in: 1...1400, using: &random))
        datagram[0] = UInt8.random(in: 20...63, using: &random)
        return datagram
    }

    static func record(type: UInt8, epoch: UInt16 = 0, sequence: UInt64 = 0, body: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [type, 0xFE, 0xFD, UInt8(epoch >> 8), UInt8(epoch & 0xFF)]
        for shift in stride(from: 40, through: 0, by: -8) {
            bytes.append(UInt8((sequence >> UInt64(shift)) & 0xFF))
        }
        bytes += [UInt8(body.count >> 8), UInt8(body.count & 0xFF)]
        return bytes + body
    }

    static func handshakeFragment(type: UInt8, length: Int, offset: Int = 0, fragment: [UInt8]) -> [UInt8] {
        func uint24(_ value: Int) -> [UInt8] { [UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)] }
        return [type] + uint24(length) + [0, 0] + uint24(offset) + uint24(fragment.count) + fragment
    }

    @Test func thousandsOfRandomDatagramsBeforeDuringAndAfterTheHandshake() throws {
        var random = SeededGenerator(seed: 0x5EED)
        let pair = try DtlsPair()

        // Before: the server has not started; garbage must not start it.
        for _ in 0..<1000 {
            pair.server.receive(Self.garbage(&random), now: 0)
            pair.client.receive(Self.garbage(&random), now: 0)
        }
        #expect(pair.server.state == .new)
        #expect(pair.client.state == .new)
        #expect(pair.server.drainOutgoing().isEmpty)
        #expect(pair.client.drainOutgoing().isEmpty)
        #expect(pair.server.malformedRecords >= 990)
        #expect(pair.client.malformedRecords == 1000)  // a client that has not started takes nothing

        // During: 1000 random datagrams to each side, spread between the real ones.
        pair.start(now: 0)
        var injected = 0
        pair.exchange(now: 0) { sender, _ in
            for _ in 0..<250 where injected < 1000 {
                pair.server.receive(Self.garbage(&random), now: 0)
                pair.client.receive(Self.garbage(&random), now: 0)
                injected += 1
            }
            _ = sender
            return true
        }
        #expect(injected == 1000)
        #expect(pair.bothConnected, "client \(pair.client.failureReason ?? "-"), server \(pair.server.failureReason ?? "-")")
        #expect(pair.server.malformedRecords >= 1980)
        #expect(pair.client.malformedRecords >= 1990)

        // After: still connected, the same keys, SRTP still works.
        let clientKeys = try #require(pair.client.srtpKeys)
        let serverKeys = try #require(pair.server.srtpKeys)
        for _ in 0..<1000 {
            pair.server.receive(Self.garbage(&random), now: 1)
            pair.client.receive(Self.garbage(&random), now: 1)
        }
        pair.exchange(now: 1)
        #expect(pair.bothConnected)
        #expect(pair.client.srtpKeys == clientKeys)
        #expect(pair.server.srtpKeys == serverKeys)
        #expect(pair.server.malformedRecords >= 2970)
        #expect(pair.clientEvents == [.connected(clientKeys)])
        #expect(pair.serverEvents == [.connected(serverKeys)])
        try expectSrtpWorks(from: clientKeys, to: serverKeys)
    }

    @Test func truncatedClientHelloIsDroppedAndTheRealOneStillWorks() throws {
        let pair = try DtlsPair()
        pair.start(now: 0)
        let flight = pair.client.drainOutgoing()
        let clientHello = try #require(flight.first)
        #expect(flight.count == 1)

        for length in [1, 5, 12, 13, 14, 30, clientHello.count / 2, clientHello.count - 1] {
            pair.server.receive(Array(clientHello.prefix(length)), now: 0)
        }
        #expect(pair.server.malformedRecords == 8)
        #expect(pair.server.drainOutgoing().isEmpty)
        #expect(pair.server.state == .connecting)

        pair.server.receive(clientHello, now: 0)
        pair.exchange(now: 0)
        #expect(pair.bothConnected)
    }

    @Test func recordsWithBogusLengthsAreDropped() throws {
        let pair = try DtlsPair()
        pair.start(now: 0)
        let clientHello = try #require(pair.client.drainOutgoing().first)
        let length = Int(clientHello[11]) << 8 | Int(clientHello[12])
        #expect(length == clientHello.count - 13)

        // Length field past the end of the datagram.
        var tooLong = clientHello
        tooLong[11] = 0xFF
        tooLong[12] = 0xFF
        pair.server.receive(tooLong, now: 0)
        #expect(pair.server.malformedRecords == 1)

        // Length field shorter than the record: the handshake fragment no
        // longer fits, and the tail is not a record.
        var tooShort = clientHello
        tooShort[11] = UInt8((length - 10) >> 8)
        tooShort[12] = UInt8((length - 10) & 0xFF)
        pair.server.receive(tooShort, now: 0)
        #expect(pair.server.malformedRecords == 3)

        // A zero-length record.
        pair.server.receive(Self.record(type: 22, body: []), now: 0)
        #expect(pair.server.malformedRecords == 4)
        #expect(pair.server.drainOutgoing().isEmpty)
        #expect(pair.server.state == .connecting)

        // The genuine ClientHello followed by junk in the same datagram: the
        // record is used, the junk counted.
        pair.server.receive(clientHello + [0x16, 0xFE, 0xFD, 0x00], now: 0)
        #expect(pair.server.malformedRecords == 5)
        pair.exchange(now: 0)
        #expect(pair.bothConnected)
    }

    @Test func implausiblePlaintextRecordsNeverReachOpenSSL() throws {
        let pair = try DtlsPair()
        pair.start(now: 0)
        let datagrams: [[UInt8]] = [
            Self.record(type: 23, body: [1, 2, 3]),  // application data in epoch 0
            Self.record(type: 20, body: [2]),  // bad ChangeCipherSpec
            Self.record(type: 21, body: [7, 40]),  // bad alert level
            Self.record(type: 22, body: Self.handshakeFragment(type: 99, length: 4, fragment: [0, 0, 0, 0])),  // unknown type
            Self.record(type: 22, body: Self.handshakeFragment(type: 1, length: 4, offset: 2, fragment: [0, 0, 0, 0])),  // past message end
            Self.record(type: 22, body: Self.handshakeFragment(type: 1, length: 0x20_0000, fragment: [0])),  // huge message
            [0x16, 0xFE, 0x01] + Array(repeating: 0, count: 20),  // unknown version
            [0x19] + Array(repeating: 0, count: 20),  // unknown content type
            [],  // empty datagram
        ]
        for datagram in datagrams {
            pair.server.receive(datagram, now: 0)
        }
        #expect(pair.server.malformedRecords == datagrams.count)
        #expect(pair.server.state == .connecting)
        pair.exchange(now: 0)
        #expect(pair.bothConnected)
    }

    @Test func aWellFormedButUnexpectedMessageFailsTheSession() throws {
        // A syntactically valid plaintext Certificate message where a
        // ClientHello is due: OpenSSL aborts, the session fails and sends an alert.
        let server = try DtlsSession(
            context: DtlsFixtures.serverContext,
            role: .server,
            remoteFingerprint: DtlsFixtures.clientCertificate.fingerprint(.sha256)
        )
        let body = Self.handshakeFragment(type: 11, length: 3, fragment: [0, 0, 0])
        server.receive(Self.record(type: 22, body: body), now: 5)  // starts the server implicitly
        #expect(server.state == .failed)
        let events = server.drainEvents()
        #expect(events.count == 1)
        guard case let .failed(reason) = events.first else {
            Issue.record("expected .failed, got \(events)")
            return
        }
        #expect(reason.contains("handshake failed"))
        #expect(reason.contains("unexpected message"))
        let alert = server.drainOutgoing()
        #expect(alert.first?.first == 21)
        #expect(server.nextTimeout == nil)
    }

    @Test func plaintextAlertAfterHandshakeIsIgnored() throws {
        let pair = try DtlsPair()
        pair.start(now: 0)
        pair.exchange(now: 0)
        #expect(pair.bothConnected)
        // A plaintext warning alert is from the wrong epoch after the
        // handshake: OpenSSL discards it silently; nothing changes.
        pair.client.receive(Self.record(type: 21, body: [1, 0]), now: 0)
        #expect(pair.client.state == .connected)
    }

    // MARK: Record framing helpers

    @Test func screeningKeepsValidRecordsAndCountsTheRest() {
        let alert = Self.record(type: 21, body: [2, 40])
        let encrypted = Self.record(type: 23, epoch: 1, sequence: 7, body: Array(repeating: 9, count: 40))
        let junk = Self.record(type: 23, body: [1])
        let stream = alert + junk + encrypted
        let screened = stream.withUnsafeBytes { DtlsRecords.screen($0) }
        #expect(screened.accepted == alert + encrypted)
        #expect(screened.rejected == 1)

        let truncated = (alert + encrypted).dropLast()
        let second = Array(truncated).withUnsafeBytes { DtlsRecords.screen($0) }
        #expect(second.accepted == alert)
        #expect(second.rejected == 1)

        let empty = [UInt8]().withUnsafeBytes { DtlsRecords.screen($0) }
        #expect(empty.accepted.isEmpty)
        #expect(empty.rejected == 0)
    }

    @Test func packingRespectsTheMtuAndRecordBoundaries() {
        let records = [100, 200, 300, 50, 700, 10].map {
            Self.record(type: 22, body: Array(repeating: UInt8(truncatingIfNeeded: $0), count: $0))
        }
        let stream = records.flatMap { $0 }
        let datagrams = DtlsRecords.packDatagrams(stream, mtu: 700)
        #expect(datagrams.flatMap { $0 } == stream)
        // 113+213+313 = 639 | 63 (+713 would overflow) | 713 alone (> mtu) | 23
        #expect(datagrams.map(\.count) == [639, 63, 713, 23])
        #expect(DtlsRecords.packDatagrams([], mtu: 700).isEmpty)
        #expect(DtlsRecords.packDatagrams([1, 2, 3], mtu: 700) == [[1, 2, 3]])
    }
}
