import Foundation
import NIOCore
import SluiceCrypto
import SluiceEngine
import SluiceRTP
import Testing

/// Not a test: the WebRTC fan-out measurement of BENCHMARKS.md, run by hand:
/// `SLUICE_WEBRTC_BENCH=1 swift test -c release -Xswiftc -enable-testing --filter WebRtcFanoutBenchmark`.
///
/// One WebRTC producer (SRTP in) fanned out to N WebRTC consumers (SRTP out), every transport
/// keyed by a real DTLS handshake in memory; the router's work per input packet (unprotect,
/// parse, rewrite, protect N copies) is timed with the thread's CPU clock. The reference in the
/// same run is the same topology over plain transports without SRTP.
@Suite("WebRtcFanoutBenchmark", .serialized, .enabled(if: ProcessInfo.processInfo.environment["SLUICE_WEBRTC_BENCH"] != nil))
struct WebRtcFanoutBenchmark {
    static let consumers = 10
    static let packets = 20_000
    static let payloadLength = 1100

    struct Topology {
        let room: Room
        let ingest: Transport
        let source: SocketAddress
        var protect: (inout [UInt8]) -> Void
    }

    static func cpuNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    static func packet(seq: UInt16) -> [UInt8] {
        RtpPacket(
            payloadType: 101, sequenceNumber: seq, timestamp: UInt32(seq) * 3000, ssrc: 2222, marker: true,
            payload: [0x10, 0x00, 0x9D, 0x01, 0x2A, 0x40, 0x01, 0xF0, 0x00] + [UInt8](repeating: 0x5A, count: payloadLength)
        ).buffer.readableBytesView.map { $0 }
    }

    /// A WebRTC transport of `broadcaster` keyed by a DTLS handshake; returns it with the
    /// client's SRTP keys.
    static func keyedWebRtcTransport(
        room: Room, broadcaster: String, certificate: DtlsCertificate, serverFingerprint: DtlsFingerprint, profile: SrtpProfile,
        client: SocketAddress, port: Int
    ) throws -> (Transport, DtlsSrtpKeys) {
        guard case .webRtc(let created) = try room.createWebRtcTransport(
            broadcasterId: broadcaster, options: WebRtcTransportOptions(),
            binding: TransportBinding(listenIp: "127.0.0.1", announcedIp: "127.0.0.1", port: port)),
            let transport = room.router.transport(withId: created.id)
        else { throw BenchmarkError.setup }
        let check = StunMessage(
            messageClass: .request, transactionId: Array(0..<12),
            attributes: [.username("\(created.iceParameters.usernameFragment):c"), .priority(1), .iceControlling(1), .useCandidate])
        room.router.receive(
            check.serialized(integrityPassword: Array(created.iceParameters.password.utf8), fingerprint: true), on: transport,
            socket: .rtp, from: client, now: MediaTime(milliseconds: 1))
        room.router.drainOutbox { _ in }
        let fingerprint = certificate.fingerprint(.sha256)
        try room.connectWebRtcTransport(
            broadcasterId: broadcaster, transportId: created.id,
            dtlsParameters: DtlsParameters(
                role: .client, fingerprints: [DtlsFingerprintParameters(algorithm: fingerprint.algorithm.rawValue, value: fingerprint.value)]))
        let session = try DtlsSession(
            certificate: certificate, role: .client, remoteFingerprint: serverFingerprint, srtpProfiles: [profile])
        session.start(now: 0)
        var outgoing = session.drainOutgoing()
        for _ in 0..<20 where !outgoing.isEmpty {
            for datagram in outgoing {
                room.router.receive(ByteBuffer(bytes: datagram), on: transport, socket: .rtp, from: client, now: MediaTime(milliseconds: 2))
            }
            var replies: [ByteBuffer] = []
            room.router.drainOutbox { replies.append($0.data) }
            for reply in replies { session.receive(Array(reply.readableBytesView), now: 0) }
            outgoing = session.drainOutgoing()
        }
        guard let keys = session.srtpKeys else { throw BenchmarkError.handshake }
        return (transport, keys)
    }

    enum BenchmarkError: Error { case setup, handshake }

    static func webRtcTopology(profile: SrtpProfile) throws -> Topology {
        let certificate = try DtlsCertificate.generate(commonName: "server")
        let clientCertificate = try DtlsCertificate.generate(commonName: "client")
        let room = Room(
            id: "bench",
            configuration: RouterConfiguration(
                rtpCapabilities: EngineFixtures.routerCapabilities, dtlsFingerprints: [], dtlsContext: try DtlsContext(certificate: certificate)),
            random: EngineRandom(SplitMix64(seed: 3)))
        let serverFingerprint = certificate.fingerprint(.sha256)
        _ = try room.createBroadcaster(EngineFixtures.broadcaster("src"))
        _ = try room.createBroadcaster(EngineFixtures.broadcaster("sink", capabilities: EngineFixtures.routerCapabilities))
        let source = try SocketAddress(ipAddress: "127.0.0.1", port: 30000)
        let (ingest, ingestKeys) = try keyedWebRtcTransport(
            room: room, broadcaster: "src", certificate: clientCertificate, serverFingerprint: serverFingerprint, profile: profile,
            client: source, port: 40000)
        let producerId = try room.produce(broadcasterId: "src", transportId: ingest.id, options: EngineFixtures.video())
        for index in 0..<consumers {
            let (transport, _) = try keyedWebRtcTransport(
                room: room, broadcaster: "sink", certificate: clientCertificate, serverFingerprint: serverFingerprint, profile: profile,
                client: try SocketAddress(ipAddress: "127.0.0.1", port: 31000 + index), port: 41000 + index)
            _ = try room.consume(broadcasterId: "sink", transportId: transport.id, options: ConsumeOptions(producerId: producerId, enableRtx: false))
        }
        let sender = try SrtpSession(profile: profile, keyAndSalt: ingestKeys.localKeyAndSalt, direction: .outbound)
        return Topology(room: room, ingest: ingest, source: source, protect: { try? sender.protectRtp(&$0) })
    }

    static func plainTopology() throws -> Topology {
        let room = Room(
            id: "bench-plain", configuration: RouterConfiguration(rtpCapabilities: EngineFixtures.routerCapabilities, dtlsFingerprints: []),
            random: EngineRandom(SplitMix64(seed: 3)))
        _ = try room.createBroadcaster(EngineFixtures.broadcaster("src"))
        _ = try room.createBroadcaster(EngineFixtures.broadcaster("sink", capabilities: EngineFixtures.routerCapabilities))
        let ingestId = try room.createPlainTransport(
            broadcasterId: "src", options: PlainTransportOptions(comedia: true, rtcpMux: true), binding: EngineFixtures.plainBinding(rtcpMux: true)
        ).id
        let producerId = try room.produce(broadcasterId: "src", transportId: ingestId, options: EngineFixtures.video())
        for index in 0..<consumers {
            let id = try room.createPlainTransport(
                broadcasterId: "sink", options: PlainTransportOptions(comedia: false, rtcpMux: true),
                binding: EngineFixtures.plainBinding(port: 42000 + 2 * index, rtcpMux: true)
            ).id
            try room.connectPlainTransport(broadcasterId: "sink", transportId: id, options: PlainTransportConnectOptions(ip: "127.0.0.1", port: 32000 + index))
            _ = try room.consume(broadcasterId: "sink", transportId: id, options: ConsumeOptions(producerId: producerId, enableRtx: false))
        }
        guard let ingest = room.router.transport(withId: ingestId) else { throw BenchmarkError.setup }
        return Topology(room: room, ingest: ingest, source: try SocketAddress(ipAddress: "127.0.0.1", port: 30000), protect: { _ in })
    }

    /// Output packets per CPU second over `packets` inputs (after a warm-up).
    static func run(_ topology: Topology) -> (outPerSecond: Double, sent: Int) {
        var inputs: [ByteBuffer] = []
        inputs.reserveCapacity(packets)
        for index in 0..<(packets + 500) {
            var bytes = packet(seq: UInt16(truncatingIfNeeded: index + 1))
            topology.protect(&bytes)
            inputs.append(ByteBuffer(bytes: bytes))
        }
        var sent = 0
        var time = MediaTime(milliseconds: 10_000)
        for input in inputs.prefix(500) {
            topology.room.router.receive(input, on: topology.ingest, socket: .rtp, from: topology.source, now: time)
            topology.room.router.drainOutbox { _ in }
        }
        let start = cpuNanoseconds()
        for input in inputs.dropFirst(500) {
            time = time + 1
            topology.room.router.receive(input, on: topology.ingest, socket: .rtp, from: topology.source, now: time)
            topology.room.router.drainOutbox { _ in sent += 1 }
        }
        let seconds = Double(cpuNanoseconds() - start) / 1e9
        return (Double(sent) / seconds, sent)
    }

    @Test func fanOutToTenWebRtcConsumers() throws {
        let plain = Self.run(try Self.plainTopology())
        print(String(format: "plain, no SRTP (reference)   : %9.0f out pkts/s per core (%d sent)", plain.outPerSecond, plain.sent))
        for profile in [SrtpProfile.aesCm128HmacSha1_80, .aeadAes128Gcm, .aeadAes256Gcm] {
            let result = Self.run(try Self.webRtcTopology(profile: profile))
            print(String(format: "webrtc %-24@: %9.0f out pkts/s per core (%d sent) = %.2fx plain",
                         profile.rawValue as NSString, result.outPerSecond, result.sent, result.outPerSecond / plain.outPerSecond))
            #expect(result.sent >= Self.packets * Self.consumers * 9 / 10, "every consumer got the packets")
        }
    }
}
