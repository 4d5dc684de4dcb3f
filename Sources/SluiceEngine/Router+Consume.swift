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
        if paused && consumer.hasLayers {
            consumer.media.clearCurrentLayers()
            if consumer.media.layersChanged { emitLayersChange(consumer) }
        }
    }

    // MARK: Layers (simulcast and SVC)

    /// Sets the layers a consumer prefers; answers them clamped to what the producer has.
    func setPreferredLayers(_ consumer: Consumer, spatialLayer: Int, temporalLayer: Int?) -> ConsumerLayers {
        consumer.media.setPreferredLayers(spatialLayer: spatialLayer, temporalLayer: temporalLayer)
    }

    func emitLayersChange(_ consumer: Consumer) {
        consumer.media.layersChanged = false
        emit(.consumerLayersChanged(consumerId: consumer.id, broadcasterId: consumer.broadcasterId, layers: consumer.media.layers?.current))
    }

    /// Asks the sender of one producer encoding (a simulcast stream) for a key frame, coalesced
    /// per SSRC like every request.
    func requestKeyFrame(producer: Producer, encoding: Int, now: MediaTime) {
        guard producer.kind == .video, producer.media.streams.indices.contains(encoding),
            let stream = producer.media.streams[encoding]
        else { return }
        guard producer.media.keyFrameRequests.request(ssrc: stream.ssrc, now: now) else { return }
        sendKeyFrameRequest(producer: producer, ssrc: stream.ssrc)
    }

    /// Layered consumers whose stream went quiet stop reporting layers (checked with the RTCP
    /// timer of their transport).
    func checkLayerActivity(_ consumer: Consumer, now: MediaTime) {
        guard consumer.hasLayers else { return }
        consumer.media.checkLayerActivity(now: now)
        if consumer.media.layersChanged { emitLayersChange(consumer) }
    }
}

extension Room {
    /// `POST …/consumers/:id/preferred-layers`: the preferred layers, clamped to the producer's.
    public func setConsumerPreferredLayers(
        broadcasterId: String, consumerId: String, spatialLayer: Int, temporalLayer: Int?
    ) throws(EngineError) -> ConsumerLayers {
        try requireBroadcaster(broadcasterId)
        let consumer = try router.consumer(consumerId, of: broadcasterId)
        return router.setPreferredLayers(consumer, spatialLayer: spatialLayer, temporalLayer: temporalLayer)
    }
}
