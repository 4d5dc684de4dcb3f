import Foundation
import Testing
import SluiceCrypto
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Interoperability with FFmpeg's own SRTP implementation (libavformat/srtp.c,
/// independent of libsrtp), over real UDP sockets on the loopback interface.
@Suite("SRTP interop with ffmpeg", .serialized, .enabled(if: FFmpegCLI.isAvailable, "ffmpeg not installed"))
struct SrtpFFmpegInteropTests {
    static let suites: [SrtpProfile] = [.aesCm128HmacSha1_80, .aesCm128HmacSha1_32]
    static let sine = "sine=frequency=440:sample_rate=8000:duration=0.5"

    /// ffmpeg's suite names. Its RFC 4568 (SDES) name `AES_CM_128_HMAC_SHA1_32`
    /// also truncates the SRTCP tag to 32 bits; the RFC 5764 (DTLS-SRTP) name
    /// keeps SRTCP at 80 bits, which is what WebRTC, and `SrtpSession`, do.
    static func ffmpegSuite(_ profile: SrtpProfile) -> String {
        switch profile {
        case .aesCm128HmacSha1_80: "SRTP_AES128_CM_HMAC_SHA1_80"
        case .aesCm128HmacSha1_32: "SRTP_AES128_CM_HMAC_SHA1_32"
        case .aeadAes128Gcm, .aeadAes256Gcm: profile.rawValue  // not supported by ffmpeg
        }
    }

    /// ffmpeg encrypts a PCMU stream with `srtp://`; our inbound session must
    /// decrypt every RTP and RTCP packet, and the payloads must be exactly the
    /// mu-law bytes ffmpeg produces for the same input without SRTP.
    @Test(arguments: suites)
    func decryptsWhatFFmpegEncrypts(_ profile: SrtpProfile) throws {
        let expected = try FFmpegCLI.run([
            "-f", "lavfi", "-i", Self.sine, "-c:a", "pcm_mulaw", "-f", "mulaw", "-",
        ])
        try #require(expected.status == 0, "\(expected.stderrText)")
        #expect(expected.stdout.count == 4000)

        let (rtpSocket, rtcpSocket) = try UdpTestSocket.bindPair()
        let key = randomKey(profile)
        let sent = try FFmpegCLI.run([
            "-f", "lavfi", "-i", Self.sine, "-c:a", "pcm_mulaw", "-f", "rtp",
            "-srtp_out_suite", Self.ffmpegSuite(profile),
            "-srtp_out_params", Data(key).base64EncodedString(),
            "srtp://127.0.0.1:\(rtpSocket.port)",
        ])
        try #require(sent.status == 0, "\(sent.stderrText)")

        let receiver = try SrtpSession(profile: profile, keyAndSalt: key, direction: .inbound)
        var payload: [UInt8] = []
        var packets = 0
        // ffmpeg has exited, so every datagram is already queued.
        while let datagram = rtpSocket.receive(timeoutMilliseconds: 200) {
            var packet = datagram
            try receiver.unprotectRtp(&packet)
            #expect(packet.count == datagram.count - profile.rtpTrailerLength)
            #expect(packet[0] >> 6 == 2 && packet[1] & 0x7F == 0, "RTP v2, PCMU")
            payload += packet[12...]
            packets += 1
        }
        #expect(packets >= 4)
        #expect(payload == Array(expected.stdout))

        var reports = 0
        while let datagram = rtcpSocket.receive(timeoutMilliseconds: 200) {
            var packet = datagram
            try receiver.unprotectRtcp(&packet)
            #expect(packet.count == datagram.count - profile.rtcpTrailerLength)
            #expect(packet[0] >> 6 == 2 && packet[1] == 200, "RTCP sender report")
            reports += 1
        }
        #expect(reports >= 1)
    }

    /// We encrypt with an outbound session; ffmpeg (reading an SDP with an
    /// `a=crypto` line) must decrypt our packets back to the exact payloads.
    @Test(arguments: suites)
    func ffmpegDecryptsWhatWeEncrypt(_ profile: SrtpProfile) throws {
        let port = try UdpTestSocket.freePortPair()
        let key = randomKey(profile)
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("sluice-srtp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let sdp = directory.appendingPathComponent("in.sdp")
        let output = directory.appendingPathComponent("out.raw")
        try """
        v=0\r
        o=- 0 0 IN IP4 127.0.0.1\r
        s=sluice\r
        c=IN IP4 127.0.0.1\r
        t=0 0\r
        m=audio \(port) RTP/AVP 0\r
        a=rtpmap:0 PCMU/8000\r
        a=crypto:1 \(Self.ffmpegSuite(profile)) inline:\(Data(key).base64EncodedString())\r

        """.write(to: sdp, atomically: true, encoding: .utf8)

        let ffmpeg = try FFmpegCLI.start([
            "-protocol_whitelist", "file,udp,rtp,srtp", "-i", sdp.path,
            "-c:a", "copy", "-flush_packets", "1", "-f", "mulaw", "-y", output.path,
        ])
        defer { FFmpegCLI.kill(ffmpeg) }
        // Wait until ffmpeg has bound the port (our own bind then fails).
        let bindDeadline = Date().addingTimeInterval(10)
        while Date() < bindDeadline, (try? UdpTestSocket.bind(port: port)) != nil {
            Thread.sleep(forTimeInterval: 0.02)
        }

        let sender = try SrtpSession(profile: profile, keyAndSalt: key, direction: .outbound)
        let socket = try UdpTestSocket.bind(port: 0)
        var expected: [UInt8] = []
        for index in 0..<25 {
            let payload = (0..<160).map { UInt8(truncatingIfNeeded: index * 7 + $0) }
            expected += payload
            var packet = SrtpPackets.rtp(
                seq: UInt16(40_000 + index), timestamp: UInt32(index * 160), ssrc: 0x5EED_0001,
                payloadType: 0, payload: payload)
            try sender.protectRtp(&packet)
            socket.send(packet, toPort: port)
            Thread.sleep(forTimeInterval: 0.01)
        }

        // Wait for the output to fill up (`-flush_packets 1` writes every
        // packet through), then stop ffmpeg, which would otherwise wait for
        // more input.
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, FFmpegCLI.fileSize(output) < expected.count {
            Thread.sleep(forTimeInterval: 0.02)
        }
        FFmpegCLI.kill(ffmpeg)
        let decoded = (try? Data(contentsOf: output)).map(Array.init) ?? []
        #expect(decoded == expected, "ffmpeg decoded \(decoded.count) of \(expected.count) bytes")
    }
}

// MARK: - Helpers

enum FFmpegCLI {
    struct Output {
        var status: Int32
        var stdout: Data
        var stderrText: String
    }

    static let path: String? = {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return directories.map { "\($0)/ffmpeg" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    static var isAvailable: Bool { path != nil }

    static func start(_ arguments: [String], stdout: Pipe? = nil, stderr: Pipe? = nil) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path ?? "/usr/bin/ffmpeg")
        process.arguments = ["-hide_banner", "-loglevel", "error", "-nostdin"] + arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = stdout ?? FileHandle.nullDevice
        process.standardError = stderr ?? FileHandle.nullDevice
        try process.run()
        return process
    }

    static func run(_ arguments: [String]) throws -> Output {
        let stdoutPipe = Pipe()
        let stderrPipe = Pipe()
        let process = try start(arguments, stdout: stdoutPipe, stderr: stderrPipe)
        // stderr is small (log level error); stdout is read to EOF first.
        let out = stdoutPipe.fileHandleForReading.readDataToEndOfFile()
        let err = stderrPipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: out, stderrText: String(decoding: err, as: UTF8.self))
    }

    /// Stops a still-running ffmpeg at once (SIGINT would block until its
    /// network read times out) and reaps it.
    static func kill(_ process: Process) {
        if process.isRunning {
            _ = systemKill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
    }

    static func fileSize(_ url: URL) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? NSNumber)?.intValue ?? 0
    }
}

#if canImport(Glibc)
private let systemBind = Glibc.bind
private let systemKill = Glibc.kill
#else
private let systemBind = Darwin.bind
private let systemKill = Darwin.kill
#endif

/// A blocking IPv4 UDP socket on 127.0.0.1, just enough for these tests.
final class UdpTestSocket {
    struct SocketError: Error, CustomStringConvertible {
        var description: String
    }

    let descriptor: Int32
    let port: UInt16

    private init(descriptor: Int32, port: UInt16) {
        self.descriptor = descriptor
        self.port = port
    }

    deinit { close(descriptor) }

    static func bind(port: UInt16) throws -> UdpTestSocket {
        #if canImport(Glibc)
        let descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        #else
        let descriptor = socket(AF_INET, SOCK_DGRAM, 0)
        #endif
        guard descriptor >= 0 else { throw SocketError(description: "socket: errno \(errno)") }
        var bufferSize: Int32 = 1 << 20
        _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &bufferSize, socklen_t(MemoryLayout<Int32>.size))
        var address = loopback(port: port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                systemBind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else {
            close(descriptor)
            throw SocketError(description: "bind(\(port)): errno \(errno)")
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return UdpTestSocket(descriptor: descriptor, port: UInt16(bigEndian: actual.sin_port))
    }

    /// Two sockets on ports P (even) and P + 1, as RTP and RTCP.
    static func bindPair() throws -> (UdpTestSocket, UdpTestSocket) {
        for _ in 0..<100 {
            let first = try bind(port: 0)
            guard first.port.isMultiple(of: 2), first.port < UInt16.max,
                  let second = try? bind(port: first.port + 1) else { continue }
            return (first, second)
        }
        throw SocketError(description: "no free port pair")
    }

    /// A port P with P and P + 1 free right now (for a child process to bind).
    static func freePortPair() throws -> UInt16 {
        let (rtp, _) = try bindPair()
        return rtp.port  // both sockets close when this returns
    }

    func receive(timeoutMilliseconds: Int32) -> [UInt8]? {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, timeoutMilliseconds) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        guard count >= 0 else { return nil }
        return Array(buffer.prefix(count))
    }

    func send(_ bytes: [UInt8], toPort port: UInt16) {
        var address = Self.loopback(port: port)
        _ = bytes.withUnsafeBytes { payload in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(descriptor, payload.baseAddress, payload.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
    }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }
}
