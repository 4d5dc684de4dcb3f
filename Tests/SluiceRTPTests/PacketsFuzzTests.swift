import NIOCore
import Testing

@testable import SluiceRTP

/// Seeded fuzz loops: random and mutated inputs must never crash, and whatever parses must round-trip.
@Suite("Packets fuzz (seeded)")
struct PacketsFuzzTests {
    /// Exercises every reader and mutator of a parsed packet; each mutation must leave a packet that
    /// parses again.
    func exercise(_ packet: RtpPacket, random: inout PacketsSeededRandom) {
        _ = packet.marker
        _ = packet.payloadType
        _ = packet.csrcs
        _ = Array(packet.payload)
        _ = packet.extensions
        for id in UInt8(0)...16 { _ = packet.extensionValue(id: id) }
        _ = packet.rtxEncoded(payloadType: 97, ssrc: 1, sequenceNumber: 2)
        _ = packet.rtxDecoded(payloadType: 96, ssrc: 1)

        var mutated = packet
        mutated.remapExtensionIds { id in id % 3 == 0 ? nil : id &+ UInt8.random(in: 0...20, using: &random) }
        packetsExpectReparses(mutated)
        mutated.setExtension(id: UInt8.random(in: 0...20, using: &random), value: random.bytes(count: Int.random(in: 0...20, using: &random)))
        packetsExpectReparses(mutated)
        mutated.removeAllExtensions()
        packetsExpectReparses(mutated)
        #expect(mutated.extensionProfile == nil)
        #expect(Array(mutated.payload) == Array(packet.payload))
    }

    @Test("RTP: 10k random buffers throw or parse and round-trip")
    func rtpRandom() {
        var random = PacketsSeededRandom(seed: 0x5EED_0001)
        var parsed = 0
        for _ in 0..<10_000 {
            var bytes = random.bytes(count: Int.random(in: 0...96, using: &random))
            if !bytes.isEmpty && Bool.random(using: &random) {
                bytes[0] = 0x80 | (bytes[0] & 0x3F) // version 2 half the time, to get past the first check
                if bytes.count > 15 && Bool.random(using: &random) { // and a small extension length
                    bytes[0] &= 0xF0 // CC=0
                    bytes[14] = 0
                    bytes[15] = UInt8.random(in: 0...3, using: &random)
                    if Bool.random(using: &random) { bytes[12] = 0xBE; bytes[13] = 0xDE } else { bytes[12] = 0x10; bytes[13] = 0x00 }
                }
            }
            guard let packet = try? RtpPacket(parsing: packetsBuffer(bytes)) else { continue }
            parsed += 1
            #expect(packetsBytes(packet.buffer) == bytes)
            #expect(packet.headerLength + packet.payloadLength + packet.paddingLength == bytes.count)
            exercise(packet, random: &random)
        }
        #expect(parsed > 1000) // the loop reached the interesting paths
    }

    @Test("RTP: random truncations and byte flips of valid packets")
    func rtpMutations() {
        var random = PacketsSeededRandom(seed: 0x5EED_0002)
        var seeds = packetsRtpVectors.map(\.bytes)
        for _ in 0..<50 {
            let extensions = (0..<Int.random(in: 0...4, using: &random)).map { _ in
                (id: UInt8.random(in: 1...20, using: &random), value: random.bytes(count: Int.random(in: 0...20, using: &random)))
            }
            let built = RtpPacket(
                payloadType: 96, sequenceNumber: 1, timestamp: 2, ssrc: 3,
                csrcs: (0..<Int.random(in: 0...3, using: &random)).map { UInt32($0) }, extensions: extensions,
                payload: random.bytes(count: Int.random(in: 0...50, using: &random)),
                paddingLength: Int.random(in: 0...8, using: &random))
            seeds.append(packetsBytes(built.buffer))
        }
        for _ in 0..<10_000 {
            var bytes = seeds[Int.random(in: 0..<seeds.count, using: &random)]
            if Bool.random(using: &random) {
                bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &random)))
            }
            if !bytes.isEmpty {
                for _ in 0..<Int.random(in: 0...3, using: &random) {
                    bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                }
            }
            guard let packet = try? RtpPacket(parsing: packetsBuffer(bytes)) else { continue }
            #expect(packetsBytes(packet.buffer) == bytes)
            exercise(packet, random: &random)
        }
    }

    /// Parse; if it parses, serialising is a fixed point after one round and re-parses to the same values
    /// (byte equality with the input is not required: padding and ignored bytes are normalised).
    func checkRtcp(_ bytes: [UInt8]) -> Bool {
        guard let packets = try? RtcpCompound.parse(packetsBuffer(bytes)) else { return false }
        let first = RtcpCompound.serialize(packets)
        guard let again = try? RtcpCompound.parse(first) else {
            Issue.record("serialised packets do not parse: \(bytes)")
            return true
        }
        #expect(packetsBytes(RtcpCompound.serialize(again)) == packetsBytes(first), "\(bytes)")
        return true
    }

    @Test("RTCP: 10k random buffers (raw, and with well-formed headers around random bodies)")
    func rtcpRandom() {
        var random = PacketsSeededRandom(seed: 0x5EED_0003)
        var parsed = 0
        for _ in 0..<10_000 {
            var bytes: [UInt8] = []
            if Bool.random(using: &random) {
                bytes = random.bytes(count: Int.random(in: 0...64, using: &random))
            } else {
                for _ in 0..<Int.random(in: 1...3, using: &random) {
                    let words = Int.random(in: 0...12, using: &random)
                    let packetType = UInt8.random(in: 200...207, using: &random)
                    let count = [0, 1, 2, 4, 15, UInt8.random(in: 0...31, using: &random)].randomElement(using: &random) ?? 0
                    let padding: UInt8 = Int.random(in: 0..<4, using: &random) == 0 ? 0x20 : 0
                    bytes += [0x80 | padding | count, packetType, 0, UInt8(words)]
                    var body = random.bytes(count: words * 4)
                    if packetType == 206 && count == 15 && body.count >= 12 { body[8...11] = [0x52, 0x45, 0x4D, 0x42] }
                    if padding != 0, !body.isEmpty { body[body.count - 1] = UInt8.random(in: 0...8, using: &random) }
                    bytes += body
                }
            }
            if checkRtcp(bytes) { parsed += 1 }
        }
        #expect(parsed > 500)
    }

    @Test("RTCP: random truncations and byte flips of valid compound packets")
    func rtcpMutations() {
        var random = PacketsSeededRandom(seed: 0x5EED_0004)
        let seeds = packetsRtcpVectors.map(\.bytes)
        for _ in 0..<10_000 {
            var bytes = seeds[Int.random(in: 0..<seeds.count, using: &random)]
            if Bool.random(using: &random) {
                bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &random)))
            }
            if !bytes.isEmpty {
                for _ in 0..<Int.random(in: 0...3, using: &random) {
                    bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                }
            }
            _ = checkRtcp(bytes)
        }
    }

    @Test("classification never crashes")
    func classify() {
        var random = PacketsSeededRandom(seed: 0x5EED_0005)
        for _ in 0..<2000 {
            _ = PacketClass.classify(packetsBuffer(random.bytes(count: Int.random(in: 0...3, using: &random))))
        }
    }
}
