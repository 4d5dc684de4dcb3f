internal import SluiceRTP
public import NIOCore

/// Layer state of a simulcast or SVC consumer (the reference engine's SimulcastConsumer and
/// SvcConsumer).
///
/// Simulcast: the spatial layer is the producer encoding (one RTP stream each); the consumer
/// forwards one stream at a time under its own SSRC. It moves to another stream only at a key
/// frame of that stream (asking its sender for one when a switch is wanted), resyncing sequence
/// numbers and carrying timestamps over (``TimestampRewriter``). Temporal layers come from the
/// VP8 descriptor's TID (0 when absent): packets above the current temporal layer are dropped and
/// taken out of the numbering; the temporal layer goes down at any frame start, up at a frame
/// with the layer-sync (Y) bit or at a key frame.
///
/// SVC (VP9): one stream; packets above the current spatial or temporal layer (SID/TID of the
/// VP9 descriptor) are dropped. Spatial layers go up only at a key frame (down at any picture
/// start, or only at a key frame in K-SVC); temporal layers go up at a switching-up point (U) and
/// down at any picture start. The marker bit is set on the end of frame of the highest forwarded
/// spatial layer.
///
/// VP8 picture IDs and TL0PICIDX are forwarded as the source stream wrote them: after a simulcast
/// switch they jump (each stream numbers its own pictures) and temporal drops leave gaps. Decoders
/// we target (libvpx via ffmpeg, libwebrtc) resynchronise on the key frame that every switch
/// starts with, so they are not rewritten.
final class LayeredConsumerState {
    enum Kind: Equatable {
        case simulcast
        case svc(ksvc: Bool)
    }

    enum Codec {
        case vp8, vp9, other

        init(mimeType: String) {
            switch mimeType {
            case "video/vp8": self = .vp8
            case "video/vp9": self = .vp9
            default: self = .other
            }
        }
    }

    let kind: Kind
    let codec: Codec
    /// Router SSRC of each producer encoding, by spatial layer (simulcast) or the one stream (SVC).
    let mappedSsrcs: [UInt32]
    var selector: LayerSelector
    var timestamps: TimestampRewriter
    /// What is being sent; nil when nothing is (start, pause, resync, source gone quiet).
    fileprivate(set) var current: ConsumerLayers?
    /// The spatial layer the consumer aims for, as last evaluated.
    fileprivate(set) var targetSpatialLayer: Int?
    /// The encoding forwarded last (kept while nothing is sent, for timestamp continuity).
    fileprivate var lastEncoding: Int?
    /// The first input of the current numbering: older packets are from before the switch.
    fileprivate var syncInput: UInt16?
    fileprivate var keyFrameRequestedFor: Int?
    fileprivate var keyFrameRequestedAt = MediaTime(nanoseconds: 0)
    /// Simulcast switches so far.
    private(set) var switches = 0

    init(kind: Kind, mappedSsrcs: [UInt32], spatialLayers: Int, temporalLayers: Int, codec: Codec, clockRate: UInt32) {
        self.kind = kind
        self.codec = codec
        self.mappedSsrcs = mappedSsrcs
        selector = LayerSelector(spatialLayers: spatialLayers, temporalLayers: temporalLayers)
        timestamps = TimestampRewriter(clockRate: clockRate)
    }

    /// Spatial layer (= encoding index) of a router SSRC.
    func encoding(ofMappedSsrc ssrc: UInt32) -> Int? {
        for index in mappedSsrcs.indices where mappedSsrcs[index] == ssrc { return index }
        return nil
    }

    /// The encoding being forwarded, if any.
    var currentEncoding: Int? {
        guard let current else { return nil }
        return kind == .simulcast ? current.spatialLayer : 0
    }

    /// Which encoding's sender a key-frame request from the receiver should go to.
    var keyFrameRequestTarget: Int? {
        kind == .simulcast ? (targetSpatialLayer ?? current?.spatialLayer) : 0
    }

    /// Temporal layers are told apart (VP8 TID within simulcast, VP9 TID within SVC).
    var filtersTemporalLayers: Bool {
        guard selector.temporalLayers > 1 else { return false }
        switch kind {
        case .simulcast: return codec == .vp8
        case .svc: return codec == .vp9
        }
    }

    fileprivate func switched() { switches += 1 }
}

extension ConsumerMedia {
    /// Records that a packet of the producer arrived (whether or not this consumer sends now), so
    /// the layer choice knows which streams are alive.
    func noteArrival(mappedSsrc: UInt32, now: MediaTime) {
        guard let layers, let encoding = layers.encoding(ofMappedSsrc: mappedSsrc) else { return }
        layers.selector.arrived(encoding: encoding, now: now)
    }

    /// Changes the preferred layers (clamped to what the producer has; a missing temporal layer
    /// means the highest). Simple consumers have one layer: the answer is always 0/0.
    func setPreferredLayers(spatialLayer: Int, temporalLayer: Int?) -> ConsumerLayers {
        guard let layers else { return ConsumerLayers(spatialLayer: 0, temporalLayer: 0) }
        return layers.selector.setPreferred(spatialLayer: spatialLayer, temporalLayer: temporalLayer)
    }

    /// Nothing is sent any more (pause): the current layers become none.
    func clearCurrentLayers() {
        setCurrent(nil)
    }

    /// The current stream went quiet: nothing is being sent until another stream's key frame.
    func checkLayerActivity(now: MediaTime) {
        guard let layers, let encoding = layers.currentEncoding else { return }
        if !layers.selector.isActive(encoding, now: now) { setCurrent(nil) }
    }

    private func setCurrent(_ layers: ConsumerLayers?) {
        guard let state = self.layers, state.current != layers else { return }
        state.current = layers
        layersChanged = true
    }

    /// The consumer's copy of a packet of a simulcast or SVC producer, or why there is none.
    /// `source` gives the streams' sender reports for timestamp mapping.
    func prepareLayered(_ packet: RtpPacket, isKeyFrame: Bool, source: ProducerMedia, now: MediaTime) -> SendDecision {
        guard let layers else { return prepare(packet, isKeyFrame: isKeyFrame, now: now) }
        guard let encoding = layers.encoding(ofMappedSsrc: packet.ssrc) else { return .drop }
        if syncRequired {
            // Resume, producer resume, start: start again at a key frame of the target.
            syncRequired = false
            setCurrent(nil)
        }
        switch layers.kind {
        case .simulcast:
            return prepareSimulcast(packet, encoding: encoding, isKeyFrame: isKeyFrame, layers: layers, source: source, now: now)
        case .svc(let ksvc):
            return prepareSvc(packet, isKeyFrame: isKeyFrame, ksvc: ksvc, layers: layers, source: source, now: now)
        }
    }

    private func prepareSimulcast(
        _ packet: RtpPacket, encoding: Int, isKeyFrame: Bool, layers: LayeredConsumerState, source: ProducerMedia,
        now: MediaTime
    ) -> SendDecision {
        let target = layers.selector.targetSpatialLayer(now: now)
        layers.targetSpatialLayer = target
        if let target, target != layers.current?.spatialLayer {
            if encoding == target && (isKeyFrame || !keyFrameRequired) && !packet.isPaddingOnly {
                startForwarding(packet, encoding: encoding, layers: layers, source: source, now: now)
                layers.switched()
                let temporal = layers.filtersTemporalLayers ? layers.selector.targetTemporalLayer : 0
                setCurrent(ConsumerLayers(spatialLayer: target, temporalLayer: temporal))
            } else {
                requestKeyFrameIfDue(encoding: target, layers: layers, now: now)
                if layers.current == nil {
                    if encoding == target {
                        packetsDroppedWaitingForKeyFrame += 1
                        return .waitingForKeyFrame
                    }
                    return .drop
                }
            }
        }
        guard let current = layers.current, encoding == current.spatialLayer else { return .drop }
        guard fromCurrentNumbering(packet.sequenceNumber, layers: layers) else { return .drop }
        if packet.isPaddingOnly {
            sequence.drop(packet.sequenceNumber)
            return .drop
        }
        if layers.filtersTemporalLayers, let descriptor = Vp8PayloadDescriptor(parsing: packet.payload) {
            let tid = Int(descriptor.temporalLayer ?? 0)
            let targetTemporal = layers.selector.targetTemporalLayer
            var temporal = current.temporalLayer
            if descriptor.startOfPartition && descriptor.partitionIndex == 0 {
                if isKeyFrame {
                    // From a key frame on every frame up to the target finds its references.
                    temporal = targetTemporal
                } else if targetTemporal < temporal {
                    temporal = targetTemporal
                } else if tid > temporal && tid <= targetTemporal && descriptor.layerSync {
                    temporal = tid
                }
            }
            if temporal != current.temporalLayer {
                setCurrent(ConsumerLayers(spatialLayer: current.spatialLayer, temporalLayer: temporal))
            }
            if tid > temporal {
                sequence.drop(packet.sequenceNumber)
                return .drop
            }
        }
        return sendLayered(packet, marker: nil, layers: layers, now: now)
    }

    private func prepareSvc(
        _ packet: RtpPacket, isKeyFrame: Bool, ksvc: Bool, layers: LayeredConsumerState, source: ProducerMedia, now: MediaTime
    ) -> SendDecision {
        let preferred = layers.selector.preferred
        layers.targetSpatialLayer = preferred.spatialLayer
        if layers.current == nil {
            guard !packet.isPaddingOnly, isKeyFrame || !keyFrameRequired else {
                requestKeyFrameIfDue(encoding: 0, layers: layers, now: now)
                if !packet.isPaddingOnly { packetsDroppedWaitingForKeyFrame += 1 }
                return packet.isPaddingOnly ? .drop : .waitingForKeyFrame
            }
            startForwarding(packet, encoding: 0, layers: layers, source: source, now: now)
            setCurrent(layers.codec == .vp9 ? preferred : ConsumerLayers(spatialLayer: 0, temporalLayer: 0))
        }
        guard var layer = layers.current else { return .drop }
        guard fromCurrentNumbering(packet.sequenceNumber, layers: layers) else { return .drop }
        if packet.isPaddingOnly {
            sequence.drop(packet.sequenceNumber)
            return .drop
        }
        guard layers.codec == .vp9, let descriptor = Vp9PayloadDescriptor(parsing: packet.payload) else {
            // No layer information to act on: forward the stream as it is.
            return sendLayered(packet, marker: nil, layers: layers, now: now)
        }
        let sid = Int(descriptor.spatialLayer ?? 0)
        let tid = Int(descriptor.temporalLayer ?? 0)
        if descriptor.beginningOfFrame && sid == 0 {
            // A new picture: the only place where layers change.
            if isKeyFrame {
                layer = preferred
            } else {
                if preferred.spatialLayer > layer.spatialLayer {
                    requestKeyFrameIfDue(encoding: 0, layers: layers, now: now)
                } else if preferred.spatialLayer < layer.spatialLayer {
                    if ksvc {
                        requestKeyFrameIfDue(encoding: 0, layers: layers, now: now)
                    } else {
                        layer.spatialLayer = preferred.spatialLayer
                    }
                }
                if preferred.temporalLayer < layer.temporalLayer {
                    layer.temporalLayer = preferred.temporalLayer
                } else if tid > layer.temporalLayer && tid <= preferred.temporalLayer && descriptor.switchingUpPoint {
                    layer.temporalLayer = tid
                }
            }
            setCurrent(layer)
        }
        if sid > layer.spatialLayer || tid > layer.temporalLayer {
            sequence.drop(packet.sequenceNumber)
            return .drop
        }
        let marker = packet.marker || (sid == layer.spatialLayer && descriptor.endOfFrame)
        return sendLayered(packet, marker: marker, layers: layers, now: now)
    }

    /// Restarts numbering and the timestamp mapping at the first packet from `encoding`.
    private func startForwarding(
        _ packet: RtpPacket, encoding: Int, layers: LayeredConsumerState, source: ProducerMedia, now: MediaTime
    ) {
        if layers.lastEncoding != encoding {
            func mapping(_ index: Int?) -> TimestampRewriter.Mapping? {
                guard let index, source.streams.indices.contains(index), let stream = source.streams[index] else { return nil }
                return stream.lastSenderReport
            }
            layers.timestamps.switchSource(
                firstInput: packet.timestamp, from: mapping(layers.lastEncoding), to: mapping(encoding), now: now)
        }
        layers.lastEncoding = encoding
        sequence.sync(packet.sequenceNumber &- 1)
        layers.syncInput = packet.sequenceNumber
        layers.keyFrameRequestedFor = nil
        waitingForKeyFrame = false
    }

    /// False for a packet older than the last resync (it belongs to the numbering before it).
    private func fromCurrentNumbering(_ sequenceNumber: UInt16, layers: LayeredConsumerState) -> Bool {
        guard let sync = layers.syncInput else { return true }
        if SequenceNumber.isOlder(sequenceNumber, than: sync) { return false }
        // Far enough on, old packets can no longer be mistaken for new ones.
        if sequenceNumber &- sync > 1000 { layers.syncInput = nil }
        return true
    }

    /// Asks (through the router) for a key frame on `encoding`, at most once a second.
    private func requestKeyFrameIfDue(encoding: Int, layers: LayeredConsumerState, now: MediaTime) {
        if layers.keyFrameRequestedFor != encoding || now.milliseconds(since: layers.keyFrameRequestedAt) >= 1000 {
            layers.keyFrameRequestedFor = encoding
            layers.keyFrameRequestedAt = now
            keyFrameRequestEncoding = encoding
        }
    }

    private func sendLayered(_ packet: RtpPacket, marker: Bool?, layers: LayeredConsumerState, now: MediaTime) -> SendDecision {
        guard let outputSequence = sequence.input(packet.sequenceNumber) else { return .drop }
        let timestamp = layers.timestamps.output(packet.timestamp)
        var copy = packet
        copy.ssrc = stream.ssrc
        copy.sequenceNumber = outputSequence
        copy.timestamp = timestamp
        if let marker, marker != copy.marker { copy.marker = marker }
        rewriteExtensions(&copy)
        stream.sent(copy.buffer, sequenceNumber: outputSequence, timestamp: timestamp, now: now)
        layers.timestamps.sent(timestamp, now: now)
        return .send(copy.buffer)
    }

    /// The reference for this consumer's sender reports: the forwarded stream's last SR (at its
    /// NTP instant as the stream sees it), moved onto the output timeline.
    func senderReportReference(source: ProducerMedia) -> RtpStreamSend.TimestampReference? {
        guard let layers else {
            guard let stream = source.streams.first ?? nil, let sr = stream.lastSenderReport, let at = stream.lastSenderReportCapturedAt
            else { return nil }
            return RtpStreamSend.TimestampReference(rtpTimestamp: sr.rtpTimestamp, at: at)
        }
        guard let encoding = layers.currentEncoding ?? layers.lastEncoding, source.streams.indices.contains(encoding),
            let stream = source.streams[encoding], let sr = stream.lastSenderReport, let at = stream.lastSenderReportCapturedAt
        else { return nil }
        return RtpStreamSend.TimestampReference(rtpTimestamp: layers.timestamps.output(sr.rtpTimestamp), at: at)
    }
}
