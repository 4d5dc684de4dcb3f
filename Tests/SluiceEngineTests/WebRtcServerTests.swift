import NIOCore
import SluiceCrypto
import SluiceEngine
import SluiceRTP
import Testing

/// The worker's shared WebRTC port (mediasoup's WebRtcServer): two transports in two rooms on
/// one server, demultiplexed by ICE ufrag, then by tuple; UDP and ICE-TCP; virtual time.
@Suite("WebRTC server: shared port demultiplexing")
struct WebRtcServerTests {
    final class Setup {
        let server = WebRtcServer(listenIp: "0.0.0.0", announcedIp: "192.0.2.10", udpPort: 40100, tcpPort: 40100)
        let roomA: Room
        let roomB: Room
        let a: Side
        let b: Side
        let stranger: SocketAddress

        struct Side {
            let room: Room
            let transportId: String
            var ice: IceParameters
            let candidates: [IceCandidate]
            let client: SocketAddress
        }

        init(seedA: UInt64 = 1, seedB: UInt64 = 2, dtlsContext: DtlsContext? = nil) throws {
            stranger = try SocketAddress(ipAddress: "203.0.113.99", port: 9999)
            roomA = Self.room(id: "ra", seed: seedA, dtlsContext: dtlsContext)
            roomB = Self.room(id: "rb", seed: seedB, dtlsContext: dtlsContext)
            roomA.router.webRtcServer = server
            roomB.router.webRtcServer = server
            a = try Self.side(roomA, client: try SocketAddress(ipAddress: "198.51.100.1", port: 50001))
            b = try Self.side(roomB, client: try SocketAddress(ipAddress: "198.51.100.2", port: 50002))
        }

        static func room(id: String, seed: UInt64, dtlsContext: DtlsContext?) -> Room {
            Room(
                id: id,
                configuration: RouterConfiguration(
                    rtpCapabilities: EngineFixtures.routerCapabilities, dtlsFingerprints: EngineFixtures.localFingerprints,
                    dtlsContext: dtlsContext),
                random: EngineRandom(SplitMix64(seed: seed)))
        }

        static func side(_ room: Room, client: SocketAddress) throws -> Side {
            _ = try room.createBroadcaster(EngineFixtures.broadcaster("A", capabilities: EngineFixtures.routerCapabilities))
            guard case .webRtc(let created) = try room.createWebRtcTransport(
                broadcasterId: "A", options: WebRtcTransportOptions(sharedPort: true), binding: EngineFixtures.webRtcBinding)
            else { throw SetupError() }
            return Side(
                room: room, transportId: created.id, ice: created.iceParameters, candidates: created.iceCandidates, client: client)
        }

        struct SetupError: Error {}

        static func check(_ side: Side, password: String? = nil, ufrag: String? = nil, useCandidate: Bool = false) -> ByteBuffer {
            var attributes: [StunAttribute] = [
                .username("\(ufrag ?? side.ice.usernameFragment):remote"), .priority(1_853_817_087), .iceControlling(42),
            ]
            if useCandidate { attributes.append(.useCandidate) }
            let request = StunMessage(messageClass: .request, transactionId: Array(0..<12), attributes: attributes)
            return request.serialized(integrityPassword: Array((password ?? side.ice.password).utf8), fingerprint: true)
        }

        static let rtp = RtpPacket(payloadType: 100, sequenceNumber: 1, timestamp: 0, ssrc: 1111, payload: [1, 2, 3]).buffer

        /// One UDP datagram on the shared port; what the router that took it sent back.
        func udp(_ data: ByteBuffer, from source: SocketAddress, at milliseconds: UInt64 = 0) -> (taken: Bool, out: [OutgoingDatagram]) {
            guard let router = server.receiveUdp(data, from: source, now: MediaTime(milliseconds: milliseconds)) else {
                return (false, [])
            }
            var out: [OutgoingDatagram] = []
            router.drainOutbox { out.append($0) }
            return (true, out)
        }

        /// Bytes on an ICE-TCP connection; whether it stays open and what was sent back.
        func tcp(_ bytes: [UInt8], connection: UInt64, at milliseconds: UInt64 = 0) -> (open: Bool, out: [OutgoingDatagram]) {
            var routers: [Router] = []
            let open = server.receiveTcp(ByteBuffer(bytes: bytes), connection: connection, now: MediaTime(milliseconds: milliseconds)) {
                routers.append($0)
            }
            var out: [OutgoingDatagram] = []
            for router in routers { router.drainOutbox { out.append($0) } }
            return (open, out)
        }

        func stats(_ side: Side) throws -> TransportStats {
            try side.room.transportStats(broadcasterId: "A", transportId: side.transportId)
        }

        func state(_ side: Side) throws -> TransportState {
            try side.room.transportState(broadcasterId: "A", transportId: side.transportId)
        }
    }

    static func framed(_ buffer: ByteBuffer) -> [UInt8] {
        Array((IceTcpFramer.frame(buffer) ?? ByteBuffer()).readableBytesView)
    }

    @Test func transportsAdvertiseTheSharedUdpAndTcpPassiveCandidates() throws {
        let setup = try Setup()
        for side in [setup.a, setup.b] {
            #expect(side.candidates.count == 2)
            let udp = try #require(side.candidates.first { $0.protocol == .udp })
            let tcp = try #require(side.candidates.first { $0.protocol == .tcp })
            #expect(udp.port == 40100 && tcp.port == 40100)
            #expect(udp.ip == "192.0.2.10" && tcp.address == "192.0.2.10")
            #expect(udp.tcpType == nil && tcp.tcpType == "passive")
            #expect(tcp.priority < udp.priority)
            #expect(try setup.state(side).iceCandidates == side.candidates)
        }
        #expect(setup.a.ice.usernameFragment != setup.b.ice.usernameFragment)
        #expect(setup.server.stats.transports == 2)
    }

    @Test func bindingRequestsAreRoutedByUsernameFragment() throws {
        let setup = try Setup()
        for side in [setup.a, setup.b] {
            let (taken, out) = setup.udp(Setup.check(side), from: side.client)
            #expect(taken)
            let reply = try #require(out.first)
            #expect(out.count == 1)
            #expect(reply.transport.id == side.transportId)
            #expect(reply.tuple == .udp(side.client))
            let response = try StunMessage(parsing: reply.data)
            #expect(response.messageClass == .successResponse)
            #expect(response.verifyMessageIntegrity(password: Array(side.ice.password.utf8), raw: reply.data))
            #expect(try setup.state(side).iceState == .connected)
        }
        #expect(setup.server.stats.tuples == 2)
    }

    @Test func mediaIsRoutedByTupleAfterACheck() throws {
        let setup = try Setup()
        _ = setup.udp(Setup.check(setup.a, useCandidate: true), from: setup.a.client)
        _ = setup.udp(Setup.check(setup.b, useCandidate: true), from: setup.b.client)
        // No DTLS yet: each transport takes the RTP and counts it as not connected.
        #expect(setup.udp(Setup.rtp, from: setup.a.client).taken)
        #expect(setup.udp(Setup.rtp, from: setup.a.client).taken)
        #expect(setup.udp(Setup.rtp, from: setup.b.client).taken)
        #expect(try setup.stats(setup.a).dropped.notConnected == 2)
        #expect(try setup.stats(setup.b).dropped.notConnected == 1)
        #expect(setup.server.counters.unknownTuple == 0)
    }

    @Test func unknownTuplesAreDroppedAndCounted() throws {
        let setup = try Setup()
        _ = setup.udp(Setup.check(setup.a, useCandidate: true), from: setup.a.client)
        #expect(!setup.udp(Setup.rtp, from: setup.stranger).taken)
        #expect(!setup.udp(ByteBuffer(bytes: [22, 254, 253, 0, 0]), from: setup.stranger).taken)
        // The right address over another protocol is another tuple.
        #expect(!setup.udp(Setup.rtp, from: setup.b.client).taken)
        #expect(setup.server.counters.unknownTuple == 3)
        #expect(try setup.stats(setup.a).dropped.notConnected == 0)
    }

    @Test func unknownUsernamesAndBadPasswordsGetNoAnswer() throws {
        let setup = try Setup()
        let unknown = setup.udp(Setup.check(setup.a, ufrag: "nobody"), from: setup.a.client)
        #expect(!unknown.taken && unknown.out.isEmpty)
        #expect(setup.server.counters.unknownUsername == 1)
        // Routed to A by its ufrag, refused there.
        let wrong = setup.udp(Setup.check(setup.a, password: "not-the-password-at-all-123456789"), from: setup.a.client)
        #expect(wrong.out.isEmpty)
        #expect(try setup.stats(setup.a).dropped.stunAuthFailure == 1)
        // A refused check maps nothing: media from that tuple stays unknown.
        #expect(!setup.udp(Setup.rtp, from: setup.a.client).taken)
        // STUN without USERNAME from an unmapped tuple.
        let bare = StunMessage(messageClass: .request, transactionId: Array(0..<12), attributes: [])
        #expect(!setup.udp(bare.serialized(integrityPassword: nil, fingerprint: true), from: setup.stranger).taken)
        #expect(setup.server.counters.malformedStun == 1)
    }

    @Test func consentExpiryRemovesTheMapping() throws {
        let setup = try Setup()
        _ = setup.udp(Setup.check(setup.a, useCandidate: true), from: setup.a.client, at: 0)
        _ = setup.udp(Setup.check(setup.b, useCandidate: true), from: setup.b.client, at: 0)
        _ = setup.udp(Setup.check(setup.b), from: setup.b.client, at: 20_000)
        setup.roomA.router.handleTimeout(now: MediaTime(milliseconds: 30_500))
        setup.roomB.router.handleTimeout(now: MediaTime(milliseconds: 30_500))
        #expect(try setup.state(setup.a).iceState == .disconnected)
        #expect(try setup.state(setup.b).iceState == .completed)
        #expect(!setup.udp(Setup.rtp, from: setup.a.client, at: 30_600).taken)
        #expect(setup.server.counters.unknownTuple == 1)
        #expect(setup.udp(Setup.rtp, from: setup.b.client, at: 30_600).taken)
        #expect(setup.server.stats.tuples == 1)
        // A new valid check maps the tuple again.
        _ = setup.udp(Setup.check(setup.a, useCandidate: true), from: setup.a.client, at: 31_000)
        #expect(setup.udp(Setup.rtp, from: setup.a.client, at: 31_001).taken)
        #expect(try setup.state(setup.a).iceState == .completed)
    }

    @Test func closingATransportUnregistersItsUfragAndTuples() throws {
        let setup = try Setup()
        _ = setup.udp(Setup.check(setup.a, useCandidate: true), from: setup.a.client)
        _ = setup.udp(Setup.check(setup.b, useCandidate: true), from: setup.b.client)
        try setup.roomA.closeTransport(broadcasterId: "A", transportId: setup.a.transportId)
        #expect(!setup.udp(Setup.check(setup.a), from: setup.a.client).taken)
        #expect(setup.server.counters.unknownUsername == 1)
        #expect(!setup.udp(Setup.rtp, from: setup.a.client).taken)
        #expect(setup.server.counters.unknownTuple == 1)
        #expect(setup.udp(Setup.rtp, from: setup.b.client).taken)
        #expect(setup.server.stats.transports == 1 && setup.server.stats.tuples == 1)
    }

    @Test func restartIceSwitchesTheUfrag() throws {
        let setup = try Setup()
        _ = setup.udp(Setup.check(setup.a, useCandidate: true), from: setup.a.client)
        let old = setup.a
        let fresh = try setup.roomA.restartIce(broadcasterId: "A", transportId: setup.a.transportId)
        #expect(fresh.usernameFragment != old.ice.usernameFragment && fresh.password != old.ice.password)
        #expect(fresh.usernameFragment.count == 32 && fresh.password.count == 32 && fresh.iceLite)
        #expect(try setup.state(setup.a).iceParameters == fresh)
        // The old credentials are refused on the shared port, and counted.
        let stale = setup.udp(Setup.check(old), from: setup.a.client)
        #expect(!stale.taken && stale.out.isEmpty)
        #expect(setup.server.counters.unknownUsername == 1)
        // The new ones work; the selected tuple kept routing media meanwhile.
        #expect(setup.udp(Setup.rtp, from: setup.a.client).taken)
        var renewed = setup.a
        renewed.ice = fresh
        let reply = try #require(setup.udp(Setup.check(renewed), from: setup.a.client).out.first)
        #expect(try StunMessage(parsing: reply.data).messageClass == .successResponse)
        #expect(reply.transport.id == setup.a.transportId)
    }

    @Test func restartIceOnAPlainTransportIsInvalidAndUnknownIdsAreNotFound() throws {
        let setup = try Setup()
        let plain = try setup.roomA.createPlainTransport(
            broadcasterId: "A", options: PlainTransportOptions(), binding: EngineFixtures.plainBinding())
        #expect(engineErrorKind { _ = try setup.roomA.restartIce(broadcasterId: "A", transportId: plain.id) } == .invalid)
        #expect(engineErrorKind { _ = try setup.roomA.restartIce(broadcasterId: "A", transportId: "nope") } == .notFound)
        #expect(engineErrorKind { _ = try setup.roomA.restartIce(broadcasterId: "Z", transportId: setup.a.transportId) } == .notFound)
    }

    @Test func ufragsAreUniqueOnTheServerEvenWhenTheGeneratorsCollide() throws {
        // Same seed: both routers draw the same first ufrag; the second must draw again.
        let setup = try Setup(seedA: 5, seedB: 5)
        #expect(setup.a.ice.usernameFragment != setup.b.ice.usernameFragment)
        for side in [setup.a, setup.b] {
            #expect(setup.udp(Setup.check(side), from: side.client).out.first?.transport.id == side.transportId)
        }
    }

    @Test func transportsWithoutSharedPortKeepTheirOwnBinding() throws {
        let setup = try Setup()
        guard case .webRtc(let created) = try setup.roomA.createWebRtcTransport(
            broadcasterId: "A", options: WebRtcTransportOptions(sharedPort: false), binding: EngineFixtures.webRtcBinding)
        else { throw Setup.SetupError() }
        #expect(created.iceCandidates.map(\.port) == [44444])
        #expect(created.iceCandidates.map(\.protocol) == [.udp])
        #expect(setup.server.stats.transports == 2)
        #expect(setup.roomA.router.transport(withId: created.id)?.usesWebRtcServer == false)
    }

    // MARK: ICE-TCP

    @Test func iceTcpChecksAreAnsweredFramedOnTheirConnection() throws {
        let setup = try Setup()
        let remote = try SocketAddress(ipAddress: "198.51.100.1", port: 61000)
        #expect(setup.server.tcpConnectionOpened(id: 7, remote: remote, now: MediaTime(milliseconds: 0)))
        let bytes = Self.framed(Setup.check(setup.a, useCandidate: true))
        // The frame arrives in two reads, the length prefix split.
        let first = setup.tcp(Array(bytes[..<1]), connection: 7)
        #expect(first.open && first.out.isEmpty)
        let second = setup.tcp(Array(bytes[1...]), connection: 7)
        #expect(second.open)
        let reply = try #require(second.out.first)
        #expect(reply.tuple == .tcp(connectionId: 7, remote: remote))
        #expect(try StunMessage(parsing: reply.data).xorMappedAddress?.port == 61000)
        #expect(try setup.state(setup.a).iceState == .completed)
        #expect(try setup.stats(setup.a).remoteRtp == "198.51.100.1:61000")
        // Media then comes over that connection; the same address over UDP is not the selected tuple.
        #expect(setup.tcp(Self.framed(Setup.rtp) + Self.framed(Setup.rtp), connection: 7).open)
        #expect(try setup.stats(setup.a).dropped.notConnected == 2)
        #expect(!setup.udp(Setup.rtp, from: remote).taken)
    }

    @Test func everythingSentOnATcpSelectedTupleUsesTheConnection() throws {
        // A DTLS client handshake (the peer is DTLS server) starts once ICE selects the TCP tuple.
        let certificate = try DtlsCertificate.generate(commonName: "server")
        let setup = try Setup(dtlsContext: try DtlsContext(certificate: certificate))
        let peer = try DtlsCertificate.generate(commonName: "peer").fingerprint(.sha256)
        try setup.roomA.connectWebRtcTransport(
            broadcasterId: "A", transportId: setup.a.transportId,
            dtlsParameters: DtlsParameters(
                role: .server, fingerprints: [DtlsFingerprintParameters(algorithm: peer.algorithm.rawValue, value: peer.value)]))
        let remote = try SocketAddress(ipAddress: "198.51.100.1", port: 61001)
        #expect(setup.server.tcpConnectionOpened(id: 9, remote: remote, now: MediaTime(milliseconds: 0)))
        let out = setup.tcp(Self.framed(Setup.check(setup.a, useCandidate: true)), connection: 9).out
        #expect(out.count >= 2)
        #expect(out.allSatisfy { $0.tuple == .tcp(connectionId: 9, remote: remote) })
        #expect(out.contains { PacketClass.classify($0.data) == .dtls })
    }

    @Test func closingTheSelectedTcpConnectionDisconnectsAndUnmaps() throws {
        let setup = try Setup()
        let remote = try SocketAddress(ipAddress: "198.51.100.1", port: 61002)
        _ = setup.server.tcpConnectionOpened(id: 3, remote: remote, now: MediaTime(milliseconds: 0))
        _ = setup.tcp(Self.framed(Setup.check(setup.a, useCandidate: true)), connection: 3)
        #expect(setup.server.stats.tuples == 1 && setup.server.stats.tcpConnections == 1)
        setup.server.tcpConnectionClosed(id: 3)
        #expect(try setup.state(setup.a).iceState == .disconnected)
        #expect(try setup.stats(setup.a).remoteRtp == nil)
        #expect(setup.server.stats.tuples == 0 && setup.server.stats.tcpConnections == 0)
        #expect(!setup.tcp(Self.framed(Setup.rtp), connection: 3).open)
    }

    @Test(arguments: [[UInt8]([0, 0]), [0x7F, 0xFF, 1, 2, 3]])
    func brokenFramingClosesTheConnectionAndIsCounted(_ bytes: [UInt8]) throws {
        let setup = try Setup()
        let remote = try SocketAddress(ipAddress: "198.51.100.1", port: 61003)
        _ = setup.server.tcpConnectionOpened(id: 4, remote: remote, now: MediaTime(milliseconds: 0))
        // A good check first, then garbage framing in the same read.
        let result = setup.tcp(Self.framed(Setup.check(setup.a)) + bytes, connection: 4)
        #expect(!result.open)
        #expect(result.out.count == 1)
        #expect(setup.server.counters.tcpFramingErrors == 1)
        #expect(setup.server.stats.tcpConnections == 0 && setup.server.stats.tuples == 0)
    }

    @Test func idleOrOrphanedTcpConnectionsAreHandedBackForClosing() throws {
        let setup = try Setup()
        let remote = try SocketAddress(ipAddress: "198.51.100.1", port: 61004)
        _ = setup.server.tcpConnectionOpened(id: 5, remote: remote, now: MediaTime(milliseconds: 0))
        _ = setup.server.tcpConnectionOpened(id: 6, remote: try SocketAddress(ipAddress: "198.51.100.2", port: 61005), now: MediaTime(milliseconds: 0))
        _ = setup.tcp(Self.framed(Setup.check(setup.b)), connection: 6)
        setup.server.handleTimeout(now: MediaTime(milliseconds: 9_000))
        #expect(!setup.server.hasConnectionsToClose)
        setup.server.handleTimeout(now: MediaTime(milliseconds: 10_000))
        #expect(setup.server.drainConnectionsToClose() == [5])
        #expect(setup.server.counters.tcpIdleClosed == 1)
        // Connection 6 carried a valid check; it goes when its transport closes.
        try setup.roomB.closeTransport(broadcasterId: "A", transportId: setup.b.transportId)
        #expect(setup.server.drainConnectionsToClose() == [6])
        #expect(setup.server.stats.tcpConnections == 0)
    }

    @Test func connectionsBeyondTheLimitAreRefused() throws {
        let setup = try Setup()
        setup.server.maxTcpConnections = 2
        let remote = try SocketAddress(ipAddress: "198.51.100.1", port: 61006)
        #expect(setup.server.tcpConnectionOpened(id: 1, remote: remote, now: MediaTime(milliseconds: 0)))
        #expect(setup.server.tcpConnectionOpened(id: 2, remote: remote, now: MediaTime(milliseconds: 0)))
        #expect(!setup.server.tcpConnectionOpened(id: 3, remote: remote, now: MediaTime(milliseconds: 0)))
        #expect(setup.server.counters.tcpConnectionsRefused == 1 && setup.server.counters.tcpConnectionsAccepted == 2)
    }
}
