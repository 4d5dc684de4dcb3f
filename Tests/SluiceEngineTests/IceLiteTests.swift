import NIOCore
import SluiceEngine
import SluiceRTP
import Testing

/// ICE-lite connectivity checks on WebRTC transports, in virtual time.
@Suite struct IceLiteTests {
    struct Setup {
        let room: Room
        let transportId: String
        let transport: Transport
        let ice: IceParameters
        let client: SocketAddress

        init() throws {
            client = try SocketAddress(ipAddress: "198.51.100.7", port: 50123)
            room = EngineFixtures.room()
            _ = try room.createBroadcaster(EngineFixtures.broadcaster("A", capabilities: EngineFixtures.routerCapabilities))
            guard case .webRtc(let created) = try room.createWebRtcTransport(
                broadcasterId: "A", options: WebRtcTransportOptions(), binding: EngineFixtures.webRtcBinding)
            else { throw SetupError() }
            transportId = created.id
            ice = created.iceParameters
            guard let transport = room.router.transport(withId: created.id) else { throw SetupError() }
            self.transport = transport
        }

        struct SetupError: Error {}

        func check(username: String? = nil, password: String? = nil, useCandidate: Bool = false, fingerprint: Bool = true) -> ByteBuffer {
            var attributes: [StunAttribute] = [.username(username ?? "\(ice.usernameFragment):remote"), .priority(1_853_817_087)]
            attributes.append(.iceControlling(0x0102_0304_0506_0708))
            if useCandidate { attributes.append(.useCandidate) }
            let request = StunMessage(messageClass: .request, transactionId: Array(0..<12), attributes: attributes)
            return request.serialized(integrityPassword: Array((password ?? ice.password).utf8), fingerprint: fingerprint)
        }

        func send(_ data: ByteBuffer, at milliseconds: UInt64 = 0) -> [OutgoingDatagram] {
            room.router.receive(data, on: transport, socket: .rtp, from: client, now: MediaTime(milliseconds: milliseconds))
            var out: [OutgoingDatagram] = []
            room.router.drainOutbox { out.append($0) }
            return out
        }

        func state() throws -> TransportState { try room.transportState(broadcasterId: "A", transportId: transportId) }
        func drops() throws -> TransportDropCounters { try room.transportStats(broadcasterId: "A", transportId: transportId).dropped }
    }

    @Test func validCheckIsAnsweredWithTheMappedAddress() throws {
        let setup = try Setup()
        let out = setup.send(setup.check())
        #expect(out.count == 1)
        let reply = try #require(out.first)
        #expect(reply.destination == setup.client)
        let response = try StunMessage(parsing: reply.data)
        #expect(response.messageClass == .successResponse)
        #expect(response.transactionId == Array(0..<12))
        #expect(response.xorMappedAddress?.address == [198, 51, 100, 7])
        #expect(response.xorMappedAddress?.port == 50123)
        #expect(response.verifyMessageIntegrity(password: Array(setup.ice.password.utf8), raw: reply.data))
        #expect(response.verifyFingerprint(raw: reply.data))
        #expect(try setup.state().iceState == .connected)
    }

    @Test func useCandidateSelectsTheTuple() throws {
        let setup = try Setup()
        _ = setup.send(setup.check(useCandidate: true))
        #expect(try setup.state().iceState == .completed)
        let stats = try setup.room.transportStats(broadcasterId: "A", transportId: setup.transportId)
        #expect(stats.remoteRtp == "198.51.100.7:50123")
    }

    @Test(arguments: ["wrong-ufrag", "wrong-password", "no-integrity"])
    func badChecksGetNoAnswerAndAreCounted(_ fault: String) throws {
        let setup = try Setup()
        let data: ByteBuffer
        switch fault {
        case "wrong-ufrag": data = setup.check(username: "nobody:remote")
        case "wrong-password": data = setup.check(password: "not-the-password-at-all-123456789")
        default:
            let request = StunMessage(
                messageClass: .request, transactionId: Array(0..<12), attributes: [.username("\(setup.ice.usernameFragment):x")])
            data = request.serialized(integrityPassword: nil, fingerprint: true)
        }
        #expect(setup.send(data).isEmpty)
        #expect(try setup.drops().stunAuthFailure == 1)
        #expect(try setup.state().iceState == .new)
    }

    @Test func garbageStunAndMediaBeforeDtlsAreDroppedAndCounted() throws {
        let setup = try Setup()
        // STUN-looking first byte, garbage after it.
        #expect(setup.send(ByteBuffer(bytes: [0x00, 0x01, 0x00, 0x08, 0x21, 0x12, 0xA4, 0x42, 1, 2])).isEmpty)
        #expect(try setup.drops().malformedStun == 1)
        _ = setup.send(setup.check(useCandidate: true))
        // RTP before DTLS has produced SRTP keys: dropped, nothing forwarded.
        let rtp = RtpPacket(payloadType: 100, sequenceNumber: 1, timestamp: 0, ssrc: 1111, payload: [1, 2, 3])
        #expect(setup.send(rtp.buffer).isEmpty)
        #expect(try setup.drops().notConnected == 1)
    }

    @Test func consentExpiresWithoutChecks() throws {
        let setup = try Setup()
        _ = setup.send(setup.check(useCandidate: true), at: 0)
        setup.room.router.handleTimeout(now: MediaTime(milliseconds: 29_000))
        #expect(try setup.state().iceState == .completed)
        setup.room.router.handleTimeout(now: MediaTime(milliseconds: 30_500))
        #expect(try setup.state().iceState == .disconnected)
    }
}
