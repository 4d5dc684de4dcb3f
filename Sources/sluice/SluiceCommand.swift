import ArgumentParser
import Foundation
import Hummingbird
import Logging
import SluiceAPI
import SluiceCrypto
import SluiceEngine
import SluiceNet
import SluiceRTP
import ServiceLifecycle

@main
struct SluiceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluice",
        abstract: "Sluice: an SFU media gateway driven over an HTTP/1.1 JSON REST API.",
        discussion: """
            Each option can also come from an environment variable (shown in brackets) or from \
            the JSON file given with --config (same names in camelCase). Flags win over the \
            environment, the environment over the file.
            """
    )

    @Option(help: "Address the HTTP API listens on [SLUICE_HOST] (default 127.0.0.1).")
    var host: String?

    @Option(help: "Port of the HTTP API [SLUICE_PORT] (default 4443).")
    var port: Int?

    @Option(help: "Address announced to clients in transport ip/candidates [SLUICE_ANNOUNCED_ADDRESS] (default: the RTC listen address, or the first non-loopback IPv4 when listening on 0.0.0.0).")
    var announcedAddress: String?

    @Option(help: "Address RTP/RTCP sockets bind to [SLUICE_RTC_LISTEN_IP] (default: --host).")
    var rtcListenIp: String?

    @Option(help: "Lowest UDP port for RTP/RTCP sockets [SLUICE_RTC_MIN_PORT] (default 40000).")
    var rtcMinPort: Int?

    @Option(help: "Highest UDP port for RTP/RTCP sockets [SLUICE_RTC_MAX_PORT] (default 49999).")
    var rtcMaxPort: Int?

    @Option(
        name: .customLong("webrtc-shared-port"),
        help: "WebRTC transports share one UDP and one ICE-TCP port per worker (true) or bind a UDP port each (false) [SLUICE_WEBRTC_SHARED_PORT] (default true).")
    var webRtcSharedPort: Bool?

    @Option(
        name: .customLong("webrtc-port-base"),
        help: "Shared WebRTC port of worker 0, UDP and TCP; worker i uses base+i [SLUICE_WEBRTC_PORT_BASE] (default: a free port of the RTC range per worker).")
    var webRtcPortBase: Int?

    @Option(help: "Number of workers, one event loop each [SLUICE_WORKERS] (default: number of cores).")
    var workers: Int?

    @Option(help: "Largest accepted request body in bytes; larger gets 413 [SLUICE_MAX_BODY_SIZE] (default 1048576).")
    var maxBodySize: Int?

    @Option(help: "JSON file with the router media codecs of every room [SLUICE_MEDIA_CODECS] (default: opus, VP8, VP9, H264 ×2).")
    var mediaCodecs: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical [SLUICE_LOG_LEVEL] (default info).")
    var logLevel: String?

    @Option(help: "Directory recordings are written to, one subdirectory each [SLUICE_RECORDINGS_DIR] (default ./recordings).")
    var recordingsDir: String?

    @Option(help: "Target HLS segment duration in seconds [SLUICE_HLS_SEGMENT_DURATION] (default 2).")
    var hlsSegmentDuration: Double?

    @Option(help: "JSON configuration file [SLUICE_CONFIG].")
    var config: String?

    func resolve() throws -> ServerConfiguration {
        let environment = ProcessInfo.processInfo.environment
        func env(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        func envInt(_ name: String) throws -> Int? {
            guard let text = env(name) else { return nil }
            guard let value = Int(text) else { throw ValidationError("\(name)='\(text)' is not an integer") }
            return value
        }
        var resolved = ServerConfiguration()
        if let path = config ?? env("SLUICE_CONFIG") {
            do {
                let data = try Data(contentsOf: URL(fileURLWithPath: path))
                resolved.apply(file: try JSONDecoder().decode(ServerConfiguration.File.self, from: data))
            } catch {
                throw ValidationError("cannot read config file \(path): \(error)")
            }
        }
        if let value = host ?? env("SLUICE_HOST") { resolved.host = value }
        if let value = try port ?? envInt("SLUICE_PORT") { resolved.port = value }
        if let value = announcedAddress ?? env("SLUICE_ANNOUNCED_ADDRESS") { resolved.announcedAddress = value }
        if let value = rtcListenIp ?? env("SLUICE_RTC_LISTEN_IP") { resolved.rtcListenIp = value }
        if let value = try rtcMinPort ?? envInt("SLUICE_RTC_MIN_PORT") { resolved.rtcMinPort = value }
        if let value = try rtcMaxPort ?? envInt("SLUICE_RTC_MAX_PORT") { resolved.rtcMaxPort = value }
        if let value = try workers ?? envInt("SLUICE_WORKERS") { resolved.workers = value }
        if let value = try webRtcPortBase ?? envInt("SLUICE_WEBRTC_PORT_BASE") { resolved.webRtcPortBase = value }
        if let value = webRtcSharedPort {
            resolved.webRtcSharedPort = value
        } else if let text = env("SLUICE_WEBRTC_SHARED_PORT") {
            guard let value = Bool(text.lowercased()) else {
                throw ValidationError("SLUICE_WEBRTC_SHARED_PORT='\(text)' must be true or false")
            }
            resolved.webRtcSharedPort = value
        }
        if let value = try maxBodySize ?? envInt("SLUICE_MAX_BODY_SIZE") { resolved.maxBodySize = value }
        if let value = logLevel ?? env("SLUICE_LOG_LEVEL") { resolved.logLevel = value }
        if let value = recordingsDir ?? env("SLUICE_RECORDINGS_DIR") { resolved.recordingsDir = value }
        if let value = hlsSegmentDuration {
            resolved.hlsSegmentDuration = value
        } else if let text = env("SLUICE_HLS_SEGMENT_DURATION") {
            guard let value = Double(text) else { throw ValidationError("SLUICE_HLS_SEGMENT_DURATION='\(text)' is not a number") }
            resolved.hlsSegmentDuration = value
        }
        if let path = mediaCodecs ?? env("SLUICE_MEDIA_CODECS") {
            do {
                resolved.mediaCodecs = try ServerConfiguration.loadMediaCodecs(path: path)
            } catch {
                throw ValidationError("cannot read media codecs from \(path): \(error)")
            }
        }
        do {
            try resolved.validate()
        } catch {
            throw ValidationError("\(error)")
        }
        return resolved
    }

    func run() async throws {
        let settings = try resolve()
        guard let level = Logger.Level(rawValue: settings.logLevel) else {
            throw ValidationError("unknown log level '\(settings.logLevel)'")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "sluice")
        let capabilities: RtpCapabilities
        do {
            capabilities = try Ortc.generateRouterRtpCapabilities(mediaCodecs: settings.mediaCodecs)
        } catch {
            throw ValidationError("media codecs: \(error)")
        }
        let certificate = try DtlsCertificate.generate()
        let routerConfiguration = RouterConfiguration(
            rtpCapabilities: capabilities,
            dtlsFingerprints: certificate.fingerprints.map {
                DtlsFingerprintParameters(algorithm: $0.algorithm.rawValue, value: $0.value)
            },
            dtlsContext: try DtlsContext(certificate: certificate))
        let pool = try await WorkerPool.start(
            configuration: NetConfiguration(
                workers: settings.workers, listenIp: settings.resolvedRtcListenIp,
                announcedIp: settings.resolvedAnnouncedAddress, portRange: settings.rtcMinPort...settings.rtcMaxPort,
                webRtcServer: settings.webRtcSharedPort ? WebRtcServerSettings(portBase: settings.webRtcPortBase) : nil),
            routerConfiguration: routerConfiguration)
        let sharedPorts = try await pool.webRtcServerStats().map { "\($0.udpPort)" }
        let webRtcPorts = sharedPorts.isEmpty ? "per transport" : sharedPorts.joined(separator: ",")
        let recordings = RecordingService(
            settings: RecordingSettings(directory: settings.resolvedRecordingsDir, hlsTargetDuration: settings.hlsSegmentDuration),
            pool: pool)
        let routes = SluiceRoutes(
            pool: pool, configuration: APIConfiguration(maxBodySize: settings.maxBodySize), recordings: recordings)
        let app = Application(
            router: routes.buildRouter(),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "sluice"),
            onServerRunning: { channel in
                let url = "http://\(settings.host.contains(":") ? "[\(settings.host)]" : settings.host):\(channel.localAddress?.port ?? settings.port)"
                logger.info(
                    "sluice listening",
                    metadata: [
                        "url": "\(url)", "workers": "\(settings.workers)",
                        "rtcPorts": "\(settings.rtcMinPort)-\(settings.rtcMaxPort)",
                        "webRtcPorts": "\(webRtcPorts)",
                        "announcedAddress": "\(settings.resolvedAnnouncedAddress)",
                        "openssl": "\(CryptoLibraryInfo.openSSLVersion)",
                        "recordings": "\(settings.resolvedRecordingsDir)",
                    ])
            },
            logger: logger
        )
        // Shut down in reverse order: first finalise recordings and end event streams (so open
        // SSE responses complete), then the HTTP server drains.
        let drain = ShutdownDrain {
            if recordings.activeCount > 0 {
                logger.info("shutting down: finalising \(recordings.activeCount) recording(s)")
            }
            await recordings.stopAll()
            pool.events.finishAll()
        }
        let services = ServiceGroup(
            configuration: .init(services: [app, drain], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await services.run()
        } catch {
            await recordings.stopAll()
            try? await pool.shutdown()
            throw error
        }
        logger.info("shutting down: closing rooms and sockets")
        try await pool.shutdown()
        logger.info("stopped")
    }
}

/// Runs `action` once graceful shutdown begins, before the services listed ahead of it stop.
struct ShutdownDrain: Service {
    let action: @Sendable () async -> Void

    func run() async throws {
        try? await gracefulShutdown()
        await action()
    }
}
