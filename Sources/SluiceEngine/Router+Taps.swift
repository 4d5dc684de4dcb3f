public import SluiceRTP

/// A tap and what it follows.
struct TapRegistration {
    let tap: any ProducerTap
    let selection: TapSelection
}

extension Router {
    /// Attaches `tap` to the producers `selection` names (and, for room or broadcaster
    /// selections, to those created later). Every attached producer is asked for a key frame.
    ///
    /// - Returns: the ids of the producers attached now.
    /// - Throws: ``EngineError/notFound(_:)`` for an unknown producer or broadcaster id,
    ///   ``EngineError/conflict(_:)`` when the selection names no producer at all.
    @discardableResult
    public func attachTap(_ tap: any ProducerTap, selection: TapSelection, broadcasterExists: Bool = true, now: MediaTime) throws(EngineError) -> [String] {
        var selected: [Producer] = []
        switch selection {
        case .producers(let ids):
            guard !ids.isEmpty else { throw .invalid("producerIds: must name at least one producer") }
            for id in ids {
                guard let producer = producers[id] else { throw .notFound("producer '\(id)' not found") }
                if !selected.contains(where: { $0 === producer }) { selected.append(producer) }
            }
        case .room, .broadcaster:
            if case .broadcaster(let id) = selection, !broadcasterExists {
                throw .notFound("broadcaster '\(id)' not found")
            }
            selected = producers.values.filter { selection.matches($0) }.sorted { $0.createdOrder < $1.createdOrder }
            guard !selected.isEmpty else { throw .conflict("nothing to record: no producers match") }
        }
        taps.append(TapRegistration(tap: tap, selection: selection))
        for producer in selected { attach(tap, to: producer, now: now) }
        return selected.map(\.id)
    }

    /// Detaches `tap` from every producer; it gets no more items.
    public func detachTap(_ tap: any ProducerTap) {
        taps.removeAll { $0.tap === tap }
        for producer in producers.values { producer.taps.removeAll { $0 === tap } }
    }

    /// Asks a producer's sender for a key frame (coalesced like consumer requests).
    public func requestKeyFrame(producerId: String, now: MediaTime) {
        guard let producer = producers[producerId] else { return }
        requestKeyFrame(producer: producer, now: now)
    }

    /// Called when a producer is created: taps that follow new producers attach to it.
    func attachFollowingTaps(to producer: Producer, now: MediaTime) {
        for registration in taps where registration.selection.followsNewProducers && registration.selection.matches(producer) {
            attach(registration.tap, to: producer, now: now)
        }
    }

    private func attach(_ tap: any ProducerTap, to producer: Producer, now: MediaTime) {
        guard !producer.taps.contains(where: { $0 === tap }) else { return }
        producer.taps.append(tap)
        tap.tapped(.attached(producer.tapDescription), producerId: producer.id)
        if let stream = producer.media.streams.first ?? nil, let report = stream.lastSenderReport, let at = stream.lastSenderReportCapturedAt {
            tap.tapped(.senderReport(ntp: report.ntp, rtpTimestamp: report.rtpTimestamp, arrival: at), producerId: producer.id)
        }
        requestKeyFrame(producer: producer, now: now)
    }

    func tapProducer(_ producer: Producer, _ media: TappedMedia) {
        for tap in producer.taps { tap.tapped(media, producerId: producer.id) }
    }
}

extension Producer {
    /// Router SSRC of the first encoding, the one taps receive.
    var tappedSsrc: UInt32 { rtpMapping.encodings.first?.mappedSsrc ?? 0 }

    var tapDescription: TappedProducer {
        let codecs = consumableRtpParameters.codecs
        return TappedProducer(
            id: id, broadcasterId: broadcasterId, kind: kind,
            codecs: codecs.filter { !$0.isRtx } + codecs.filter(\.isRtx),
            ssrc: consumableRtpParameters.encodings.first?.ssrc ?? 0,
            cname: rtpParameters.rtcp.cname ?? transportId, paused: paused)
    }
}
