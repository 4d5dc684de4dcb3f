public import SluiceRTP

/// JSON views of engine objects, as the API answers them (absent keys are omitted).

/// Answer to transport creation, shaped as the v3 broadcaster API answers it.
public enum TransportCreated: Sendable, Hashable, Encodable {
    case plain(PlainTransportCreated)
    case webRtc(WebRtcTransportCreated)

    public var id: String {
        switch self {
        case .plain(let plain): return plain.id
        case .webRtc(let webRtc): return webRtc.id
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .plain(let plain): try plain.encode(to: encoder)
        case .webRtc(let webRtc): try webRtc.encode(to: encoder)
        }
    }
}

public struct PlainTransportCreated: Sendable, Hashable, Codable {
    public var id: String
    public var ip: String
    public var port: Int
    public var rtcpPort: Int?
    public var srtpParameters: SrtpParameters?
}

public struct WebRtcTransportCreated: Sendable, Hashable, Codable {
    public var id: String
    public var iceParameters: IceParameters
    public var iceCandidates: [IceCandidate]
    public var dtlsParameters: DtlsParameters
    public var sctpParameters: SctpParameters?
}

/// Full state of a transport (`GET …/transports/:id`).
public struct TransportState: Sendable, Hashable, Codable {
    public var id: String
    public var type: String
    public var connected: Bool
    public var producerIds: [String]
    public var consumerIds: [String]
    // plain
    public var ip: String?
    public var port: Int?
    public var rtcpPort: Int?
    public var comedia: Bool?
    public var rtcpMux: Bool?
    public var tuple: TransportTuple?
    public var rtcpTuple: TransportTuple?
    public var srtpParameters: SrtpParameters?
    // webrtc
    public var iceParameters: IceParameters?
    public var iceCandidates: [IceCandidate]?
    public var dtlsParameters: DtlsParameters?
    public var remoteDtlsParameters: DtlsParameters?
    public var iceRole: String?
    public var iceState: IceState?
    public var dtlsState: DtlsState?
    public var sctpParameters: SctpParameters?
}

public struct ProducerState: Sendable, Hashable, Codable {
    public var id: String
    public var kind: MediaKind
    public var type: RtpStreamType
    public var paused: Bool
    public var transportId: String
    public var rtpParameters: RtpParameters
}

public struct ConsumerState: Sendable, Hashable, Codable {
    public var id: String
    public var producerId: String
    public var kind: MediaKind
    public var type: RtpStreamType
    public var paused: Bool
    public var producerPaused: Bool
    public var transportId: String
    public var rtpParameters: RtpParameters
    /// Simulcast and SVC consumers only (absent for simple ones).
    public var preferredLayers: ConsumerLayers?
    /// Simulcast and SVC consumers only: `null` while nothing is being sent.
    public var currentLayers: ConsumerLayers?

    enum CodingKeys: String, CodingKey {
        case id, producerId, kind, type, paused, producerPaused, transportId, rtpParameters, preferredLayers, currentLayers
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(producerId, forKey: .producerId)
        try container.encode(kind, forKey: .kind)
        try container.encode(type, forKey: .type)
        try container.encode(paused, forKey: .paused)
        try container.encode(producerPaused, forKey: .producerPaused)
        try container.encode(transportId, forKey: .transportId)
        try container.encode(rtpParameters, forKey: .rtpParameters)
        if let preferredLayers {
            try container.encode(preferredLayers, forKey: .preferredLayers)
            // An explicit null: the consumer has layers but sends none now.
            if let currentLayers {
                try container.encode(currentLayers, forKey: .currentLayers)
            } else {
                try container.encodeNil(forKey: .currentLayers)
            }
        }
    }
}

public struct BroadcasterState: Sendable, Hashable, Codable {
    public var id: String
    public var displayName: String
    public var device: BroadcasterDevice
    public var rtpCapabilities: RtpCapabilities?
    public var transports: [TransportState]
    public var producers: [ProducerState]
    public var consumers: [ConsumerState]
}

public struct RoomSummary: Sendable, Hashable, Codable {
    public var id: String
    public var worker: Int
    public var broadcasters: Int
    public var transports: Int
    public var producers: Int
    public var consumers: Int

    public init(id: String, worker: Int, broadcasters: Int, transports: Int, producers: Int, consumers: Int) {
        self.id = id
        self.worker = worker
        self.broadcasters = broadcasters
        self.transports = transports
        self.producers = producers
        self.consumers = consumers
    }
}

extension Transport {
    var created: TransportCreated {
        switch variant {
        case .plain(let plain):
            return .plain(
                PlainTransportCreated(
                    id: id, ip: plain.binding.announcedIp, port: plain.binding.port, rtcpPort: plain.binding.rtcpPort,
                    srtpParameters: plain.localSrtpParameters))
        case .webRtc(let webRtc):
            return .webRtc(
                WebRtcTransportCreated(
                    id: id, iceParameters: webRtc.iceParameters, iceCandidates: webRtc.iceCandidates,
                    dtlsParameters: webRtc.dtlsParameters, sctpParameters: webRtc.sctpParameters))
        }
    }

    var state: TransportState {
        var state = TransportState(
            id: id, type: "plain", connected: isConnected, producerIds: producerIds, consumerIds: consumerIds)
        switch variant {
        case .plain(let plain):
            state.ip = plain.binding.announcedIp
            state.port = plain.binding.port
            state.rtcpPort = plain.binding.rtcpPort
            state.comedia = plain.comedia
            state.rtcpMux = plain.rtcpMux
            state.srtpParameters = plain.localSrtpParameters
            // Remote ends come from connect or, with comedia, from the first valid packets.
            state.tuple = TransportTuple(
                localIp: plain.binding.announcedIp, localPort: plain.binding.port, remoteIp: media.rtpRemote?.ipAddress,
                remotePort: media.rtpRemote?.port, protocol: .udp)
            if let rtcpPort = plain.binding.rtcpPort {
                state.rtcpTuple = TransportTuple(
                    localIp: plain.binding.announcedIp, localPort: rtcpPort, remoteIp: media.rtcpRemote?.ipAddress,
                    remotePort: media.rtcpRemote?.port, protocol: .udp)
            }
        case .webRtc(let webRtc):
            state.type = "webrtc"
            state.iceParameters = webRtc.iceParameters
            state.iceCandidates = webRtc.iceCandidates
            state.dtlsParameters = webRtc.dtlsParameters
            state.remoteDtlsParameters = webRtc.remoteDtlsParameters
            state.iceRole = "controlled"
            state.iceState = webRtc.iceState
            state.dtlsState = webRtc.dtlsState
            state.sctpParameters = webRtc.sctpParameters
        }
        return state
    }
}

extension Producer {
    public var state: ProducerState {
        ProducerState(id: id, kind: kind, type: type, paused: paused, transportId: transportId, rtpParameters: rtpParameters)
    }
}

extension Consumer {
    public var state: ConsumerState {
        ConsumerState(
            id: id, producerId: producerId, kind: kind, type: type, paused: paused, producerPaused: producerPaused,
            transportId: transportId, rtpParameters: rtpParameters, preferredLayers: preferredLayers,
            currentLayers: currentLayers)
    }
}
