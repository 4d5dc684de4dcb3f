import Testing
import SluiceEngine
import SluiceRTP

@Suite("WebRTC transports")
struct WebRtcTransportTests {
    static func transport(_ options: WebRtcTransportOptions = WebRtcTransportOptions(), seed: UInt64 = 42) throws
        -> (Room, WebRtcTransportCreated)
    {
        let room = EngineFixtures.room(seed: seed)
        _ = try room.createBroadcaster(EngineFixtures.broadcaster("A"))
        let created = try room.createWebRtcTransport(broadcasterId: "A", options: options, binding: EngineFixtures.webRtcBinding)
        guard case .webRtc(let webRtc) = created else {
            Issue.record("expected a webrtc transport")
            throw EngineError.invalid("not webrtc")
        }
        return (room, webRtc)
    }

    static func connect(_ room: Room, _ transportId: String, _ dtls: DtlsParameters) -> EngineErrorKind? {
        engineErrorKind { try room.connectWebRtcTransport(broadcasterId: "A", transportId: transportId, dtlsParameters: dtls) }
    }

    @Test func iceParametersAreLiteWith32CharacterCredentials() throws {
        let (_, created) = try Self.transport()
        let ice = created.iceParameters
        #expect(ice.iceLite)
        #expect(ice.usernameFragment.count == 32)
        #expect(ice.password.count == 32)
        #expect(ice.usernameFragment != ice.password)
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789")
        #expect(ice.usernameFragment.allSatisfy(allowed.contains))
        #expect(ice.password.allSatisfy(allowed.contains))
    }

    @Test func credentialsDifferBetweenTransports() throws {
        let room = EngineFixtures.room()
        _ = try room.createBroadcaster(EngineFixtures.broadcaster("A"))
        let first = try room.createWebRtcTransport(broadcasterId: "A", options: .init(), binding: EngineFixtures.webRtcBinding)
        let second = try room.createWebRtcTransport(broadcasterId: "A", options: .init(), binding: EngineFixtures.webRtcBinding)
        guard case .webRtc(let a) = first, case .webRtc(let b) = second else {
            Issue.record("expected webrtc transports")
            return
        }
        #expect(a.id != b.id)
        #expect(a.iceParameters.usernameFragment != b.iceParameters.usernameFragment)
    }

    @Test func oneHostCandidateOnTheAnnouncedAddress() throws {
        let (_, created) = try Self.transport()
        #expect(created.iceCandidates.count == 1)
        let candidate = try #require(created.iceCandidates.first)
        #expect(candidate.type == "host")
        #expect(candidate.protocol == .udp)
        #expect(candidate.ip == "192.0.2.10")
        #expect(candidate.address == "192.0.2.10")
        #expect(candidate.port == 44444)
        #expect(candidate.tcpType == nil)
        #expect(!candidate.foundation.isEmpty)
    }

    @Test func candidatePriorityFollowsTheHostFormula() throws {
        let (_, created) = try Self.transport()
        let priority = try #require(created.iceCandidates.first?.priority)
        // priority = 2^24 · 64 + 2^8 · localPreference + 255, with a 16-bit local preference.
        let remainder = Int(priority) - (1 << 24) * 64 - 255
        #expect(remainder >= 0)
        #expect(remainder % 256 == 0)
        #expect((0...65535).contains(remainder / 256))
    }

    @Test(arguments: [UInt32(0), 10000, 65535])
    func priorityFormula(localPreference: UInt32) {
        #expect(IceCandidate.priority(localPreference: localPreference) == (1 << 24) * 64 + (1 << 8) * localPreference + 255)
    }

    @Test func dtlsRoleIsAutoWithTheConfiguredFingerprints() throws {
        let (room, created) = try Self.transport()
        #expect(created.dtlsParameters.role == .auto)
        #expect(created.dtlsParameters.fingerprints == EngineFixtures.localFingerprints)
        let state = try room.transportState(broadcasterId: "A", transportId: created.id)
        #expect(state.type == "webrtc")
        #expect(state.iceRole == "controlled")
        #expect(state.iceState == .new)
        #expect(state.dtlsState == .new)
        #expect(state.connected == false)
    }

    @Test func sctpParametersOnlyWithNumStreams() throws {
        let (_, without) = try Self.transport()
        #expect(without.sctpParameters == nil)
        let (_, with) = try Self.transport(WebRtcTransportOptions(numSctpStreams: NumSctpStreams(OS: 1024, MIS: 512)))
        let sctp = try #require(with.sctpParameters)
        #expect(sctp.port == 5000)
        #expect(sctp.OS == 1024)
        #expect(sctp.MIS == 512)
        #expect(sctp.maxMessageSize == 262_144)
    }

    @Test func connectWithAGoodFingerprint() throws {
        let (room, created) = try Self.transport()
        #expect(Self.connect(room, created.id, EngineFixtures.remoteDtls) == nil)
        let state = try room.transportState(broadcasterId: "A", transportId: created.id)
        #expect(state.connected)
        #expect(state.dtlsState == .connecting)
        #expect(state.remoteDtlsParameters?.role == .client)
    }

    @Test func connectNormalisesFingerprintsToUppercase() throws {
        let (room, created) = try Self.transport()
        let lower = DtlsParameters(
            role: nil,
            fingerprints: [DtlsFingerprintParameters(algorithm: "SHA-256", value: EngineFixtures.fingerprintValue(bytes: 32).lowercased())])
        #expect(Self.connect(room, created.id, lower) == nil)
        let remote = try #require(try room.transportState(broadcasterId: "A", transportId: created.id).remoteDtlsParameters)
        #expect(remote.role == .auto)
        #expect(remote.fingerprints == [DtlsFingerprintParameters(algorithm: "sha-256", value: EngineFixtures.fingerprintValue(bytes: 32))])
    }

    struct BadDtls: Sendable, CustomTestStringConvertible {
        var name: String
        var fingerprints: [DtlsFingerprintParameters]
        var testDescription: String { name }
    }

    static let badDtls: [BadDtls] = [
        BadDtls(name: "no fingerprints", fingerprints: []),
        BadDtls(name: "unknown algorithm", fingerprints: [.init(algorithm: "md5", value: EngineFixtures.fingerprintValue(bytes: 16))]),
        BadDtls(name: "too short", fingerprints: [.init(algorithm: "sha-256", value: EngineFixtures.fingerprintValue(bytes: 31))]),
        BadDtls(name: "too long", fingerprints: [.init(algorithm: "sha-1", value: EngineFixtures.fingerprintValue(bytes: 21))]),
        BadDtls(name: "not hex", fingerprints: [.init(algorithm: "sha-256", value: String(repeating: "ZZ:", count: 31) + "ZZ")]),
        BadDtls(name: "empty value", fingerprints: [.init(algorithm: "sha-256", value: "")]),
        BadDtls(
            name: "one good, one bad",
            fingerprints: [
                .init(algorithm: "sha-256", value: EngineFixtures.fingerprintValue(bytes: 32)),
                .init(algorithm: "sha-512", value: "AB"),
            ]),
    ]

    @Test(arguments: badDtls)
    func connectWithABadFingerprintIsInvalid(_ entry: BadDtls) throws {
        let (room, created) = try Self.transport()
        let before = room.broadcasterStates()
        #expect(Self.connect(room, created.id, DtlsParameters(role: .client, fingerprints: entry.fingerprints)) == .invalid)
        #expect(room.broadcasterStates() == before)
        // A good connect still works afterwards.
        #expect(Self.connect(room, created.id, EngineFixtures.remoteDtls) == nil)
    }

    @Test func secondConnectIsAConflict() throws {
        let (room, created) = try Self.transport()
        #expect(Self.connect(room, created.id, EngineFixtures.remoteDtls) == nil)
        #expect(Self.connect(room, created.id, EngineFixtures.remoteDtls) == .conflict)
    }

    @Test func connectingAPlainTransportWithDtlsIsInvalid() throws {
        let room = EngineFixtures.room()
        _ = try room.createBroadcaster(EngineFixtures.broadcaster("A"))
        let plain = try room.createPlainTransport(
            broadcasterId: "A", options: PlainTransportOptions(), binding: EngineFixtures.plainBinding())
        #expect(Self.connect(room, plain.id, EngineFixtures.remoteDtls) == .invalid)
    }
}
