public import SluiceRTP

extension Router {
    /// Whether an endpoint with `capabilities` can consume the producer.
    public func canConsume(producerId: String, capabilities: RtpCapabilities) -> Bool {
        guard let producer = producer(withId: producerId) else { return false }
        return Ortc.canConsume(producer.consumableRtpParameters, capabilities: capabilities)
    }

    func consume(
        on transport: Transport, options: ConsumeOptions, capabilities: RtpCapabilities
    ) throws(EngineError) -> Consumer {
        do {
            try Ortc.validateRtpCapabilities(capabilities)
        } catch {
            throw EngineError(error)
        }
        guard let producer = producer(withId: options.producerId) else {
            throw .notFound("producer '\(options.producerId)' not found in this room")
        }
        guard Ortc.canConsume(producer.consumableRtpParameters, capabilities: capabilities) else {
            throw .unsupported(
                "cannot consume producer '\(producer.id)': no compatible media codecs in the consumer's rtpCapabilities")
        }
        var parameters: RtpParameters
        do {
            parameters = try Ortc.consumerRtpParameters(
                consumable: producer.consumableRtpParameters, capabilities: capabilities,
                enableRtx: options.enableRtx ?? (producer.kind == .video), ssrc: random.ssrc())
        } catch {
            throw EngineError(error)
        }
        parameters.mid = transport.allocateConsumerMid()
        let consumer = Consumer(
            id: random.uuid(), producer: producer, transportId: transport.id, broadcasterId: transport.broadcasterId,
            rtpParameters: parameters, paused: options.paused, transport: transport, random: &random)
        insert(consumer)
        transport.addConsumer(id: consumer.id)
        for encoding in parameters.encodings {
            if let ssrc = encoding.ssrc { transport.media.consumersBySsrc[ssrc] = consumer }
            if let ssrc = encoding.rtx?.ssrc { transport.media.consumersBySsrc[ssrc] = consumer }
        }
        producer.addConsumer(consumer)
        return consumer
    }

    func consumer(withId consumerId: String) -> Consumer? { consumers[consumerId] }

    func setPaused(_ paused: Bool, consumer: Consumer) {
        guard consumer.paused != paused else { return }
        consumer.paused = paused
        if !paused { consumer.media.syncRequired = true }
        emit(
            paused
                ? .consumerPaused(consumerId: consumer.id, broadcasterId: consumer.broadcasterId)
                : .consumerResumed(consumerId: consumer.id, broadcasterId: consumer.broadcasterId))
    }
}
