import Foundation

/// Runs the `openssl` command-line tool on a DER certificate, as an
/// independent oracle for what SluiceCrypto produced.
enum OpenSSLCLI {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func x509(der: [UInt8], arguments: [String]) throws -> Output {
        let file = FileManager.default.temporaryDirectory
            .appendingPathComponent("sluice-crypto-test-\(UUID().uuidString).der")
        try Data(der).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        return try run(["x509", "-inform", "DER", "-noout", "-in", file.path] + arguments)
    }

    static func run(_ arguments: [String]) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        let stdoutPipe = Pipe()
        let stderrPipe = Pipe()
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        try process.run()
        // Outputs here are small, so reading after exit cannot dead-lock on a full pipe
        // in practice; read first anyway to be safe.
        let out = stdoutPipe.fileHandleForReading.readDataToEndOfFile()
        let err = stderrPipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(
            status: process.terminationStatus,
            stdout: String(decoding: out, as: UTF8.self),
            stderr: String(decoding: err, as: UTF8.self)
        )
    }
}
