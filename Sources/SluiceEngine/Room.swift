public import SluiceRTP

/// A room: its router and the broadcasters that use it. The unit of the REST API.
///
/// Every method runs on the room's worker loop. Methods either succeed or throw before changing
/// anything, so a refused request leaves the room as it was.
public final class Room {
    public let id: String
    public let router: Router
    private var broadcasters: [String: Broadcaster] = [:]
    private var broadcasterOrder: [String] = []

    public init(id: String, configuration: RouterConfiguration, random: EngineRandom = EngineRandom()) {
        self.id = id
        self.router = Router(configuration: configuration, random: random)
    }

    public var rtpCapabilities: RtpCapabilities { router.rtpCapabilities }

    public func summary(worker: Int) -> RoomSummary {
        RoomSummary(
            id: id, worker: worker, broadcasters: broadcasters.count, transports: router.transportCount,
            producers: router.producerCount, consumers: router.consumerCount)
    }

    public func drainEvents() -> [EngineEvent] { router.drainEvents() }

    // MARK: Broadcasters

    /// Adds a broadcaster and answers the other peers with the producers it can consume.
    public func createBroadcaster(_ options: BroadcasterOptions) throws(EngineError) -> [PeerInfo] {
        guard broadcasters[options.id] == nil else {
            throw .conflict("broadcaster with id '\(options.id)' already exists")
        }
        if let capabilities = options.rtpCapabilities {
            do {
                try Ortc.validateRtpCapabilities(capabilities)
            } catch {
                throw EngineError(error)
            }
        }
        let broadcaster = Broadcaster(options: options)
        var peers: [PeerInfo] = []
        if let capabilities = options.rtpCapabilities {
            for other in broadcasterOrder.compactMap({ broadcasters[$0] }) {
                let producers = producers(of: other).filter {
                    Ortc.canConsume($0.consumableRtpParameters, capabilities: capabilities)
                }
                peers.append(
                    PeerInfo(
                        id: other.id, displayName: other.displayName, device: other.device,
                        producers: producers.map { .init(id: $0.id, kind: $0.kind) }))
            }
        }
        broadcasters[options.id] = broadcaster
        broadcasterOrder.append(options.id)
        return peers
    }

    public func deleteBroadcaster(_ broadcasterId: String) throws(EngineError) {
        let broadcaster = try self.broadcaster(broadcasterId)
        for transportId in broadcaster.transportIds {
            if let transport = try? router.transport(transportId, of: broadcasterId) { router.closeTransport(transport) }
        }
        broadcasters[broadcasterId] = nil
        broadcasterOrder.removeAll { $0 == broadcasterId }
        router.emit(.broadcasterClosed(broadcasterId: broadcasterId))
    }

    public func broadcasterState(_ broadcasterId: String) throws(EngineError) -> BroadcasterState {
        state(of: try broadcaster(broadcasterId))
    }

    public func broadcasterStates() -> [BroadcasterState] {
        broadcasterOrder.compactMap { broadcasters[$0] }.map(state(of:))
    }

    /// Throws `notFound` unless the broadcaster exists (a cheap check before binding sockets).
    public func requireBroadcaster(_ broadcasterId: String) throws(EngineError) {
        _ = try broadcaster(broadcasterId)
    }

    /// Closes everything in the room.
    public func close() {
        for broadcasterId in broadcasterOrder { try? deleteBroadcaster(broadcasterId) }
        router.closeAll()
    }

    // MARK: Transports

    public func createPlainTransport(
        broadcasterId: String, options: PlainTransportOptions, binding: TransportBinding
    ) throws(EngineError) -> TransportCreated {
        let broadcaster = try broadcaster(broadcasterId)
        let transport = router.createPlainTransport(broadcasterId: broadcasterId, options: options, binding: binding)
        broadcaster.transportIds.append(transport.id)
        return transport.created
    }

    public func createWebRtcTransport(
        broadcasterId: String, options: WebRtcTransportOptions, binding: TransportBinding
    ) throws(EngineError) -> TransportCreated {
        let broadcaster = try broadcaster(broadcasterId)
        let transport = router.createWebRtcTransport(broadcasterId: broadcasterId, options: options, binding: binding)
        broadcaster.transportIds.append(transport.id)
        return transport.created
    }

    public func connectPlainTransport(
        broadcasterId: String, transportId: String, options: PlainTransportConnectOptions
    ) throws(EngineError) {
        try router.connectPlainTransport(try transport(broadcasterId, transportId), options: options)
    }

    public func connectWebRtcTransport(
        broadcasterId: String, transportId: String, dtlsParameters: DtlsParameters
    ) throws(EngineError) {
        try router.connectWebRtcTransport(try transport(broadcasterId, transportId), dtlsParameters: dtlsParameters)
    }

    /// Whether the transport is a plain one (connect bodies differ by type).
    public func isPlainTransport(broadcasterId: String, transportId: String) throws(EngineError) -> Bool {
        if case .plain = try transport(broadcasterId, transportId).variant { return true }
        return false
    }

    public func transportState(broadcasterId: String, transportId: String) throws(EngineError) -> TransportState {
        try transport(broadcasterId, transportId).state
    }

    public func closeTransport(broadcasterId: String, transportId: String) throws(EngineError) {
        let transport = try transport(broadcasterId, transportId)
        router.closeTransport(transport)
        broadcasters[broadcasterId]?.transportIds.removeAll { $0 == transportId }
    }

    // MARK: Producers

    public func produce(broadcasterId: String, transportId: String, options: ProduceOptions) throws(EngineError) -> String {
        try router.produce(on: try transport(broadcasterId, transportId), options: options).id
    }

    public func producerState(broadcasterId: String, producerId: String) throws(EngineError) -> ProducerState {
        try broadcasterProducer(broadcasterId, producerId).state
    }

    public func setProducerPaused(
        _ paused: Bool, broadcasterId: String, producerId: String
    ) throws(EngineError) -> ProducerState {
        let producer = try broadcasterProducer(broadcasterId, producerId)
        router.setPaused(paused, producer: producer)
        return producer.state
    }

    public func closeProducer(broadcasterId: String, producerId: String) throws(EngineError) {
        router.closeProducer(try broadcasterProducer(broadcasterId, producerId))
    }

    // MARK: Consumers

    public func consume(
        broadcasterId: String, transportId: String, options: ConsumeOptions
    ) throws(EngineError) -> ConsumerState {
        let broadcaster = try broadcaster(broadcasterId)
        let transport = try transport(broadcasterId, transportId)
        guard let capabilities = options.rtpCapabilities ?? broadcaster.rtpCapabilities else {
            throw .invalid(
                "rtpCapabilities: broadcaster '\(broadcasterId)' was created without rtpCapabilities; send them in the consume body")
        }
        return try router.consume(on: transport, options: options, capabilities: capabilities).state
    }

    public func consumerState(broadcasterId: String, consumerId: String) throws(EngineError) -> ConsumerState {
        try broadcasterConsumer(broadcasterId, consumerId).state
    }

    public func setConsumerPaused(
        _ paused: Bool, broadcasterId: String, consumerId: String
    ) throws(EngineError) -> ConsumerState {
        let consumer = try broadcasterConsumer(broadcasterId, consumerId)
        router.setPaused(paused, consumer: consumer)
        return consumer.state
    }

    public func closeConsumer(broadcasterId: String, consumerId: String) throws(EngineError) {
        router.closeConsumer(try broadcasterConsumer(broadcasterId, consumerId))
    }

    // MARK: Lookup

    private func broadcaster(_ broadcasterId: String) throws(EngineError) -> Broadcaster {
        guard let broadcaster = broadcasters[broadcasterId] else {
            throw .notFound("broadcaster '\(broadcasterId)' not found in room '\(id)'")
        }
        return broadcaster
    }

    private func transport(_ broadcasterId: String, _ transportId: String) throws(EngineError) -> Transport {
        _ = try broadcaster(broadcasterId)
        return try router.transport(transportId, of: broadcasterId)
    }

    private func broadcasterProducer(_ broadcasterId: String, _ producerId: String) throws(EngineError) -> Producer {
        _ = try broadcaster(broadcasterId)
        return try router.producer(producerId, of: broadcasterId)
    }

    private func broadcasterConsumer(_ broadcasterId: String, _ consumerId: String) throws(EngineError) -> Consumer {
        _ = try broadcaster(broadcasterId)
        return try router.consumer(consumerId, of: broadcasterId)
    }

    private func producers(of broadcaster: Broadcaster) -> [Producer] {
        broadcaster.transportIds.compactMap { try? router.transport($0, of: broadcaster.id) }
            .flatMap { $0.producerIds.compactMap { router.producer(withId: $0) } }
    }

    private func state(of broadcaster: Broadcaster) -> BroadcasterState {
        let transports = broadcaster.transportIds.compactMap { try? router.transport($0, of: broadcaster.id) }
        let consumers = transports.flatMap { $0.consumerIds.compactMap { router.consumer(withId: $0) } }
        return BroadcasterState(
            id: broadcaster.id, displayName: broadcaster.displayName, device: broadcaster.device,
            rtpCapabilities: broadcaster.rtpCapabilities, transports: transports.map(\.state),
            producers: producers(of: broadcaster).map(\.state), consumers: consumers.map(\.state))
    }
}
