import SluiceEngine
import SluiceRTP

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny seeded generator for reproducible rooms.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Which `EngineError` case a call produced.
enum EngineErrorKind: String, Sendable, CustomStringConvertible {
    case notFound, invalid, conflict, unsupported, notImplemented
    /// Something other than an `EngineError` was thrown.
    case otherError
    var description: String { rawValue }

    init(_ error: EngineError) {
        switch error {
        case .notFound: self = .notFound
        case .invalid: self = .invalid
        case .conflict: self = .conflict
        case .unsupported: self = .unsupported
        case .notImplemented: self = .notImplemented
        }
    }
}

/// Runs `body` and reports the kind of `EngineError` it threw, or nil when it succeeded.
func engineErrorKind(_ body: () throws -> Void) -> EngineErrorKind? {
    do {
        try body()
        return nil
    } catch let error as EngineError {
        return EngineErrorKind(error)
    } catch {
        return .otherError
    }
}

enum EngineFixtures {
    static let routerCapabilities: RtpCapabilities = {
        do {
            return try Ortc.generateRouterRtpCapabilities(mediaCodecs: SupportedRtpCapabilities.defaultMediaCodecs)
        } catch {
            preconditionFailure("default media codecs must be accepted: \(error)")
        }
    }()

    /// Colon-separated uppercase hex of `count` bytes, as a DTLS fingerprint value.
    static func fingerprintValue(bytes count: Int, seed: Int = 0) -> String {
        let digits = Array("0123456789ABCDEF")
        return (0..<count).map { index in
            let byte = (index * 37 + seed * 11 + 0xA5) & 0xFF
            return String([digits[byte >> 4], digits[byte & 0x0F]])
        }.joined(separator: ":")
    }

    static let localFingerprints: [DtlsFingerprintParameters] = [
        DtlsFingerprintParameters(algorithm: "sha-256", value: fingerprintValue(bytes: 32))
    ]

    static let remoteDtls = DtlsParameters(
        role: .client, fingerprints: [DtlsFingerprintParameters(algorithm: "sha-256", value: fingerprintValue(bytes: 32, seed: 1))])

    static func room(seed: UInt64 = 42, id: String = "room") -> Room {
        Room(
            id: id,
            configuration: RouterConfiguration(rtpCapabilities: routerCapabilities, dtlsFingerprints: localFingerprints),
            random: EngineRandom(SplitMix64(seed: seed)))
    }

    static func plainBinding(port: Int = 40000, rtcpMux: Bool = false) -> TransportBinding {
        TransportBinding(listenIp: "127.0.0.1", announcedIp: "127.0.0.1", port: port, rtcpPort: rtcpMux ? nil : port + 1)
    }

    static let webRtcBinding = TransportBinding(listenIp: "0.0.0.0", announcedIp: "192.0.2.10", port: 44444)

    static func broadcaster(_ id: String, capabilities: RtpCapabilities? = nil) -> BroadcasterOptions {
        BroadcasterOptions(
            id: id, displayName: "Broadcaster \(id)", device: BroadcasterDevice(name: "FFmpeg"), rtpCapabilities: capabilities)
    }

    /// ffmpeg's audio producer from the reference script.
    static func audio(ssrc: UInt32 = 1111) -> ProduceOptions {
        ProduceOptions(
            kind: .audio,
            rtpParameters: RtpParameters(
                codecs: [
                    RtpCodecParameters(
                        mimeType: "audio/opus", payloadType: 100, clockRate: 48000, channels: 2,
                        parameters: ["sprop-stereo": .int(1)])
                ],
                encodings: [RtpEncodingParameters(ssrc: ssrc)]))
    }

    /// ffmpeg's video producer from the reference script.
    static func video(ssrc: UInt32 = 2222, mid: String? = nil) -> ProduceOptions {
        ProduceOptions(
            kind: .video,
            rtpParameters: RtpParameters(
                mid: mid, codecs: [RtpCodecParameters(mimeType: "video/vp8", payloadType: 101, clockRate: 90000)],
                encodings: [RtpEncodingParameters(ssrc: ssrc)]))
    }
}

/// A room with a sending broadcaster "A" (one plain transport, audio and video producers) and a
/// receiving broadcaster "B" (router capabilities, one plain transport).
struct TwoBroadcasters {
    let room: Room
    let sendTransport: String
    let recvTransport: String
    let audioProducer: String
    let videoProducer: String

    init(seed: UInt64 = 7) throws {
        room = EngineFixtures.room(seed: seed)
        _ = try room.createBroadcaster(EngineFixtures.broadcaster("A"))
        sendTransport = try room.createPlainTransport(
            broadcasterId: "A", options: PlainTransportOptions(), binding: EngineFixtures.plainBinding(port: 40000)
        ).id
        audioProducer = try room.produce(broadcasterId: "A", transportId: sendTransport, options: EngineFixtures.audio())
        videoProducer = try room.produce(broadcasterId: "A", transportId: sendTransport, options: EngineFixtures.video())
        _ = try room.createBroadcaster(EngineFixtures.broadcaster("B", capabilities: EngineFixtures.routerCapabilities))
        recvTransport = try room.createPlainTransport(
            broadcasterId: "B", options: PlainTransportOptions(comedia: false, rtcpMux: true),
            binding: EngineFixtures.plainBinding(port: 40010, rtcpMux: true)
        ).id
    }

    func consume(_ producerId: String, paused: Bool = false) throws -> ConsumerState {
        try room.consume(
            broadcasterId: "B", transportId: recvTransport, options: ConsumeOptions(producerId: producerId, paused: paused))
    }
}
