import Foundation
import Testing
@testable import SluiceCrypto

/// Handshakes over a lossy in-memory link. OpenSSL's retransmission timer runs
/// on the wall clock, so these tests use a 20 ms initial timeout and wait in
/// real time (a few hundred milliseconds at most).
@Suite("DtlsSession retransmission")
struct DtlsLossTests {
    /// Runs the pair on the real monotonic clock until both settle or `limit`
    /// seconds pass; waits for the earlier `nextTimeout` when nothing moves.
    static func drive(_ pair: DtlsPair, limit: Double = 5, deliver: (DtlsRole, [UInt8]) -> Bool) {
        let start = DtlsFixtures.now()
        pair.start(now: start)
        while !pair.settled, DtlsFixtures.now() - start < limit {
            if pair.exchange(now: DtlsFixtures.now(), deliver: deliver) { continue }
            let timeouts = [pair.client.nextTimeout, pair.server.nextTimeout].compactMap { $0 }
            guard let next = timeouts.min() else { break }
            let wait = next - DtlsFixtures.now()
            if wait > 0 {
                Thread.sleep(forTimeInterval: min(wait, 0.05))
            }
            let now = DtlsFixtures.now()
            if let due = pair.client.nextTimeout, due <= now { pair.client.handleTimeout(now: now) }
            if let due = pair.server.nextTimeout, due <= now { pair.server.handleTimeout(now: now) }
        }
        pair.collectEvents()
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5])
    func handshakeSurvivesLossOfEarlyFlights(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        let pair = try DtlsPair(initialRetransmitTimeout: 0.02)
        var seen: [DtlsRole: Int] = [:]
        var dropped = 0
        Self.drive(pair) { sender, _ in
            let index = seen[sender, default: 0]
            seen[sender] = index + 1
            // The first datagram of each side is always lost; the next three
            // each with probability 1/2; everything after that arrives.
            let drop = index == 0 || (index < 4 && Bool.random(using: &random))
            if drop { dropped += 1 }
            return !drop
        }
        #expect(pair.bothConnected, "client \(pair.client.state) \(pair.client.failureReason ?? ""), server \(pair.server.state) \(pair.server.failureReason ?? "")")
        #expect(dropped >= 2)
        let clientKeys = try #require(pair.client.srtpKeys)
        let serverKeys = try #require(pair.server.srtpKeys)
        #expect(clientKeys.localKeyAndSalt == serverKeys.remoteKeyAndSalt)
        #expect(clientKeys.remoteKeyAndSalt == serverKeys.localKeyAndSalt)
        // Retransmissions happened: more datagrams than a lossless handshake's four.
        #expect(pair.sentByClient.count + pair.sentByServer.count > 4)
        #expect(pair.clientEvents == [.connected(clientKeys)])
        #expect(pair.serverEvents == [.connected(serverKeys)])
    }

    @Test func lostFinalFlightIsRecoveredByClientRetransmission() throws {
        // The server's CCS+Finished (its second datagram) is lost once: the
        // server is connected already and must answer the client's
        // retransmitted flight with its own.
        let pair = try DtlsPair(initialRetransmitTimeout: 0.02)
        var serverDatagrams = 0
        Self.drive(pair) { sender, _ in
            guard sender == .server else { return true }
            serverDatagrams += 1
            return serverDatagrams != 2
        }
        #expect(pair.bothConnected)
        #expect(pair.client.srtpKeys?.localKeyAndSalt == pair.server.srtpKeys?.remoteKeyAndSalt)
        #expect(serverDatagrams >= 3)
    }

    @Test func reorderedAndDuplicatedDatagramsAreTolerated() throws {
        // Every batch arrives reversed and then again in order. Records that
        // OpenSSL cannot use yet (e.g. a ChangeCipherSpec ahead of the messages
        // it follows) are dropped and their duplicates count as replays, so
        // the handshake may need a retransmission to finish.
        let pair = try DtlsPair(mtu: 300, initialRetransmitTimeout: 0.02)
        let start = DtlsFixtures.now()
        pair.start(now: start)
        while !pair.settled, DtlsFixtures.now() - start < 5 {
            let now = DtlsFixtures.now()
            let fromClient = pair.client.drainOutgoing()
            let fromServer = pair.server.drainOutgoing()
            for datagram in fromClient.reversed() + fromClient { pair.server.receive(datagram, now: now) }
            for datagram in fromServer.reversed() + fromServer { pair.client.receive(datagram, now: now) }
            if fromClient.isEmpty, fromServer.isEmpty {
                Thread.sleep(forTimeInterval: 0.005)
                let later = DtlsFixtures.now()
                if let due = pair.client.nextTimeout, due <= later { pair.client.handleTimeout(now: later) }
                if let due = pair.server.nextTimeout, due <= later { pair.server.handleTimeout(now: later) }
            }
        }
        pair.exchange(now: DtlsFixtures.now())
        #expect(pair.bothConnected, "client \(pair.client.state) \(pair.client.failureReason ?? "-"), server \(pair.server.state) \(pair.server.failureReason ?? "-")")
        #expect(pair.client.srtpKeys?.localKeyAndSalt == pair.server.srtpKeys?.remoteKeyAndSalt)
        #expect(pair.client.malformedRecords == 0)
        #expect(pair.server.malformedRecords == 0)
    }

    @Test func retransmissionsBackOffExponentially() throws {
        // Nobody answers. 20 ms initial timeout, doubling (OpenSSL treats less
        // than 15 ms remaining as expired, so each wait is a little shorter).
        let pair = try DtlsPair(initialRetransmitTimeout: 0.02)
        let start = DtlsFixtures.now()
        pair.client.start(now: start)
        let clientHello = pair.client.drainOutgoing()
        #expect(clientHello.count == 1)
        var intervals: [Double] = []
        var last = start
        while intervals.count < 5, DtlsFixtures.now() - start < 2 {
            guard let next = pair.client.nextTimeout else { break }
            let wait = next - DtlsFixtures.now()
            if wait > 0 { Thread.sleep(forTimeInterval: wait) }
            let now = DtlsFixtures.now()
            pair.client.handleTimeout(now: now)
            let retransmitted = pair.client.drainOutgoing()
            if !retransmitted.isEmpty {
                #expect(retransmitted.map(\.count) == clientHello.map(\.count))
                intervals.append(now - last)
                last = now
            }
        }
        #expect(pair.client.state == .connecting)
        #expect(intervals.count == 5)
        if intervals.count == 5 {
            #expect(intervals[4] > intervals[1] * 2, "\(intervals)")
            #expect(intervals[4] >= 0.1, "\(intervals)")
        }
    }
}
