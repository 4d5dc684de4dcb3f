import Foundation
import Testing
import SluiceCrypto
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Not a test: a micro-measurement run by hand, e.g.
/// `SLUICE_SRTP_BENCH=1 swift test --filter SrtpBenchmark` (add `-c release
/// -Xswiftc -enable-testing` for optimised Swift; libsrtp itself is always optimised).
/// Reports thread CPU time per packet (robust on a busy machine) and wall time.
@Suite("SrtpBenchmark", .serialized, .enabled(if: ProcessInfo.processInfo.environment["SLUICE_SRTP_BENCH"] != nil))
struct SrtpBenchmark {
    static let iterations = 100_000
    static let payloadLength = 1200

    struct Timing {
        var cpuNanoseconds: UInt64
        var wallNanoseconds: UInt64

        func perPacket(_ count: Int) -> String {
            String(format: "%.2f µs CPU (%.2f µs wall)",
                   Double(cpuNanoseconds) / 1000 / Double(count), Double(wallNanoseconds) / 1000 / Double(count))
        }
    }

    static func now(_ clock: clockid_t) -> UInt64 {
        var time = timespec()
        clock_gettime(clock, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    static func measure(_ body: () throws -> Void) rethrows -> Timing {
        let cpu = now(CLOCK_THREAD_CPUTIME_ID)
        let wall = now(CLOCK_MONOTONIC)
        try body()
        return Timing(cpuNanoseconds: now(CLOCK_THREAD_CPUTIME_ID) - cpu, wallNanoseconds: now(CLOCK_MONOTONIC) - wall)
    }

    @Test(arguments: SrtpProfile.allCases)
    func protectAndUnprotect1200BytePackets(_ profile: SrtpProfile) throws {
        let key = randomKey(profile)
        let sender = try SrtpSession(profile: profile, keyAndSalt: key, direction: .outbound)
        let receiver = try SrtpSession(profile: profile, keyAndSalt: key, direction: .inbound)
        let plain = SrtpPackets.rtp(seq: 0, ssrc: 0x1234_5678, payload: Array(repeating: 0x5A, count: Self.payloadLength))

        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: plain.count + SrtpSession.maxTrailerLength, alignment: 16)
        defer { buffer.deallocate() }
        buffer.copyBytes(from: plain)

        // Protect in place, as an SFU forwarding loop would (fresh sequence number each time).
        var protectedLength = 0
        let protect = try Self.measure {
            for index in 0..<Self.iterations {
                buffer[2] = UInt8(truncatingIfNeeded: index >> 8)
                buffer[3] = UInt8(truncatingIfNeeded: index)
                protectedLength = try sender.protectRtp(buffer, length: plain.count)
            }
        }
        #expect(protectedLength == plain.count + profile.rtpTrailerLength)

        // Unprotect distinct packets (protected up front, outside the timing).
        let count = 20_000
        var packets: [[UInt8]] = []
        packets.reserveCapacity(count)
        let unprotectSender = try SrtpSession(profile: profile, keyAndSalt: key, direction: .outbound)
        for index in 0..<count {
            var packet = plain
            packet[2] = UInt8(truncatingIfNeeded: index >> 8)
            packet[3] = UInt8(truncatingIfNeeded: index)
            try unprotectSender.protectRtp(&packet)
            packets.append(packet)
        }
        let unprotect = try Self.measure {
            for index in 0..<count {
                _ = try packets[index].withUnsafeMutableBytes { bytes in
                    try receiver.unprotectRtp(bytes, length: bytes.count)
                }
            }
        }

        // The [UInt8] convenience (appends room, trims).
        var array = plain
        let arrayCount = 20_000
        let arrayProtect = try Self.measure {
            for index in 0..<arrayCount {
                array[2] = UInt8(truncatingIfNeeded: index >> 8)
                array[3] = UInt8(truncatingIfNeeded: index)
                try sender.protectRtp(&array)
                array.removeLast(profile.rtpTrailerLength)
            }
        }

        print("""
            SRTP bench \(profile.rawValue), \(Self.payloadLength)-byte payload: \
            protect(raw) \(protect.perPacket(Self.iterations)); \
            unprotect(raw) \(unprotect.perPacket(count)); \
            protect([UInt8]) \(arrayProtect.perPacket(arrayCount))
            """)
    }
}
