public import NIOCore
internal import SluiceRTP

extension Router {
    /// Takes one datagram that arrived on a transport socket.
    ///
    /// Anything malformed or unexpected is counted on the transport and dropped; what should be
    /// sent in response accumulates in the outbox (``drainOutbox(_:)``).
    public func receive(_ datagram: ByteBuffer, on transport: Transport, socket: TransportSocket, from source: SocketAddress, now: MediaTime) {
        let media = transport.media
        if now > lastInputTime { lastInputTime = now }
        media.bytesReceived += datagram.readableBytes
        var data = datagram
        let packetClass = PacketClass.classify(data)
        if case .webRtc = transport.variant {
            switch packetClass {
            case .stun:
                receiveStun(data, on: transport, from: source, now: now)
                return
            case .dtls:
                receiveDtls(data, on: transport, from: source, now: now)
                return
            case .rtp, .rtcp, .unknown:
                break
            }
        }
        if media.srtpRequired && media.srtp == nil {
            media.drops.notConnected += 1
            return
        }
        switch packetClass {
        case .rtp:
            guard media.srtp?.unprotectRtp(&data) ?? true else {
                media.drops.srtpFailure += 1
                return
            }
            receiveRtp(data, on: transport, socket: socket, from: source, now: now)
        case .rtcp:
            guard media.srtp?.unprotectRtcp(&data) ?? true else {
                media.drops.srtpFailure += 1
                return
            }
            receiveRtcp(data, on: transport, socket: socket, from: source, now: now)
        case .stun, .dtls, .unknown:
            media.drops.notRtpOrRtcp += 1
        }
    }

    private func receiveRtp(_ data: ByteBuffer, on transport: Transport, socket: TransportSocket, from source: SocketAddress, now: MediaTime) {
        let media = transport.media
        var packet: RtpPacket
        do {
            packet = try RtpPacket(parsing: data)
        } catch {
            media.drops.malformedRtp += 1
            return
        }
        guard let producer = producer(for: &packet, on: transport) else {
            media.drops.unknownSsrc += 1
            return
        }
        guard acceptSource(source, on: transport, socket: socket, isRtcp: false) else { return }
        media.rtpPacketsReceived += 1
        let isKeyFrame: Bool
        switch producer.media.ingest(&packet, now: now) {
        case .forward(let keyFrame, let requestKeyFrame):
            isKeyFrame = keyFrame
            // After ingest the extension ids are the router's.
            recordWideSequence(packet, on: transport, now: now)
            if requestKeyFrame { self.requestKeyFrame(producer: producer, now: now) }
        case .unknownPayloadType:
            media.drops.unknownPayloadType += 1
            return
        case .stale:
            media.drops.stale += 1
            return
        }
        guard !producer.paused else { return }
        if !producer.taps.isEmpty, packet.ssrc == producer.tappedSsrc {
            tapProducer(producer, .rtp(packet.buffer, isKeyFrame: isKeyFrame, arrival: now))
        }
        for consumer in producer.consumers {
            forward(packet, isKeyFrame: isKeyFrame, to: consumer, from: producer, now: now)
        }
    }

    func forward(_ packet: RtpPacket, isKeyFrame: Bool, to consumer: Consumer, from producer: Producer, now: MediaTime) {
        let transport = consumer.transport
        let media = consumer.media
        guard media.layers == nil else {
            forwardLayered(packet, isKeyFrame: isKeyFrame, to: consumer, from: producer, now: now)
            return
        }
        // Nothing is prepared before the transport can send (a WebRTC one waits for DTLS), so the
        // key frame a consumer starts on is one that actually leaves.
        guard !consumer.paused, !consumer.producerPaused, transport.media.rtpRemote != nil,
            !transport.media.srtpRequired || transport.media.srtp != nil
        else { return }
        switch media.prepare(packet, isKeyFrame: isKeyFrame, now: now) {
        case .send(let buffer):
            sendRtp(buffer, on: transport)
        case .needKeyFrame:
            transport.media.drops.waitingForKeyFrame += 1
            requestKeyFrame(producer: producer, now: now)
        case .waitingForKeyFrame:
            transport.media.drops.waitingForKeyFrame += 1
        case .drop:
            break
        }
    }

    /// Simulcast and SVC consumers: layer selection picks the stream and drops layers; key-frame
    /// requests go to the one stream a switch waits for.
    private func forwardLayered(_ packet: RtpPacket, isKeyFrame: Bool, to consumer: Consumer, from producer: Producer, now: MediaTime) {
        let transport = consumer.transport
        let media = consumer.media
        media.noteArrival(mappedSsrc: packet.ssrc, now: now)
        guard !consumer.paused, !consumer.producerPaused, transport.media.rtpRemote != nil,
            !transport.media.srtpRequired || transport.media.srtp != nil
        else { return }
        switch media.prepareLayered(packet, isKeyFrame: isKeyFrame, source: producer.media, now: now) {
        case .send(let buffer):
            sendRtp(buffer, on: transport)
        case .needKeyFrame, .waitingForKeyFrame:
            transport.media.drops.waitingForKeyFrame += 1
        case .drop:
            break
        }
        if let encoding = media.keyFrameRequestEncoding {
            media.keyFrameRequestEncoding = nil
            requestKeyFrame(producer: producer, encoding: encoding, now: now)
        }
        if media.layersChanged { emitLayersChange(consumer) }
    }

    /// Finds the producer of an incoming packet by SSRC, then MID, then RID, learning new SSRCs.
    private func producer(for packet: inout RtpPacket, on transport: Transport) -> Producer? {
        if let producer = transport.producer(ssrc: packet.ssrc) { return producer }
        for id in transport.producerIds {
            guard let producer = producer(withId: id) else { continue }
            let media = producer.media
            var matched = false
            if let midId = media.midExtensionId, let value = packet.extensionValue(id: midId),
                let mid = String(validating: Array(value), as: UTF8.self), mid == producer.rtpParameters.mid
            {
                matched = true
            }
            var rid: String?
            var isRepair = false
            if let ridId = media.ridExtensionId, let value = packet.extensionValue(id: ridId) {
                rid = String(validating: Array(value), as: UTF8.self)
            } else if let rridId = media.repairedRidExtensionId, let value = packet.extensionValue(id: rridId) {
                rid = String(validating: Array(value), as: UTF8.self)
                isRepair = true
            }
            if !matched, let rid, producer.rtpParameters.encodings.contains(where: { $0.rid == rid }) {
                matched = producer.rtpParameters.mid == nil
            }
            guard matched, media.learn(ssrc: packet.ssrc, rid: rid, isRepair: isRepair) else { continue }
            transport.learn(ssrc: packet.ssrc, producer: producer)
            return producer
        }
        return nil
    }

    /// Comedia latches the first valid source; afterwards (and on connected transports) only
    /// that source is accepted.
    func acceptSource(_ source: SocketAddress, on transport: Transport, socket: TransportSocket, isRtcp: Bool) -> Bool {
        let media = transport.media
        switch transport.variant {
        case .plain(let plain):
            let rtcpOnRtpSocket = plain.rtcpMux || socket == .rtp
            if isRtcp && !rtcpOnRtpSocket {
                if let remote = media.rtcpRemote {
                    guard remote == source else {
                        media.drops.wrongSource += 1
                        return false
                    }
                } else if plain.comedia {
                    media.rtcpRemote = source
                    emit(.transportTupleLearned(transportId: transport.id, broadcasterId: transport.broadcasterId, rtcp: true, remote: source.endpointText))
                } else {
                    media.drops.notConnected += 1
                    return false
                }
                return true
            }
            if let remote = media.rtpRemote {
                guard remote == source else {
                    media.drops.wrongSource += 1
                    return false
                }
            } else if plain.comedia {
                media.rtpRemote = source
                if plain.rtcpMux { media.rtcpRemote = source }
                emit(.transportTupleLearned(transportId: transport.id, broadcasterId: transport.broadcasterId, rtcp: false, remote: source.endpointText))
            } else {
                media.drops.notConnected += 1
                return false
            }
            return true
        case .webRtc:
            // ICE decides the tuple: media comes from the selected one only.
            guard let remote = media.rtpRemote else {
                media.drops.notConnected += 1
                return false
            }
            guard remote == source else {
                media.drops.wrongSource += 1
                return false
            }
            return true
        }
    }

    func sendRtp(_ buffer: ByteBuffer, on transport: Transport) {
        let media = transport.media
        guard let destination = media.rtpRemote, !media.srtpRequired || media.srtp != nil else { return }
        var data = buffer
        if case .webRtc = transport.variant { stampSendExtensions(&data, on: transport, now: lastInputTime) }
        if let srtp = media.srtp, !srtp.protectRtp(&data) { return }
        media.rtpPacketsSent += 1
        media.bytesSent += data.readableBytes
        outbox.append(OutgoingDatagram(transport: transport, socket: .rtp, destination: destination, data: data))
    }

    func sendRtcp(_ buffer: ByteBuffer, on transport: Transport) {
        let media = transport.media
        guard let destination = media.rtcpRemote ?? (transport.usesRtcpMux ? media.rtpRemote : nil),
            !media.srtpRequired || media.srtp != nil
        else { return }
        var data = buffer
        if let srtp = media.srtp, !srtp.protectRtcp(&data) { return }
        media.rtcpPacketsSent += 1
        media.bytesSent += data.readableBytes
        let socket: TransportSocket = transport.usesRtcpMux ? .rtp : .rtcp
        outbox.append(OutgoingDatagram(transport: transport, socket: socket, destination: destination, data: data))
    }

    /// Hands every pending datagram to `body` and empties the outbox.
    public func drainOutbox(_ body: (OutgoingDatagram) -> Void) {
        guard !outbox.isEmpty else { return }
        for datagram in outbox { body(datagram) }
        outbox.removeAll(keepingCapacity: true)
    }
}

extension Transport {
    var usesRtcpMux: Bool {
        switch variant {
        case .plain(let plain): return plain.rtcpMux
        case .webRtc: return true
        }
    }
}
