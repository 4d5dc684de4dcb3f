import Foundation
import SluiceRTP
import SluiceEngine

/// Every setting of the server, resolved from flags, then environment, then a config file,
/// then defaults.
struct ServerConfiguration: Sendable {
    var host = "127.0.0.1"
    var port = 4443
    var announcedAddress: String?
    var rtcListenIp: String?
    var rtcMinPort = 40000
    var rtcMaxPort = 49999
    /// WebRTC transports share one UDP + TCP port per worker (mediasoup's WebRtcServer).
    var webRtcSharedPort = true
    /// Worker i's shared port is base + i; nil takes free ports of the RTC range at start.
    var webRtcPortBase: Int?
    var workers = ProcessInfo.processInfo.activeProcessorCount
    var maxBodySize = 1 << 20
    var logLevel = "info"
    var mediaCodecs: [RtpCodecCapability] = SupportedRtpCapabilities.defaultMediaCodecs
    var recordingsDir = "recordings"
    var hlsSegmentDuration = 2.0

    /// The shape of `--config FILE`: the same options in camelCase, all optional.
    struct File: Decodable {
        var host: String?
        var port: Int?
        var announcedAddress: String?
        var rtcListenIp: String?
        var rtcMinPort: Int?
        var rtcMaxPort: Int?
        var webRtcSharedPort: Bool?
        var webRtcPortBase: Int?
        var workers: Int?
        var maxBodySize: Int?
        var logLevel: String?
        var mediaCodecs: [RtpCodecCapability]?
        var recordingsDir: String?
        var hlsSegmentDuration: Double?
    }

    struct Invalid: Error, CustomStringConvertible {
        let description: String
    }

    /// The recordings directory as an absolute path.
    var resolvedRecordingsDir: String {
        let url = URL(fileURLWithPath: recordingsDir, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        return url.standardizedFileURL.path
    }

    /// The address sockets bind to for RTP.
    var resolvedRtcListenIp: String { rtcListenIp ?? host }

    /// The address clients are told to send RTP to: never 0.0.0.0.
    var resolvedAnnouncedAddress: String {
        if let announcedAddress { return announcedAddress }
        let listen = resolvedRtcListenIp
        if !IPAddressText.isUnspecified(listen) { return listen }
        return LocalAddresses.firstNonLoopbackIPv4() ?? "127.0.0.1"
    }

    func validate() throws {
        guard (1...65535).contains(port) else { throw Invalid(description: "port \(port) is outside 1-65535") }
        guard (1...65535).contains(rtcMinPort), (1...65535).contains(rtcMaxPort), rtcMinPort <= rtcMaxPort else {
            throw Invalid(description: "RTC port range \(rtcMinPort)-\(rtcMaxPort) is not a valid range within 1-65535")
        }
        guard workers >= 1 && workers <= 256 else { throw Invalid(description: "workers must be within 1-256") }
        if let base = webRtcPortBase {
            guard base >= 1, base + workers - 1 <= 65535 else {
                throw Invalid(
                    description: "WebRTC port base \(base) with \(workers) workers needs ports \(base)-\(base + workers - 1) within 1-65535")
            }
        }
        guard !recordingsDir.isEmpty else { throw Invalid(description: "recordings directory must not be empty") }
        guard hlsSegmentDuration >= 0.5 && hlsSegmentDuration <= 60 else {
            throw Invalid(description: "HLS segment duration must be within 0.5-60 seconds")
        }
        guard maxBodySize >= 1024 else { throw Invalid(description: "max body size must be at least 1024 bytes") }
        guard IPAddressText.isValid(resolvedRtcListenIp) else {
            throw Invalid(description: "RTC listen address '\(resolvedRtcListenIp)' is not an IP address")
        }
        if let announcedAddress {
            guard !IPAddressText.isUnspecified(announcedAddress), !announcedAddress.isEmpty else {
                throw Invalid(description: "announced address must be an address clients can reach, not \(announcedAddress)")
            }
        }
    }

    static func loadMediaCodecs(path: String) throws -> [RtpCodecCapability] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try JSONDecoder().decode([RtpCodecCapability].self, from: data)
    }

    mutating func apply(file: File) {
        if let value = file.host { host = value }
        if let value = file.port { port = value }
        if let value = file.announcedAddress { announcedAddress = value }
        if let value = file.rtcListenIp { rtcListenIp = value }
        if let value = file.rtcMinPort { rtcMinPort = value }
        if let value = file.rtcMaxPort { rtcMaxPort = value }
        if let value = file.webRtcSharedPort { webRtcSharedPort = value }
        if let value = file.webRtcPortBase { webRtcPortBase = value }
        if let value = file.workers { workers = value }
        if let value = file.maxBodySize { maxBodySize = value }
        if let value = file.logLevel { logLevel = value }
        if let value = file.mediaCodecs { mediaCodecs = value }
        if let value = file.recordingsDir { recordingsDir = value }
        if let value = file.hlsSegmentDuration { hlsSegmentDuration = value }
    }
}

enum LocalAddresses {
    /// The first IPv4 address of an interface that is up and not loopback.
    static func firstNonLoopbackIPv4() -> String? {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return nil }
        defer { freeifaddrs(list) }
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            let flags = Int32(entry.pointee.ifa_flags)
            guard flags & Int32(IFF_UP) != 0, flags & Int32(IFF_LOOPBACK) == 0,
                let address = entry.pointee.ifa_addr, address.pointee.sa_family == sa_family_t(AF_INET)
            else { continue }
            var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            let length = socklen_t(MemoryLayout<sockaddr_in>.size)
            if getnameinfo(address, length, &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0 {
                return String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
        }
        return nil
    }
}
