internal import SluiceEngine
internal import SluiceRTP

/// Request bodies as clients send them; turned into engine options after validation.

struct BroadcasterBody: Decodable {
    struct Device: Decodable {
        var name: String
        var version: String?
    }

    var id: String
    var displayName: String
    var device: Device
    var rtpCapabilities: RtpCapabilities?

    func options() throws -> BroadcasterOptions {
        try Identifier.validate(id, field: "id")
        guard !displayName.isEmpty else { throw Problem.invalid("displayName: must not be empty") }
        guard !device.name.isEmpty else { throw Problem.invalid("device.name: must not be empty") }
        return BroadcasterOptions(
            id: id, displayName: displayName, device: BroadcasterDevice(name: device.name, version: device.version),
            rtpCapabilities: rtpCapabilities)
    }
}

struct TransportBody: Decodable {
    struct SctpCapabilities: Decodable {
        var numStreams: NumSctpStreams?
    }

    var type: String
    var comedia: Bool?
    var rtcpMux: Bool?
    var sctpCapabilities: SctpCapabilities?
    var enableSrtp: Bool?
    var srtpCryptoSuite: SrtpCryptoSuite?
    /// webrtc: use the worker's shared WebRTC port (default); false binds a UDP port of its own.
    var sharedPort: Bool?

    enum Kind {
        case plain(PlainTransportOptions)
        case webRtc(WebRtcTransportOptions)
    }

    func kind() throws -> Kind {
        switch type {
        case "plain":
            // sctpCapabilities mean nothing on plain transports; ignored as the reference server does
            // (so is sharedPort: plain transports always have ports of their own).
            // srtpCryptoSuite only matters with enableSrtp: true (as in the reference engine).
            return .plain(
                PlainTransportOptions(
                    comedia: comedia ?? true, rtcpMux: rtcpMux ?? false, enableSrtp: enableSrtp ?? false,
                    srtpCryptoSuite: srtpCryptoSuite ?? .aesCm128HmacSha1_80))
        case "webrtc":
            // Plain-only options (comedia, rtcpMux, SRTP) are ignored, as the reference server does.
            var streams: NumSctpStreams?
            if let capabilities = sctpCapabilities {
                let requested = capabilities.numStreams ?? NumSctpStreams()
                guard (1...65535).contains(requested.OS), (1...65535).contains(requested.MIS) else {
                    throw Problem.invalid("sctpCapabilities.numStreams: OS and MIS must be within 1-65535")
                }
                streams = requested
            }
            return .webRtc(WebRtcTransportOptions(numSctpStreams: streams, sharedPort: sharedPort ?? true))
        default:
            throw Problem.invalid("type: '\(type)' must be 'plain' or 'webrtc'")
        }
    }
}

struct ConnectBody: Decodable {
    var dtlsParameters: DtlsParameters?
    var ip: String?
    var port: Int?
    var rtcpPort: Int?
    var srtpParameters: SrtpParameters?

    var plainOptions: PlainTransportConnectOptions {
        PlainTransportConnectOptions(ip: ip, port: port, rtcpPort: rtcpPort, srtpParameters: srtpParameters)
    }
}

struct ProduceBody: Decodable {
    var kind: MediaKind
    var rtpParameters: RtpParameters
    var paused: Bool?

    var options: ProduceOptions { ProduceOptions(kind: kind, rtpParameters: rtpParameters, paused: paused ?? false) }
}

struct ConsumeBody: Decodable {
    var producerId: String?
    var paused: Bool?
    var rtpCapabilities: RtpCapabilities?
    var enableRtx: Bool?
}

/// Client-chosen and path identifiers: 1-64 letters, digits, `_` or `-`.
enum Identifier {
    static func isValid(_ value: String) -> Bool {
        (1...64).contains(value.utf8.count)
            && value.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == 0x5F || byte == 0x2D
            }
    }

    static func validate(_ value: String, field: String) throws {
        guard isValid(value) else {
            throw Problem.invalid("\(field): '\(value.prefix(80))' must be 1-64 letters, digits, '_' or '-'")
        }
    }
}
