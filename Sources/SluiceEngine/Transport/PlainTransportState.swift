public import SluiceRTP

/// Sockets the network layer bound for a transport before the engine creates it.
public struct TransportBinding: Sendable, Hashable {
    /// Address the sockets are bound to.
    public var listenIp: String
    /// Address clients are told to send to (never 0.0.0.0).
    public var announcedIp: String
    public var port: Int
    /// Separate RTCP port of a plain transport without rtcp-mux.
    public var rtcpPort: Int?

    public init(listenIp: String, announcedIp: String, port: Int, rtcpPort: Int? = nil) {
        self.listenIp = listenIp
        self.announcedIp = announcedIp
        self.port = port
        self.rtcpPort = rtcpPort
    }
}

/// Options of `POST …/transports` with `type: plain`.
public struct PlainTransportOptions: Sendable, Hashable {
    public var comedia: Bool
    public var rtcpMux: Bool
    public var enableSrtp: Bool
    public var srtpCryptoSuite: SrtpCryptoSuite

    public init(
        comedia: Bool = true, rtcpMux: Bool = false, enableSrtp: Bool = false,
        srtpCryptoSuite: SrtpCryptoSuite = .aesCm128HmacSha1_80
    ) {
        self.comedia = comedia
        self.rtcpMux = rtcpMux
        self.enableSrtp = enableSrtp
        self.srtpCryptoSuite = srtpCryptoSuite
    }
}

/// Body of `connect` on a plain transport.
public struct PlainTransportConnectOptions: Sendable, Hashable, Codable {
    public var ip: String?
    public var port: Int?
    public var rtcpPort: Int?
    public var srtpParameters: SrtpParameters?

    public init(ip: String? = nil, port: Int? = nil, rtcpPort: Int? = nil, srtpParameters: SrtpParameters? = nil) {
        self.ip = ip
        self.port = port
        self.rtcpPort = rtcpPort
        self.srtpParameters = srtpParameters
    }
}

public struct PlainTransportState: Sendable, Hashable {
    public var binding: TransportBinding
    public var comedia: Bool
    public var rtcpMux: Bool
    /// Our SRTP key when SRTP is enabled.
    public var localSrtpParameters: SrtpParameters?
    public var remoteSrtpParameters: SrtpParameters?
    public var remoteIp: String?
    public var remotePort: Int?
    public var remoteRtcpPort: Int?
    /// Set by `connect`, which may be called once.
    public var connectCalled = false

    public var isConnected: Bool { remoteIp != nil && remotePort != nil }
}
