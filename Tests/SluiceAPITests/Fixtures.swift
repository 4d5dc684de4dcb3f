import Testing

/// Request bodies, most of them exactly what the reference scripts send.
enum Bodies {
    static func broadcaster(
        _ id: String, displayName: String = "Broadcaster", device: String = "FFmpeg", capabilities: String? = nil
    ) -> String {
        let caps = capabilities.map { #","rtpCapabilities":\#($0)"# } ?? ""
        return #"{"id":"\#(id)","displayName":"\#(displayName)","device":{"name":"\#(device)"}\#(caps)}"#
    }

    static let plainTransport = #"{"type":"plain","comedia":true,"rtcpMux":false}"#
    static let plainNoComedia = #"{"type":"plain","comedia":false,"rtcpMux":false}"#
    static let webRtcTransport = #"{"type":"webrtc"}"#

    static func opusProducer(ssrc: Int = 1111) -> String {
        #"{"kind":"audio","rtpParameters":{"codecs":[{"mimeType":"audio/opus","payloadType":100,"clockRate":48000,"channels":2,"parameters":{"sprop-stereo":1}}],"encodings":[{"ssrc":\#(ssrc)}]}}"#
    }

    static func vp8Producer(ssrc: Int = 2222) -> String {
        #"{"kind":"video","rtpParameters":{"codecs":[{"mimeType":"video/vp8","payloadType":101,"clockRate":90000}],"encodings":[{"ssrc":\#(ssrc)}]}}"#
    }

    static let h264Producer =
        #"{"kind":"video","rtpParameters":{"codecs":[{"mimeType":"video/H264","payloadType":102,"clockRate":90000,"parameters":{"packetization-mode":1,"profile-level-id":"42e032"}}],"encodings":[{"ssrc":3333}]}}"#

    static let isacProducer =
        #"{"kind":"audio","rtpParameters":{"codecs":[{"mimeType":"audio/ISAC","payloadType":103,"clockRate":16000}],"encodings":[{"ssrc":4444}]}}"#

    static let isacCapabilities =
        #"{"codecs":[{"kind":"audio","mimeType":"audio/ISAC","preferredPayloadType":103,"clockRate":16000,"parameters":{},"rtcpFeedback":[]}],"headerExtensions":[]}"#

    /// A syntactically valid sha-256 fingerprint (32 bytes).
    static let sha256Fingerprint = (0..<32).map { _ in "AB" }.joined(separator: ":")
}

/// Paths of the API.
enum Paths {
    static func room(_ room: String) -> String { "/rooms/\(room)" }
    static func broadcasters(_ room: String) -> String { "/rooms/\(room)/broadcasters" }
    static func broadcaster(_ room: String, _ b: String) -> String { "/rooms/\(room)/broadcasters/\(b)" }
    static func transports(_ room: String, _ b: String) -> String { broadcaster(room, b) + "/transports" }
    static func transport(_ room: String, _ b: String, _ t: String) -> String { transports(room, b) + "/\(t)" }
    static func producers(_ room: String, _ b: String, _ t: String) -> String { transport(room, b, t) + "/producers" }
    static func consume(_ room: String, _ b: String, _ t: String, producer: String? = nil) -> String {
        transport(room, b, t) + "/consume" + (producer.map { "?producerId=\($0)" } ?? "")
    }
    static func producer(_ room: String, _ b: String, _ p: String) -> String { broadcaster(room, b) + "/producers/\(p)" }
    static func consumer(_ room: String, _ b: String, _ c: String) -> String { broadcaster(room, b) + "/consumers/\(c)" }
}

/// Setup steps: each must succeed or the test stops there.
extension Client {
    @discardableResult
    func ok(_ reply: Reply, sourceLocation: SourceLocation = #_sourceLocation) throws -> JSON {
        try #require(reply.code == 200, "setup failed: \(reply.code) \(reply.text)", sourceLocation: sourceLocation)
        return reply.json
    }

    /// Creates the room; answers its capabilities as JSON text.
    @discardableResult
    func makeRoom(_ room: String) async throws -> String {
        try ok(try await get(Paths.room(room))).text
    }

    /// Creates the room (if needed) and a broadcaster, optionally with the room's capabilities.
    @discardableResult
    func makeBroadcaster(_ room: String, _ id: String, withCapabilities: Bool = false) async throws -> JSON {
        let caps = try await makeRoom(room)
        return try ok(
            try await post(Paths.broadcasters(room), Bodies.broadcaster(id, capabilities: withCapabilities ? caps : nil)))
    }

    /// Creates a transport; answers its id.
    func makeTransport(_ room: String, _ b: String, _ body: String = Bodies.plainTransport) async throws -> String {
        try #require(try ok(try await post(Paths.transports(room, b), body))["id"].string)
    }

    /// Creates a producer; answers its id.
    func makeProducer(_ room: String, _ b: String, _ t: String, _ body: String = Bodies.opusProducer()) async throws -> String {
        try #require(try ok(try await post(Paths.producers(room, b, t), body))["id"].string)
    }

    /// A sender with an opus producer and a receiver (with capabilities) with a transport.
    func mediaScenario(room: String = "room1") async throws -> Scenario {
        try await makeBroadcaster(room, "sender")
        let sendTransport = try await makeTransport(room, "sender")
        let producer = try await makeProducer(room, "sender", sendTransport)
        try await makeBroadcaster(room, "receiver", withCapabilities: true)
        let receiveTransport = try await makeTransport(room, "receiver", Bodies.plainNoComedia)
        return Scenario(
            room: room, sendTransport: sendTransport, producer: producer, receiveTransport: receiveTransport)
    }

    /// Consumes `producer` on the receiver's transport; answers the consumer JSON.
    func makeConsumer(_ s: Scenario, producer: String? = nil) async throws -> JSON {
        try ok(try await post(Paths.consume(s.room, "receiver", s.receiveTransport, producer: producer ?? s.producer)))
    }
}

struct Scenario: Sendable {
    let room: String
    let sendTransport: String
    let producer: String
    let receiveTransport: String
}
