import Foundation
import Testing
import SluiceEngine
import SluiceRTP

@Suite("Plain transports")
struct PlainTransportTests {
    /// A room with broadcaster "A" and one plain transport created with `options`.
    static func transport(_ options: PlainTransportOptions) throws -> (Room, PlainTransportCreated) {
        let room = EngineFixtures.room()
        _ = try room.createBroadcaster(EngineFixtures.broadcaster("A"))
        let created = try room.createPlainTransport(
            broadcasterId: "A", options: options, binding: EngineFixtures.plainBinding(port: 40000, rtcpMux: options.rtcpMux))
        guard case .plain(let plain) = created else {
            Issue.record("expected a plain transport")
            throw EngineError.invalid("not plain")
        }
        return (room, plain)
    }

    static func connect(_ room: Room, _ transportId: String, _ options: PlainTransportConnectOptions) -> EngineErrorKind? {
        engineErrorKind { try room.connectPlainTransport(broadcasterId: "A", transportId: transportId, options: options) }
    }

    @Test func creationAnswersTheBinding() throws {
        let (room, created) = try Self.transport(PlainTransportOptions())
        #expect(created.ip == "127.0.0.1")
        #expect(created.port == 40000)
        #expect(created.rtcpPort == 40001)
        #expect(created.srtpParameters == nil)
        let state = try room.transportState(broadcasterId: "A", transportId: created.id)
        #expect(state.type == "plain")
        #expect(state.comedia == true)
        #expect(state.rtcpMux == false)
        #expect(state.connected == false)
        #expect(try room.isPlainTransport(broadcasterId: "A", transportId: created.id))
    }

    @Test func defaultsAreComediaWithoutRtcpMux() {
        let options = PlainTransportOptions()
        #expect(options.comedia)
        #expect(!options.rtcpMux)
        #expect(!options.enableSrtp)
        #expect(options.srtpCryptoSuite == .aesCm128HmacSha1_80)
    }

    @Test func rtcpMuxHasNoRtcpPort() throws {
        let (_, created) = try Self.transport(PlainTransportOptions(rtcpMux: true))
        #expect(created.rtcpPort == nil)
    }

    @Test(arguments: [
        PlainTransportConnectOptions(ip: "127.0.0.1"),
        PlainTransportConnectOptions(port: 5004),
        PlainTransportConnectOptions(rtcpPort: 5005),
        PlainTransportConnectOptions(ip: "127.0.0.1", port: 5004, rtcpPort: 5005),
    ])
    func comediaRejectsRemoteAddress(_ options: PlainTransportConnectOptions) throws {
        let (room, created) = try Self.transport(PlainTransportOptions(comedia: true))
        #expect(Self.connect(room, created.id, options) == .invalid)
        // The refused call did not use up the single connect.
        #expect(Self.connect(room, created.id, PlainTransportConnectOptions()) == nil)
    }

    struct ConnectCase: Sendable, CustomTestStringConvertible {
        var name: String
        var rtcpMux: Bool = false
        var options: PlainTransportConnectOptions
        var expected: EngineErrorKind?
        var testDescription: String { name }
    }

    static let connectCases: [ConnectCase] = [
        ConnectCase(name: "ip, port and rtcpPort", options: .init(ip: "127.0.0.1", port: 5004, rtcpPort: 5005), expected: nil),
        ConnectCase(name: "IPv6", options: .init(ip: "::1", port: 5004, rtcpPort: 5005), expected: nil),
        ConnectCase(name: "rtcpMux: ip and port suffice", rtcpMux: true, options: .init(ip: "10.0.0.1", port: 5004), expected: nil),
        ConnectCase(name: "missing ip", options: .init(port: 5004, rtcpPort: 5005), expected: .invalid),
        ConnectCase(name: "missing port", options: .init(ip: "127.0.0.1", rtcpPort: 5005), expected: .invalid),
        ConnectCase(name: "missing rtcpPort without rtcpMux", options: .init(ip: "127.0.0.1", port: 5004), expected: .invalid),
        ConnectCase(name: "ip 999.1.1.1", options: .init(ip: "999.1.1.1", port: 5004, rtcpPort: 5005), expected: .invalid),
        ConnectCase(name: "ip 0.0.0.0", options: .init(ip: "0.0.0.0", port: 5004, rtcpPort: 5005), expected: .invalid),
        ConnectCase(name: "ip ::", options: .init(ip: "::", port: 5004, rtcpPort: 5005), expected: .invalid),
        ConnectCase(name: "ip hostname", options: .init(ip: "localhost", port: 5004, rtcpPort: 5005), expected: .invalid),
        ConnectCase(name: "ip empty", options: .init(ip: "", port: 5004, rtcpPort: 5005), expected: .invalid),
        ConnectCase(name: "port 0", options: .init(ip: "127.0.0.1", port: 0, rtcpPort: 5005), expected: .invalid),
        ConnectCase(name: "port 70000", options: .init(ip: "127.0.0.1", port: 70000, rtcpPort: 5005), expected: .invalid),
        ConnectCase(name: "port -1", options: .init(ip: "127.0.0.1", port: -1, rtcpPort: 5005), expected: .invalid),
        ConnectCase(name: "port 65535", options: .init(ip: "127.0.0.1", port: 65535, rtcpPort: 1), expected: nil),
        ConnectCase(name: "rtcpPort 0", options: .init(ip: "127.0.0.1", port: 5004, rtcpPort: 0), expected: .invalid),
        ConnectCase(name: "rtcpPort 70000", options: .init(ip: "127.0.0.1", port: 5004, rtcpPort: 70000), expected: .invalid),
    ]

    @Test(arguments: connectCases)
    func connectWithoutComedia(_ entry: ConnectCase) throws {
        let (room, created) = try Self.transport(PlainTransportOptions(comedia: false, rtcpMux: entry.rtcpMux))
        let before = room.broadcasterStates()
        #expect(Self.connect(room, created.id, entry.options) == entry.expected)
        let state = try room.transportState(broadcasterId: "A", transportId: created.id)
        if entry.expected == nil {
            #expect(state.connected)
            #expect(state.tuple?.remoteIp == entry.options.ip)
            #expect(state.tuple?.remotePort == entry.options.port)
        } else {
            #expect(!state.connected)
            #expect(room.broadcasterStates() == before)
        }
    }

    struct SrtpRefusal: Sendable, CustomTestStringConvertible {
        var name: String
        var enableSrtp: Bool
        var srtpParameters: SrtpParameters?
        var testDescription: String { name }
    }

    static let srtpRefusals: [SrtpRefusal] = [
        SrtpRefusal(
            name: "SRTP parameters on a transport without SRTP", enableSrtp: false,
            srtpParameters: SrtpParameters(cryptoSuite: .aesCm128HmacSha1_80, keyBase64: Data(count: 30).base64EncodedString())),
        SrtpRefusal(
            name: "SRTP key of the wrong length", enableSrtp: true,
            srtpParameters: SrtpParameters(cryptoSuite: .aesCm128HmacSha1_80, keyBase64: Data(count: 29).base64EncodedString())),
        SrtpRefusal(
            name: "SRTP suite other than created", enableSrtp: true,
            srtpParameters: SrtpParameters(cryptoSuite: .aeadAes128Gcm, keyBase64: Data(count: 28).base64EncodedString())),
        SrtpRefusal(name: "missing SRTP parameters on an SRTP transport", enableSrtp: true, srtpParameters: nil),
    ]

    /// A connect refused for its SRTP part must not leave the remote address behind (Room.swift:
    /// "Methods either succeed or throw before changing anything").
    @Test(arguments: srtpRefusals)
    func refusedSrtpConnectLeavesNoRemoteAddress(_ entry: SrtpRefusal) throws {
        let (room, created) = try Self.transport(PlainTransportOptions(comedia: false, enableSrtp: entry.enableSrtp))
        let before = room.broadcasterStates()
        let options = PlainTransportConnectOptions(ip: "127.0.0.1", port: 5004, rtcpPort: 5005, srtpParameters: entry.srtpParameters)
        #expect(Self.connect(room, created.id, options) == .invalid)
        let state = try room.transportState(broadcasterId: "A", transportId: created.id)
        #expect(!state.connected)
        #expect(state.tuple?.remoteIp == nil)
        #expect(room.broadcasterStates() == before)
    }

    @Test func connectedTuplesCarryTheRemoteAddress() throws {
        let (room, created) = try Self.transport(PlainTransportOptions(comedia: false))
        #expect(Self.connect(room, created.id, .init(ip: "192.0.2.7", port: 5004, rtcpPort: 5005)) == nil)
        let state = try room.transportState(broadcasterId: "A", transportId: created.id)
        #expect(state.tuple?.localPort == 40000)
        #expect(state.rtcpTuple?.localPort == 40001)
        #expect(state.rtcpTuple?.remoteIp == "192.0.2.7")
        #expect(state.rtcpTuple?.remotePort == 5005)
    }

    @Test(arguments: [true, false])
    func secondConnectIsAConflict(comedia: Bool) throws {
        let (room, created) = try Self.transport(PlainTransportOptions(comedia: comedia))
        let options = comedia ? PlainTransportConnectOptions() : .init(ip: "127.0.0.1", port: 5004, rtcpPort: 5005)
        #expect(Self.connect(room, created.id, options) == nil)
        #expect(Self.connect(room, created.id, options) == .conflict)
    }

    static let suites: [(SrtpCryptoSuite, Int)] = [
        (.aesCm128HmacSha1_80, 30), (.aesCm128HmacSha1_32, 30), (.aeadAes128Gcm, 28), (.aeadAes256Gcm, 44),
    ]

    @Test(arguments: suites)
    func enableSrtpGivesAKeyOfTheSuitesLength(suite: SrtpCryptoSuite, keyLength: Int) throws {
        #expect(suite.keyLength == keyLength)
        let (room, created) = try Self.transport(PlainTransportOptions(enableSrtp: true, srtpCryptoSuite: suite))
        let srtp = try #require(created.srtpParameters)
        #expect(srtp.cryptoSuite == suite)
        let key = try #require(Data(base64Encoded: srtp.keyBase64))
        #expect(key.count == keyLength)
        #expect(try room.transportState(broadcasterId: "A", transportId: created.id).srtpParameters == srtp)
    }

    @Test func base64KeyLengthsMatchTheReference() throws {
        // 30-byte keys are 40 base64 characters, 44-byte keys 60.
        let (_, cm) = try Self.transport(PlainTransportOptions(enableSrtp: true, srtpCryptoSuite: .aesCm128HmacSha1_80))
        let (_, gcm) = try Self.transport(PlainTransportOptions(enableSrtp: true, srtpCryptoSuite: .aeadAes256Gcm))
        #expect(cm.srtpParameters?.keyBase64.count == 40)
        #expect(gcm.srtpParameters?.keyBase64.count == 60)
    }

    @Test(arguments: suites)
    func connectWithTheRightKeyLength(suite: SrtpCryptoSuite, keyLength: Int) throws {
        let (room, created) = try Self.transport(PlainTransportOptions(comedia: true, enableSrtp: true, srtpCryptoSuite: suite))
        let key = Data((0..<keyLength).map { UInt8($0) }).base64EncodedString()
        #expect(Self.connect(room, created.id, .init(srtpParameters: SrtpParameters(cryptoSuite: suite, keyBase64: key))) == nil)
    }

    @Test(arguments: suites)
    func connectWithAWrongKeyLengthIsInvalid(suite: SrtpCryptoSuite, keyLength: Int) throws {
        let (room, created) = try Self.transport(PlainTransportOptions(comedia: true, enableSrtp: true, srtpCryptoSuite: suite))
        for length in [keyLength - 1, keyLength + 1, 0] {
            let key = Data(count: length).base64EncodedString()
            let options = PlainTransportConnectOptions(srtpParameters: SrtpParameters(cryptoSuite: suite, keyBase64: key))
            #expect(Self.connect(room, created.id, options) == .invalid, "key of \(length) bytes")
        }
        let notBase64 = PlainTransportConnectOptions(srtpParameters: SrtpParameters(cryptoSuite: suite, keyBase64: "!!!"))
        #expect(Self.connect(room, created.id, notBase64) == .invalid)
        // Still connectable after the refusals.
        let key = Data(count: keyLength).base64EncodedString()
        #expect(Self.connect(room, created.id, .init(srtpParameters: SrtpParameters(cryptoSuite: suite, keyBase64: key))) == nil)
    }

    @Test func connectWithAnotherSuiteThanCreatedIsInvalid() throws {
        let (room, created) = try Self.transport(PlainTransportOptions(enableSrtp: true, srtpCryptoSuite: .aesCm128HmacSha1_80))
        let key = Data(count: 28).base64EncodedString()
        #expect(Self.connect(room, created.id, .init(srtpParameters: SrtpParameters(cryptoSuite: .aeadAes128Gcm, keyBase64: key))) == .invalid)
    }

    @Test func srtpTransportNeedsSrtpParametersOnConnect() throws {
        let (room, created) = try Self.transport(PlainTransportOptions(enableSrtp: true))
        #expect(Self.connect(room, created.id, PlainTransportConnectOptions()) == .invalid)
    }

    @Test func connectingAWebRtcTransportAsPlainIsInvalid() throws {
        let room = EngineFixtures.room()
        _ = try room.createBroadcaster(EngineFixtures.broadcaster("A"))
        let webRtc = try room.createWebRtcTransport(
            broadcasterId: "A", options: WebRtcTransportOptions(), binding: EngineFixtures.webRtcBinding)
        #expect(try !room.isPlainTransport(broadcasterId: "A", transportId: webRtc.id))
        #expect(Self.connect(room, webRtc.id, .init(ip: "127.0.0.1", port: 1, rtcpPort: 2)) == .invalid)
    }

    @Test func unknownTransportIsNotFound() throws {
        let (room, _) = try Self.transport(PlainTransportOptions())
        #expect(Self.connect(room, "nope", PlainTransportConnectOptions()) == .notFound)
        #expect(engineErrorKind { _ = try room.transportState(broadcasterId: "A", transportId: "nope") } == .notFound)
    }

    @Test func closeTransportRemovesIt() throws {
        let (room, created) = try Self.transport(PlainTransportOptions())
        _ = try room.produce(broadcasterId: "A", transportId: created.id, options: EngineFixtures.video())
        _ = room.drainEvents()
        try room.closeTransport(broadcasterId: "A", transportId: created.id)
        #expect(try room.broadcasterState("A").transports.isEmpty)
        #expect(try room.broadcasterState("A").producers.isEmpty)
        #expect(room.drainEvents().last == .transportClosed(transportId: created.id, broadcasterId: "A"))
        #expect(engineErrorKind { try room.closeTransport(broadcasterId: "A", transportId: created.id) } == .notFound)
    }
}
