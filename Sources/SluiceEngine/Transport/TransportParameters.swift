/// ICE credentials of a WebRTC transport (we are always ICE-lite).
public struct IceParameters: Sendable, Hashable, Codable {
    public var usernameFragment: String
    public var password: String
    public var iceLite: Bool
}

/// A host candidate of a WebRTC transport.
public struct IceCandidate: Sendable, Hashable, Codable {
    public var foundation: String
    public var priority: UInt32
    /// Same as `address`; both are sent because clients read one or the other.
    public var ip: String
    public var address: String
    public var `protocol`: TransportProtocol
    public var port: Int
    public var type: String
    public var tcpType: String?

    /// Host candidate priority: type preference 64, then local preference, component 1.
    public static func priority(localPreference: UInt32) -> UInt32 {
        (1 << 24) * 64 + (1 << 8) * localPreference + 255
    }
}

public enum TransportProtocol: String, Sendable, Hashable, Codable {
    case udp, tcp
}

public enum DtlsRole: String, Sendable, Hashable, Codable {
    case auto, client, server
}

public struct DtlsFingerprintParameters: Sendable, Hashable, Codable {
    public var algorithm: String
    public var value: String

    public init(algorithm: String, value: String) {
        self.algorithm = algorithm
        self.value = value
    }
}

public struct DtlsParameters: Sendable, Hashable, Codable {
    public var role: DtlsRole?
    public var fingerprints: [DtlsFingerprintParameters]

    public init(role: DtlsRole?, fingerprints: [DtlsFingerprintParameters]) {
        self.role = role
        self.fingerprints = fingerprints
    }
}

public struct SctpParameters: Sendable, Hashable, Codable {
    public var port: Int
    public var OS: Int
    public var MIS: Int
    public var maxMessageSize: Int
}

/// SCTP stream counts a client asks for (`sctpCapabilities.numStreams`).
public struct NumSctpStreams: Sendable, Hashable, Codable {
    public var OS: Int
    public var MIS: Int

    public init(OS: Int = 1024, MIS: Int = 1024) {
        self.OS = OS
        self.MIS = MIS
    }
}

/// SRTP crypto suites of plain transports, with the master key+salt length each needs.
public enum SrtpCryptoSuite: String, Sendable, Hashable, Codable, CaseIterable {
    case aesCm128HmacSha1_80 = "AES_CM_128_HMAC_SHA1_80"
    case aesCm128HmacSha1_32 = "AES_CM_128_HMAC_SHA1_32"
    case aeadAes128Gcm = "AEAD_AES_128_GCM"
    case aeadAes256Gcm = "AEAD_AES_256_GCM"

    public var keyLength: Int {
        switch self {
        case .aesCm128HmacSha1_80, .aesCm128HmacSha1_32: return 30
        case .aeadAes128Gcm: return 28
        case .aeadAes256Gcm: return 44
        }
    }
}

public struct SrtpParameters: Sendable, Hashable, Codable {
    public var cryptoSuite: SrtpCryptoSuite
    public var keyBase64: String

    public init(cryptoSuite: SrtpCryptoSuite, keyBase64: String) {
        self.cryptoSuite = cryptoSuite
        self.keyBase64 = keyBase64
    }
}

/// A local/remote address pair of a transport.
public struct TransportTuple: Sendable, Hashable, Codable {
    public var localIp: String
    public var localPort: Int
    public var remoteIp: String?
    public var remotePort: Int?
    public var `protocol`: TransportProtocol
}
