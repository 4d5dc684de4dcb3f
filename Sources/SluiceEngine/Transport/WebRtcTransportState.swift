public import SluiceRTP

/// Options of `POST …/transports` with `type: webrtc`.
public struct WebRtcTransportOptions: Sendable, Hashable {
    /// Present when the client sent `sctpCapabilities`.
    public var numSctpStreams: NumSctpStreams?

    public init(numSctpStreams: NumSctpStreams? = nil) {
        self.numSctpStreams = numSctpStreams
    }
}

public enum IceState: String, Sendable, Hashable, Codable {
    case new, connected, completed, disconnected, closed
}

public enum DtlsState: String, Sendable, Hashable, Codable {
    case new, connecting, connected, failed, closed
}

public struct WebRtcTransportState: Sendable, Hashable {
    public var binding: TransportBinding
    public var iceParameters: IceParameters
    public var iceCandidates: [IceCandidate]
    public var dtlsParameters: DtlsParameters
    public var remoteDtlsParameters: DtlsParameters?
    public var sctpParameters: SctpParameters?
    public var iceState: IceState = .new
    public var dtlsState: DtlsState = .new
}
