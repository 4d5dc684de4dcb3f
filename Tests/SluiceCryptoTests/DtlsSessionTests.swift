import Foundation
import Testing
@testable import SluiceCrypto

// MARK: - Shared fixtures for the DTLS tests

enum DtlsFixtures {
    static let clientCertificate = makeCertificate("dtls-test-client")
    static let serverCertificate = makeCertificate("dtls-test-server")
    static let strangerCertificate = makeCertificate("dtls-test-stranger")
    static let clientContext = makeContext(clientCertificate)
    static let serverContext = makeContext(serverCertificate)

    static let allProfiles: [SrtpProfile] = [.aeadAes256Gcm, .aeadAes128Gcm, .aesCm128HmacSha1_80, .aesCm128HmacSha1_32]

    private static func makeCertificate(_ name: String) -> DtlsCertificate {
        do {
            return try DtlsCertificate.generate(commonName: name, validityDays: 1)
        } catch {
            fatalError("certificate generation failed: \(error)")
        }
    }

    private static func makeContext(_ certificate: DtlsCertificate) -> DtlsContext {
        do {
            return try DtlsContext(certificate: certificate)
        } catch {
            fatalError("DtlsContext failed: \(error)")
        }
    }

    /// Monotonic seconds.
    static func now() -> Double {
        ProcessInfo.processInfo.systemUptime
    }
}

/// SplitMix64: a tiny deterministic generator for reproducible "random" tests.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }
}

/// A client and a server session wired back to back in memory.
final class DtlsPair {
    let client: DtlsSession
    let server: DtlsSession
    private(set) var clientEvents: [DtlsEvent] = []
    private(set) var serverEvents: [DtlsEvent] = []
    /// Every datagram each side produced (delivered or not), in order.
    private(set) var sentByClient: [[UInt8]] = []
    private(set) var sentByServer: [[UInt8]] = []

    init(
        clientProfiles: [SrtpProfile] = DtlsFixtures.allProfiles,
        serverProfiles: [SrtpProfile] = DtlsFixtures.allProfiles,
        clientExpects: DtlsFingerprint = DtlsFixtures.serverCertificate.fingerprint(.sha256),
        serverExpects: DtlsFingerprint = DtlsFixtures.clientCertificate.fingerprint(.sha256),
        mtu: Int = 1200,
        initialRetransmitTimeout: Double = 1
    ) throws {
        client = try DtlsSession(
            context: DtlsFixtures.clientContext,
            role: .client,
            remoteFingerprint: clientExpects,
            srtpProfiles: clientProfiles,
            mtu: mtu,
            initialRetransmitTimeout: initialRetransmitTimeout
        )
        server = try DtlsSession(
            context: DtlsFixtures.serverContext,
            role: .server,
            remoteFingerprint: serverExpects,
            srtpProfiles: serverProfiles,
            mtu: mtu,
            initialRetransmitTimeout: initialRetransmitTimeout
        )
    }

    func start(now: Double) {
        server.start(now: now)
        client.start(now: now)
    }

    /// Delivers what both sides have to send, repeatedly, until both are quiet.
    /// `deliver(sender, datagram)` may drop a datagram by returning false.
    /// Returns whether anything was delivered.
    @discardableResult
    func exchange(now: Double, deliver: (DtlsRole, [UInt8]) -> Bool = { _, _ in true }) -> Bool {
        var deliveredAny = false
        while true {
            collectEvents()
            let fromClient = client.drainOutgoing()
            let fromServer = server.drainOutgoing()
            if fromClient.isEmpty, fromServer.isEmpty { break }
            sentByClient += fromClient
            sentByServer += fromServer
            for datagram in fromClient where deliver(.client, datagram) {
                server.receive(datagram, now: now)
                deliveredAny = true
            }
            for datagram in fromServer where deliver(.server, datagram) {
                client.receive(datagram, now: now)
                deliveredAny = true
            }
        }
        collectEvents()
        return deliveredAny
    }

    func collectEvents() {
        clientEvents += client.drainEvents()
        serverEvents += server.drainEvents()
    }

    var bothConnected: Bool { client.state == .connected && server.state == .connected }
    var settled: Bool {
        [DtlsState.connected, .failed, .closed].contains(client.state)
            && [DtlsState.connected, .failed, .closed].contains(server.state)
    }
}

// MARK: - Tests

@Suite("DtlsSession handshake in memory")
struct DtlsSessionTests {
    @Test func handshakeYieldsMirroredKeysAndWorkingSrtp() throws {
        let pair = try DtlsPair()
        #expect(pair.client.state == .new)
        pair.start(now: 0)
        #expect(pair.client.state == .connecting)
        #expect(pair.server.state == .connecting)
        pair.exchange(now: 0)

        #expect(pair.bothConnected)
        let clientKeys = try #require(pair.client.srtpKeys)
        let serverKeys = try #require(pair.server.srtpKeys)
        // Server preference decides: the first of mediasoup's list.
        #expect(clientKeys.profile == .aeadAes256Gcm)
        #expect(serverKeys.profile == clientKeys.profile)
        #expect(clientKeys.localKeyAndSalt == serverKeys.remoteKeyAndSalt)
        #expect(clientKeys.remoteKeyAndSalt == serverKeys.localKeyAndSalt)
        #expect(clientKeys.localKeyAndSalt != clientKeys.remoteKeyAndSalt)
        #expect(clientKeys.localKeyAndSalt.count == clientKeys.profile.keyAndSaltLength)
        #expect(clientKeys.exportedKeyingMaterial(role: .client) == serverKeys.exportedKeyingMaterial(role: .server))

        #expect(pair.clientEvents == [.connected(clientKeys)])
        #expect(pair.serverEvents == [.connected(serverKeys)])
        #expect(pair.client.remoteCertificateFingerprint == DtlsFixtures.serverCertificate.fingerprint(.sha256))
        #expect(pair.server.remoteCertificateFingerprint == DtlsFixtures.clientCertificate.fingerprint(.sha256))
        #expect(pair.client.malformedRecords == 0)
        #expect(pair.server.malformedRecords == 0)
        #expect(pair.client.failureReason == nil)

        try expectSrtpWorks(from: clientKeys, to: serverKeys)
        try expectSrtpWorks(from: serverKeys, to: clientKeys)
    }

    @Test(arguments: SrtpProfile.allCases)
    func eachProfileNegotiatesAlone(_ profile: SrtpProfile) throws {
        let pair = try DtlsPair(clientProfiles: [profile], serverProfiles: DtlsFixtures.allProfiles)
        pair.start(now: 0)
        pair.exchange(now: 0)
        #expect(pair.bothConnected)
        let clientKeys = try #require(pair.client.srtpKeys)
        let serverKeys = try #require(pair.server.srtpKeys)
        #expect(clientKeys.profile == profile)
        #expect(serverKeys.profile == profile)
        #expect(clientKeys.localKeyAndSalt.count == profile.keyAndSaltLength)
        #expect(clientKeys.localKeyAndSalt == serverKeys.remoteKeyAndSalt)
        try expectSrtpWorks(from: clientKeys, to: serverKeys)

        // And when only the server restricts the list.
        let reversed = try DtlsPair(clientProfiles: DtlsFixtures.allProfiles, serverProfiles: [profile])
        reversed.start(now: 0)
        reversed.exchange(now: 0)
        #expect(reversed.bothConnected)
        #expect(reversed.client.srtpKeys?.profile == profile)
        #expect(reversed.server.srtpKeys?.profile == profile)
    }

    @Test func serverPreferenceWins() throws {
        let pair = try DtlsPair(
            clientProfiles: [.aeadAes256Gcm, .aesCm128HmacSha1_80],
            serverProfiles: [.aesCm128HmacSha1_80, .aeadAes256Gcm]
        )
        pair.start(now: 0)
        pair.exchange(now: 0)
        #expect(pair.client.srtpKeys?.profile == .aesCm128HmacSha1_80)
        #expect(pair.server.srtpKeys?.profile == .aesCm128HmacSha1_80)
    }

    @Test func noCommonProfileFails() throws {
        let pair = try DtlsPair(clientProfiles: [.aesCm128HmacSha1_32], serverProfiles: [.aeadAes128Gcm])
        pair.start(now: 0)
        pair.exchange(now: 0)
        // The server accepts without use_srtp in its reply; the client (and
        // the server itself) must refuse to produce keys.
        #expect(pair.client.state != .connected)
        #expect(pair.server.state != .connected)
        #expect(pair.client.srtpKeys == nil)
        #expect(pair.server.srtpKeys == nil)
        #expect(pair.client.state == .failed)
        #expect(pair.server.state == .failed)
    }

    @Test func anyFingerprintAlgorithmIsHonoured() throws {
        for algorithm in DtlsFingerprint.Algorithm.allCases {
            let pair = try DtlsPair(
                clientExpects: DtlsFixtures.serverCertificate.fingerprint(algorithm),
                serverExpects: DtlsFixtures.clientCertificate.fingerprint(algorithm)
            )
            pair.start(now: 0)
            pair.exchange(now: 0)
            #expect(pair.bothConnected, "\(algorithm)")
            #expect(pair.client.remoteCertificateFingerprint == DtlsFixtures.serverCertificate.fingerprint(algorithm))
        }
    }

    @Test func smallMtuFragmentsFlights() throws {
        let pair = try DtlsPair(mtu: 256)
        pair.start(now: 0)
        pair.exchange(now: 0)
        #expect(pair.bothConnected)
        let all = pair.sentByClient + pair.sentByServer
        #expect(all.allSatisfy { $0.count <= 256 })
        // The certificate alone does not fit in 256 bytes.
        #expect(pair.sentByServer.count > 3)
    }

    @Test func flightsArePackedIntoFewDatagrams() throws {
        let pair = try DtlsPair()
        pair.start(now: 0)
        pair.exchange(now: 0)
        #expect(pair.bothConnected)
        // ClientHello; certificate flight; CCS+Finished (server) — several
        // records each, but one datagram per flight at MTU 1200.
        #expect(pair.sentByServer.count == 2)
        #expect(pair.sentByClient.count == 2)
        #expect((pair.sentByClient + pair.sentByServer).allSatisfy { $0.count <= 1200 })
    }

    @Test func closeNotifyClosesBothSides() throws {
        let pair = try DtlsPair()
        pair.start(now: 0)
        pair.exchange(now: 0)
        #expect(pair.bothConnected)
        pair.client.close()
        #expect(pair.client.state == .closed)
        pair.exchange(now: 0)
        #expect(pair.server.state == .closed)
        #expect(pair.clientEvents.last == .closed)
        #expect(pair.serverEvents.last == .closed)
        #expect(pair.server.malformedRecords == 0)
        #expect(pair.client.nextTimeout == nil)
        #expect(pair.server.nextTimeout == nil)
        // A second close is a no-op.
        pair.client.close()
        pair.collectEvents()
        #expect(pair.clientEvents.filter { $0 == .closed }.count == 1)
    }

    @Test func closeBeforeStartAndDuringHandshake() throws {
        let idle = try DtlsPair()
        idle.client.close()
        #expect(idle.client.state == .closed)
        #expect(idle.client.drainEvents() == [.closed])
        #expect(idle.client.drainOutgoing().isEmpty)

        let pair = try DtlsPair()
        pair.start(now: 0)
        _ = pair.client.drainOutgoing()  // the ClientHello is lost
        pair.client.close()
        #expect(pair.client.state == .closed)
        #expect(pair.client.nextTimeout == nil)
        pair.client.handleTimeout(now: 100)
        #expect(pair.client.drainOutgoing().isEmpty)
    }

    @Test func timersAreArmedDuringHandshake() throws {
        let pair = try DtlsPair()
        pair.start(now: 1000)
        // Client: retransmission timer about 1 s out; never past the handshake deadline.
        let clientTimeout = try #require(pair.client.nextTimeout)
        #expect(clientTimeout > 1000 && clientTimeout <= 1001.01)
        // Server waits for a ClientHello: only the handshake deadline.
        #expect(pair.server.nextTimeout == 1030)
        pair.exchange(now: 1000)
        #expect(pair.bothConnected)
    }

    @Test func handshakeDeadlineFailsTheSession() throws {
        let pair = try DtlsPair()
        pair.start(now: 0)
        _ = pair.client.drainOutgoing()  // nobody hears the client
        pair.client.handleTimeout(now: 29.9)
        #expect(pair.client.state == .connecting)
        pair.client.handleTimeout(now: 30)
        #expect(pair.client.state == .failed)
        #expect(pair.client.nextTimeout == nil)
        let events = pair.client.drainEvents()
        #expect(events.count == 1)
        if case let .failed(reason) = events.first {
            #expect(reason.contains("not completed"))
        } else {
            Issue.record("expected .failed, got \(events)")
        }
    }

    @Test func invalidArgumentsAreRejected() throws {
        let fingerprint = DtlsFixtures.serverCertificate.fingerprint(.sha256)
        #expect(throws: CryptoError.self) {
            try DtlsSession(context: DtlsFixtures.clientContext, role: .client, remoteFingerprint: fingerprint, srtpProfiles: [])
        }
        #expect(throws: CryptoError.self) {
            try DtlsSession(context: DtlsFixtures.clientContext, role: .client, remoteFingerprint: fingerprint, mtu: 100)
        }
        #expect(throws: CryptoError.self) {
            try DtlsSession(
                context: DtlsFixtures.clientContext, role: .client, remoteFingerprint: fingerprint, initialRetransmitTimeout: 0
            )
        }
        let duplicates = try DtlsSession(
            certificate: DtlsFixtures.clientCertificate,
            role: .client,
            remoteFingerprint: fingerprint,
            srtpProfiles: [.aesCm128HmacSha1_80, .aesCm128HmacSha1_80]
        )
        #expect(duplicates.srtpProfiles == [.aesCm128HmacSha1_80])
    }

    @Test func keySplitFollowsRfc5764() throws {
        let profile = SrtpProfile.aesCm128HmacSha1_80
        let material = (0..<60).map { UInt8($0) }
        let client = try #require(DtlsSrtpKeys(profile: profile, exportedKeyingMaterial: material, role: .client))
        let server = try #require(DtlsSrtpKeys(profile: profile, exportedKeyingMaterial: material, role: .server))
        // client_write_key = 0..<16, server_write_key = 16..<32,
        // client_write_salt = 32..<46, server_write_salt = 46..<60.
        #expect(client.localKeyAndSalt == Array(0..<16) + Array(32..<46))
        #expect(client.remoteKeyAndSalt == Array(16..<32) + Array(46..<60))
        #expect(server.localKeyAndSalt == client.remoteKeyAndSalt)
        #expect(server.remoteKeyAndSalt == client.localKeyAndSalt)
        #expect(client.exportedKeyingMaterial(role: .client) == material)
        #expect(server.exportedKeyingMaterial(role: .server) == material)
        #expect(DtlsSrtpKeys(profile: profile, exportedKeyingMaterial: Array(material.prefix(59)), role: .client) == nil)
        #expect(!client.description.contains("0, 1, 2"))
    }

    @Test func sharedContextServesManySessions() throws {
        var pairs: [DtlsPair] = []
        for _ in 0..<8 {
            let pair = try DtlsPair()
            pair.start(now: 0)
            pairs.append(pair)
        }
        for pair in pairs {
            pair.exchange(now: 0)
            #expect(pair.bothConnected)
        }
        let keys = Set(pairs.compactMap { $0.client.srtpKeys?.localKeyAndSalt })
        #expect(keys.count == 8)
    }
}

/// Protects an RTP and an RTCP packet with `sender.local` and unprotects them
/// with `receiver.remote`.
func expectSrtpWorks(from sender: DtlsSrtpKeys, to receiver: DtlsSrtpKeys) throws {
    let outbound = try SrtpSession(profile: sender.profile, keyAndSalt: sender.localKeyAndSalt, direction: .outbound)
    let inbound = try SrtpSession(profile: receiver.profile, keyAndSalt: receiver.remoteKeyAndSalt, direction: .inbound)
    let rtp: [UInt8] = [0x80, 0x60, 0x12, 0x34, 0, 0, 0x10, 0, 0xDE, 0xAD, 0xBE, 0xEF] + Array(repeating: 0x42, count: 40)
    var packet = rtp
    try outbound.protectRtp(&packet)
    #expect(packet.count == rtp.count + sender.profile.rtpTrailerLength)
    #expect(packet != rtp)
    try inbound.unprotectRtp(&packet)
    #expect(packet == rtp)

    let rtcp: [UInt8] = [0x81, 0xC8, 0x00, 0x06, 0xDE, 0xAD, 0xBE, 0xEF] + Array(repeating: 0x17, count: 20)
    var report = rtcp
    try outbound.protectRtcp(&report)
    try inbound.unprotectRtcp(&report)
    #expect(report == rtcp)
}
