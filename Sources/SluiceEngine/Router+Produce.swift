public import SluiceRTP

extension Router {
    func produce(on transport: Transport, options: ProduceOptions) throws(EngineError) -> Producer {
        var parameters = options.rtpParameters
        do {
            try Ortc.validateProducerRtpParameters(&parameters, kind: options.kind)
        } catch {
            throw EngineError(error)
        }
        if parameters.rtcp.cname == nil { parameters.rtcp.cname = transport.cnameForProducers }
        let mapping: RtpMapping
        do {
            mapping = try Ortc.producerRtpMapping(
                &parameters, routerCapabilities: rtpCapabilities, mappedSsrcBase: random.ssrc())
        } catch {
            throw EngineError(error)
        }
        let consumable = Ortc.consumableRtpParameters(
            kind: options.kind, parameters: parameters, routerCapabilities: rtpCapabilities, mapping: mapping)
        let producerId = random.uuid()
        try transport.addProducer(id: producerId, parameters: parameters)
        let producer = Producer(
            id: producerId, kind: options.kind, transportId: transport.id, broadcasterId: transport.broadcasterId,
            rtpParameters: parameters, rtpMapping: mapping, consumableRtpParameters: consumable, paused: options.paused,
            routerCapabilities: rtpCapabilities, createdOrder: nextProducerOrder())
        insert(producer)
        transport.register(producer)
        attachFollowingTaps(to: producer, now: lastInputTime)
        return producer
    }

    func setPaused(_ paused: Bool, producer: Producer) {
        guard producer.paused != paused else { return }
        producer.paused = paused
        if !producer.taps.isEmpty {
            tapProducer(producer, paused ? .paused : .resumed)
            if !paused { requestKeyFrame(producer: producer, now: lastInputTime) }
        }
        emit(
            paused
                ? .producerPaused(producerId: producer.id, broadcasterId: producer.broadcasterId)
                : .producerResumed(producerId: producer.id, broadcasterId: producer.broadcasterId))
        for consumer in producer.consumers {
            consumer.producerPaused = paused
            if !paused { consumer.media.syncRequired = true }
            emit(
                paused
                    ? .consumerProducerPaused(consumerId: consumer.id, broadcasterId: consumer.broadcasterId)
                    : .consumerProducerResumed(consumerId: consumer.id, broadcasterId: consumer.broadcasterId))
        }
    }
}
