public import SluiceRTP

/// Options of `POST …/transports` with `type: webrtc`.
public struct WebRtcTransportOptions: Sendable, Hashable {
    /// Present when the client sent `sctpCapabilities`.
    public var numSctpStreams: NumSctpStreams?
    /// Use the worker's shared WebRTC port (``WebRtcServer``) instead of a socket of its own.
    /// Without a server on the router the transport falls back to its own binding.
    public var sharedPort: Bool

    public init(numSctpStreams: NumSctpStreams? = nil, sharedPort: Bool = false) {
        self.numSctpStreams = numSctpStreams
        self.sharedPort = sharedPort
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
