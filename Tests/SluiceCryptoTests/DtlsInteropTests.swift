import Foundation
import Testing
@testable import SluiceCrypto

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Handshakes against the `openssl` command-line tool (s_server / s_client)
/// over UDP on 127.0.0.1, comparing the negotiated SRTP profile and the
/// RFC 5764 keying material it prints with ours.
@Suite("DtlsSession interop with openssl s_server/s_client", .serialized, .enabled(if: OpenSSLTool.available))
struct DtlsInteropTests {
    // MARK: We are the client

    @Test(arguments: SrtpProfile.allCases)
    func clientAgainstOpenSSLServer(_ profile: SrtpProfile) throws {
        let identity = try OpenSSLIdentity.shared()
        let port = try LoopbackUDPSocket().port  // probe a free port, then release it
        let materialLength = 2 * profile.keyAndSaltLength
        let server = try OpenSSLTool([
            "s_server", "-dtls1_2", "-accept", "127.0.0.1:\(port)",
            "-cert", identity.certificatePath, "-key", identity.keyPath,
            "-Verify", "1",  // ask for (and print) our certificate
            "-use_srtp", profile.openSSLName,
            "-keymatexport", "EXTRACTOR-dtls_srtp", "-keymatexportlen", "\(materialLength)",
        ])
        defer { server.stop() }
        #expect(server.waitFor("ACCEPT"), "\(server.output.text)")

        let socket = try LoopbackUDPSocket()
        let session = try DtlsSession(
            context: DtlsFixtures.clientContext,
            role: .client,
            remoteFingerprint: identity.fingerprint,
            initialRetransmitTimeout: 0.2
        )
        var peer: sockaddr_in? = LoopbackUDPSocket.address(port: port)
        session.start(now: DtlsFixtures.now())
        Self.drive(session, socket: socket, peer: &peer) {
            session.state != .connecting && server.output.text.contains(OpenSSLTool.keyingMaterialMarker)
        }

        #expect(session.state == .connected, "\(session.failureReason ?? "-")\n\(server.output.text)")
        let keys = try #require(session.srtpKeys)
        #expect(keys.profile == profile)
        #expect(session.remoteCertificateFingerprint == identity.fingerprint)
        #expect(server.output.text.contains("SRTP Extension negotiated, profile=\(profile.openSSLName)"))
        let printed = try #require(server.keyingMaterial(), "\(server.output.text)")
        #expect(printed == Self.hex(keys.exportedKeyingMaterial(role: .client)))
        #expect(printed.count == 2 * materialLength)

        // Application data from the server is read and dropped.
        server.send("hello from openssl\n")
        Self.drive(session, socket: socket, peer: &peer, limit: 0.3) { false }
        #expect(session.state == .connected)
        #expect(session.malformedRecords == 0)

        // Our close_notify reaches it.
        session.close()
        Self.drive(session, socket: socket, peer: &peer, limit: 2) { server.output.text.contains("DONE") }
        #expect(server.output.text.contains("DONE"))
        #expect(session.drainEvents() == [.connected(keys), .closed])
    }

    @Test func clientRejectsOpenSSLServerWithUnexpectedFingerprint() throws {
        let identity = try OpenSSLIdentity.shared()
        let port = try LoopbackUDPSocket().port
        let server = try OpenSSLTool([
            "s_server", "-dtls1_2", "-accept", "127.0.0.1:\(port)",
            "-cert", identity.certificatePath, "-key", identity.keyPath,
            "-use_srtp", "SRTP_AES128_CM_SHA1_80",
        ])
        defer { server.stop() }
        #expect(server.waitFor("ACCEPT"))

        let socket = try LoopbackUDPSocket()
        let session = try DtlsSession(
            context: DtlsFixtures.clientContext,
            role: .client,
            remoteFingerprint: DtlsFixtures.strangerCertificate.fingerprint(.sha256),
            initialRetransmitTimeout: 0.2
        )
        var peer: sockaddr_in? = LoopbackUDPSocket.address(port: port)
        session.start(now: DtlsFixtures.now())
        Self.drive(session, socket: socket, peer: &peer) { session.state != .connecting }
        #expect(session.state == .failed)
        #expect(session.srtpKeys == nil)
        #expect(session.failureReason?.contains("fingerprint mismatch") == true)
        #expect(session.remoteCertificateFingerprint == identity.fingerprint)
    }

    // MARK: We are the server

    @Test(arguments: SrtpProfile.allCases)
    func serverForOpenSSLClient(_ profile: SrtpProfile) throws {
        let identity = try OpenSSLIdentity.shared()
        let socket = try LoopbackUDPSocket()
        let materialLength = 2 * profile.keyAndSaltLength
        let session = try DtlsSession(
            context: DtlsFixtures.serverContext,
            role: .server,
            remoteFingerprint: identity.fingerprint,
            initialRetransmitTimeout: 0.2
        )
        session.start(now: DtlsFixtures.now())
        // The client offers everything; our (mediasoup) order would pick
        // AEAD_AES_256_GCM, so restrict the client to the profile under test.
        let client = try OpenSSLTool([
            "s_client", "-dtls1_2", "-connect", "127.0.0.1:\(socket.port)",
            "-cert", identity.certificatePath, "-key", identity.keyPath,
            "-use_srtp", profile.openSSLName,
            "-keymatexport", "EXTRACTOR-dtls_srtp", "-keymatexportlen", "\(materialLength)",
        ])
        defer { client.stop() }

        var peer: sockaddr_in?
        Self.drive(session, socket: socket, peer: &peer) {
            session.state != .connecting && client.output.text.contains(OpenSSLTool.keyingMaterialMarker)
        }
        #expect(session.state == .connected, "\(session.failureReason ?? "-")\n\(client.output.text)")
        let keys = try #require(session.srtpKeys)
        #expect(keys.profile == profile)
        #expect(session.remoteCertificateFingerprint == identity.fingerprint)
        #expect(client.output.text.contains("SRTP Extension negotiated, profile=\(profile.openSSLName)"))
        let printed = try #require(client.keyingMaterial(), "\(client.output.text)")
        #expect(printed == Self.hex(keys.exportedKeyingMaterial(role: .server)))

        // Application data is discarded; "Q" makes s_client send close_notify.
        client.send("some application data\n")
        Self.drive(session, socket: socket, peer: &peer, limit: 0.3) { false }
        #expect(session.state == .connected)
        client.send("Q\n")
        Self.drive(session, socket: socket, peer: &peer, limit: 3) { session.state != .connected }
        #expect(session.state == .closed)
        #expect(session.drainEvents() == [.connected(keys), .closed])
        #expect(session.malformedRecords == 0)
    }

    @Test func serverRefusesOpenSSLClientWithoutCertificate() throws {
        let socket = try LoopbackUDPSocket()
        let session = try DtlsSession(
            context: DtlsFixtures.serverContext,
            role: .server,
            remoteFingerprint: DtlsFixtures.clientCertificate.fingerprint(.sha256),
            initialRetransmitTimeout: 0.2
        )
        let client = try OpenSSLTool([
            "s_client", "-dtls1_2", "-connect", "127.0.0.1:\(socket.port)", "-use_srtp", "SRTP_AES128_CM_SHA1_80",
        ])
        defer { client.stop() }
        var peer: sockaddr_in?
        Self.drive(session, socket: socket, peer: &peer) { session.state != .connecting && session.state != .new }
        #expect(session.state == .failed)
        #expect(session.srtpKeys == nil)
        #expect(session.failureReason?.contains("certificate") == true, "\(session.failureReason ?? "-")")
    }

    // MARK: Helpers

    /// Pumps datagrams between `session` and the UDP socket on the real clock
    /// until `done()` or `limit` seconds. `peer` is learnt from the first
    /// datagram if unknown.
    static func drive(
        _ session: DtlsSession,
        socket: LoopbackUDPSocket,
        peer: inout sockaddr_in?,
        limit: Double = 10,
        until done: () -> Bool
    ) {
        let start = DtlsFixtures.now()
        while true {
            if let peer {
                for datagram in session.drainOutgoing() { socket.send(datagram, to: peer) }
            }
            if done() || DtlsFixtures.now() - start >= limit { break }
            var wait = 0.02
            if let next = session.nextTimeout {
                wait = max(0, min(wait, next - DtlsFixtures.now()))
            }
            if let (datagram, sender) = socket.receive(timeout: wait) {
                if peer == nil { peer = sender }
                session.receive(datagram, now: DtlsFixtures.now())
            }
            if let next = session.nextTimeout, next <= DtlsFixtures.now() {
                session.handleTimeout(now: DtlsFixtures.now())
            }
        }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02X", $0) }.joined()
    }
}

// MARK: - openssl processes

/// A certificate and key made by `openssl req`, with the sha-256 fingerprint
/// `openssl x509` reports for it.
struct OpenSSLIdentity: Sendable {
    let directory: URL
    let certificatePath: String
    let keyPath: String
    let fingerprint: DtlsFingerprint

    private static let cached: Result<OpenSSLIdentity, any Error> = Result { try make() }

    static func shared() throws -> OpenSSLIdentity {
        try cached.get()
    }

    private static func make() throws -> OpenSSLIdentity {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-dtls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificate = directory.appendingPathComponent("c.pem").path
        let key = directory.appendingPathComponent("k.pem").path
        let generated = try OpenSSLCLI.run([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-subj", "/CN=t", "-days", "1", "-keyout", key, "-out", certificate,
        ])
        guard generated.status == 0 else { throw InteropError("openssl req failed: \(generated.stderr)") }
        let printed = try OpenSSLCLI.run(["x509", "-noout", "-fingerprint", "-sha256", "-in", certificate])
        guard printed.status == 0, let value = printed.stdout.split(separator: "=").last else {
            throw InteropError("openssl x509 failed: \(printed.stderr)")
        }
        let fingerprint = try DtlsFingerprint(
            algorithm: .sha256,
            value: value.trimmingCharacters(in: .whitespacesAndNewlines)
        )
        return OpenSSLIdentity(directory: directory, certificatePath: certificate, keyPath: key, fingerprint: fingerprint)
    }
}

struct InteropError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Text appended from another thread.
final class LockedText: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()

    func append(_ more: Data) {
        lock.lock()
        data.append(more)
        lock.unlock()
    }

    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self)
    }
}

/// A running `openssl` (line-buffered through stdbuf so that its output can be
/// watched while it runs) with stdin kept open.
final class OpenSSLTool {
    static let keyingMaterialMarker = "Keying material: "

    /// `openssl` on the PATH and `stdbuf` (coreutils) present.
    static let available = FileManager.default.isExecutableFile(atPath: "/usr/bin/stdbuf")
        && ((try? OpenSSLCLI.run(["version"]).status) == 0)

    let process = Process()
    let input = Pipe()
    let output = LockedText()

    init(_ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["stdbuf", "-oL", "-eL", "openssl"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = input
        let collector = output
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
            } else {
                collector.append(data)
            }
        }
        try process.run()
    }

    func send(_ text: String) {
        input.fileHandleForWriting.write(Data(text.utf8))
    }

    /// Waits until the output contains `needle` (or the process exits).
    func waitFor(_ needle: String, timeout: Double = 5) -> Bool {
        let deadline = DtlsFixtures.now() + timeout
        while DtlsFixtures.now() < deadline {
            if output.text.contains(needle) { return true }
            if !process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return output.text.contains(needle)
    }

    /// The complete hex line after "Keying material: ", once printed.
    func keyingMaterial() -> String? {
        let text = output.text
        guard let start = text.range(of: Self.keyingMaterialMarker) else { return nil }
        let rest = text[start.upperBound...]
        guard let end = rest.firstIndex(of: "\n") else { return nil }
        return String(rest[..<end]).trimmingCharacters(in: .whitespaces)
    }

    /// SIGKILL: children of test threads inherit a signal mask that blocks
    /// SIGTERM, so `terminate()` would not stop them.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        try? input.fileHandleForWriting.close()
    }
}

// MARK: - UDP on loopback

/// A non-blocking-by-poll UDP socket bound to 127.0.0.1 on an ephemeral port.
final class LoopbackUDPSocket {
    let descriptor: Int32
    let port: UInt16

    init() throws {
        #if canImport(Glibc)
        let descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        #else
        let descriptor = socket(AF_INET, SOCK_DGRAM, 0)
        #endif
        guard descriptor >= 0 else { throw InteropError("socket() failed: \(errno)") }
        var address = Self.address(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else {
            close(descriptor)
            throw InteropError("bind() failed: \(errno)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else {
            close(descriptor)
            throw InteropError("getsockname() failed: \(errno)")
        }
        self.descriptor = descriptor
        self.port = UInt16(bigEndian: address.sin_port)
    }

    deinit {
        close(descriptor)
    }

    static func address(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    func send(_ datagram: [UInt8], to destination: sockaddr_in) {
        var destination = destination
        _ = datagram.withUnsafeBytes { bytes in
            withUnsafePointer(to: &destination) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(descriptor, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
    }

    /// One datagram, waiting at most `timeout` seconds.
    func receive(timeout: Double) -> ([UInt8], sockaddr_in)? {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let ready = poll(&poller, 1, Int32((timeout * 1000).rounded(.up)))
        guard ready > 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var sender = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let count = buffer.withUnsafeMutableBytes { bytes in
            withUnsafeMutablePointer(to: &sender) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    recvfrom(descriptor, bytes.baseAddress, bytes.count, 0, $0, &length)
                }
            }
        }
        guard count > 0 else { return nil }
        return (Array(buffer.prefix(count)), sender)
    }
}
