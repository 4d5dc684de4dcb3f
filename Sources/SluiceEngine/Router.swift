public import SluiceRTP
public import SluiceCrypto

/// What every router of this process shares: its capabilities and our DTLS identity.
public struct RouterConfiguration: Sendable {
    public var rtpCapabilities: RtpCapabilities
    /// Fingerprints of the process's DTLS certificate, sha-1 … sha-512.
    public var dtlsFingerprints: [DtlsFingerprintParameters]
    /// Converts the worker's monotonic time to NTP for sender reports.
    public var ntpClock: NtpClock
    /// Our DTLS identity for WebRTC transports; without it they never get SRTP keys.
    public var dtlsContext: DtlsContext?

    public init(
        rtpCapabilities: RtpCapabilities, dtlsFingerprints: [DtlsFingerprintParameters], ntpClock: NtpClock = NtpClock(offset: 0),
        dtlsContext: DtlsContext? = nil
    ) {
        self.rtpCapabilities = rtpCapabilities
        self.dtlsFingerprints = dtlsFingerprints
        self.dtlsContext = dtlsContext
        self.ntpClock = ntpClock
    }
}

/// The sans-IO media router of one room: transports, producers and consumers.
///
/// Lives on one worker loop and is touched only from it.
public final class Router {
    public let configuration: RouterConfiguration
    public var rtpCapabilities: RtpCapabilities { configuration.rtpCapabilities }
    var random: EngineRandom
    private(set) var transports: [String: Transport] = [:]
    private(set) var producers: [String: Producer] = [:]
    private(set) var consumers: [String: Consumer] = [:]
    private var events: [EngineEvent] = []
    /// Datagrams to send, filled by ``receive(_:on:socket:from:now:)`` and timers.
    var outbox: [OutgoingDatagram] = []
    var ntpClock: NtpClock { configuration.ntpClock }
    /// Taps that follow producers (see ``attachTap(_:selection:broadcasterExists:now:)``).
    var taps: [TapRegistration] = []
    /// The latest time the owner gave us, for actions that are not driven by input.
    var lastInputTime = MediaTime(nanoseconds: 0)
    /// The worker's shared WebRTC port, set by the owner; transports created with
    /// `sharedPort` register there instead of using a socket of their own.
    public var webRtcServer: WebRtcServer?
    private var producersCreated = 0

    func nextProducerOrder() -> Int {
        producersCreated += 1
        return producersCreated
    }

    public init(configuration: RouterConfiguration, random: EngineRandom = EngineRandom()) {
        self.configuration = configuration
        self.random = random
    }

    /// Events since the last call, oldest first.
    public func drainEvents() -> [EngineEvent] {
        defer { events.removeAll(keepingCapacity: true) }
        return events
    }

    func emit(_ event: EngineEvent) { events.append(event) }

    public var transportCount: Int { transports.count }
    public var producerCount: Int { producers.count }
    public var consumerCount: Int { consumers.count }

    // MARK: Lookup scoped to an owner

    func transport(_ transportId: String, of broadcasterId: String) throws(EngineError) -> Transport {
        guard let transport = transports[transportId], transport.broadcasterId == broadcasterId else {
            throw .notFound("transport '\(transportId)' not found on broadcaster '\(broadcasterId)'")
        }
        return transport
    }

    func producer(_ producerId: String, of broadcasterId: String) throws(EngineError) -> Producer {
        guard let producer = producers[producerId], producer.broadcasterId == broadcasterId else {
            throw .notFound("producer '\(producerId)' not found on broadcaster '\(broadcasterId)'")
        }
        return producer
    }

    func consumer(_ consumerId: String, of broadcasterId: String) throws(EngineError) -> Consumer {
        guard let consumer = consumers[consumerId], consumer.broadcasterId == broadcasterId else {
            throw .notFound("consumer '\(consumerId)' not found on broadcaster '\(broadcasterId)'")
        }
        return consumer
    }

    func producer(withId producerId: String) -> Producer? { producers[producerId] }

    /// A transport by id, for the network layer to wire sockets to.
    public func transport(withId transportId: String) -> Transport? { transports[transportId] }

    func allProducers() -> [Producer] { Array(producers.values) }

    // MARK: Storage

    func insert(_ transport: Transport) { transports[transport.id] = transport }

    func insert(_ producer: Producer) { producers[producer.id] = producer }

    func insert(_ consumer: Consumer) { consumers[consumer.id] = consumer }

    // MARK: Closing (cascades downwards)

    func closeTransport(_ transport: Transport) {
        for consumerId in transport.consumerIds {
            if let consumer = consumers[consumerId] { closeConsumer(consumer) }
        }
        for producerId in transport.producerIds {
            if let producer = producers[producerId] { closeProducer(producer) }
        }
        transport.media.webRtcServer?.unregister(transport)
        transport.media.webRtcServer = nil
        transports[transport.id] = nil
        emit(.transportClosed(transportId: transport.id, broadcasterId: transport.broadcasterId))
    }

    func closeProducer(_ producer: Producer) {
        for consumerId in producer.consumers.map(\.id) {
            if let consumer = consumers[consumerId] { closeConsumer(consumer) }
        }
        tapProducer(producer, .closed)
        producer.taps.removeAll()
        transports[producer.transportId]?.removeProducer(id: producer.id)
        producers[producer.id] = nil
        emit(.producerClosed(producerId: producer.id, broadcasterId: producer.broadcasterId))
    }

    func closeConsumer(_ consumer: Consumer) {
        producers[consumer.producerId]?.removeConsumer(consumer)
        if let transport = transports[consumer.transportId] {
            transport.removeConsumer(id: consumer.id)
            transport.media.consumersBySsrc = transport.media.consumersBySsrc.filter { $0.value !== consumer }
        }
        consumers[consumer.id] = nil
        emit(.consumerClosed(consumerId: consumer.id, broadcasterId: consumer.broadcasterId))
    }

    func closeAll() {
        for transport in Array(transports.values) { closeTransport(transport) }
    }
}
