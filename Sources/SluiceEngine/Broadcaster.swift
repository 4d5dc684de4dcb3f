public import SluiceRTP

/// The device a broadcaster says it runs on.
public struct BroadcasterDevice: Sendable, Hashable, Codable {
    public var flag: String?
    public var name: String
    public var version: String?

    public init(flag: String? = nil, name: String, version: String? = nil) {
        self.flag = flag
        self.name = name
        self.version = version
    }
}

/// Body of `POST /rooms/:roomId/broadcasters`.
public struct BroadcasterOptions: Sendable, Hashable {
    public var id: String
    public var displayName: String
    public var device: BroadcasterDevice
    public var rtpCapabilities: RtpCapabilities?

    public init(id: String, displayName: String, device: BroadcasterDevice, rtpCapabilities: RtpCapabilities? = nil) {
        self.id = id
        self.displayName = displayName
        self.device = device
        self.rtpCapabilities = rtpCapabilities
    }
}

/// An HTTP-only peer of a room: it owns transports, and through them producers and consumers.
final class Broadcaster {
    let id: String
    let displayName: String
    let device: BroadcasterDevice
    let rtpCapabilities: RtpCapabilities?
    var transportIds: [String] = []

    init(options: BroadcasterOptions) {
        self.id = options.id
        self.displayName = options.displayName
        self.device = BroadcasterDevice(flag: "broadcaster", name: options.device.name, version: options.device.version)
        self.rtpCapabilities = options.rtpCapabilities
    }
}

/// One entry of the `peers` list answered on broadcaster creation.
public struct PeerInfo: Sendable, Hashable, Codable {
    public struct ProducerInfo: Sendable, Hashable, Codable {
        public var id: String
        public var kind: MediaKind
    }

    public var id: String
    public var displayName: String
    public var device: BroadcasterDevice
    public var producers: [ProducerInfo]
}
