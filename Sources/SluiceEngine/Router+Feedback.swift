public import NIOCore
internal import SluiceRTP

/// What browsers need on WebRTC transports beyond RTP itself: transport-wide sequence numbers
/// and abs-send-time written on what we send, transport-cc feedback on what WebRTC producers
/// send us, and REMB for senders that negotiated only that.
extension Router {
    /// How often transport-cc feedback goes out (libwebrtc's default).
    static let transportFeedbackInterval: UInt64 = 100
    /// How often REMB goes out to producers that use it.
    static let rembInterval: UInt64 = 1_000

    /// Router ids of the extensions stamped on send (the router's capabilities fix them).
    var sendExtensionIds: (absSendTime: UInt8?, transportWideCc: UInt8?) {
        func id(_ uri: String) -> UInt8? {
            rtpCapabilities.headerExtensions.first { $0.uri == uri && (1...14).contains($0.preferredId) }
                .map { UInt8($0.preferredId) }
        }
        return (id(RtpHeaderExtensionUri.absSendTime), id(RtpHeaderExtensionUri.transportWideCc))
    }

    /// Overwrites abs-send-time and the transport-wide sequence number of a packet about to
    /// leave a WebRTC transport, when the packet carries them (the consumer negotiated them).
    func stampSendExtensions(_ buffer: inout ByteBuffer, on transport: Transport, now: MediaTime) {
        guard case .webRtc = transport.variant, var packet = try? RtpPacket(parsing: buffer), packet.extensionProfile != nil else { return }
        let ids = sendExtensionIds
        var changed = false
        if let id = ids.absSendTime, packet.extensionValue(id: id)?.count == 3 {
            // 6.18 fixed-point seconds, 24 bits.
            let value = UInt32(truncatingIfNeeded: (now.nanoseconds << 18) / 1_000_000_000) & 0x00FF_FFFF
            packet.setExtension(id: id, value: [UInt8(value >> 16), UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)])
            changed = true
        }
        if let id = ids.transportWideCc, packet.extensionValue(id: id)?.count == 2 {
            let sequence = transport.media.nextWideSequence
            transport.media.nextWideSequence &+= 1
            packet.setExtension(id: id, value: [UInt8(sequence >> 8), UInt8(truncatingIfNeeded: sequence)])
            changed = true
        }
        if changed { buffer = packet.buffer }
    }

    /// Notes the transport-wide sequence number of a packet from a WebRTC producer.
    func recordWideSequence(_ packet: RtpPacket, on transport: Transport, now: MediaTime) {
        guard case .webRtc = transport.variant, let id = sendExtensionIds.transportWideCc,
            let value = packet.extensionValue(id: id), value.count == 2
        else { return }
        let sequence = UInt16(value[value.startIndex]) << 8 | UInt16(value[value.index(after: value.startIndex)])
        let media = transport.media
        guard media.wideArrivals.count < 4096 else { return }
        media.wideArrivals.append(TransportLayerCC.Arrival(sequenceNumber: sequence, arrivalTimeMicros: Int64(now.microseconds)))
    }

    /// Sends transport-cc feedback (every 100 ms) and REMB (every second) on WebRTC transports.
    func sendCongestionFeedback(now: MediaTime) {
        for transport in transports.values {
            guard case .webRtc = transport.variant, transport.media.srtp != nil else { continue }
            let media = transport.media
            if !media.wideArrivals.isEmpty, now.milliseconds(since: media.lastTransportFeedbackAt) >= Self.transportFeedbackInterval {
                media.lastTransportFeedbackAt = now
                let mediaSsrc = transport.producerIds.lazy.compactMap { self.producer(withId: $0)?.rtpParameters.encodings.first?.ssrc }.first ?? 0
                let feedback = TransportLayerCC.build(
                    senderSsrc: media.rtcpSsrc, mediaSsrc: mediaSsrc, feedbackPacketCount: media.transportFeedbackCount,
                    arrivals: media.wideArrivals)
                media.wideArrivals.removeAll(keepingCapacity: true)
                media.transportFeedbackCount &+= UInt8(truncatingIfNeeded: feedback.count)
                if !feedback.isEmpty { sendRtcp(RtcpCompound.serialize(feedback.map { .transportCC($0) }), on: transport) }
            }
            if now.milliseconds(since: media.lastRembAt) >= Self.rembInterval {
                media.lastRembAt = now
                sendRemb(on: transport, now: now)
            }
        }
    }

    /// REMB for producers that negotiated goog-remb and not transport-cc: lets the sender grow
    /// to 1.5× what arrives (at least 300 kb/s), as a receiver-side estimate would.
    private func sendRemb(on transport: Transport, now: MediaTime) {
        var ssrcs: [UInt32] = []
        var bitrate = 0
        for producerId in transport.producerIds {
            guard let producer = producer(withId: producerId),
                let codec = producer.rtpParameters.codecs.first(where: { !$0.isRtx }),
                codec.rtcpFeedback.contains(where: { $0.type == "goog-remb" }),
                !codec.rtcpFeedback.contains(where: { $0.type == "transport-cc" })
            else { continue }
            for case let stream? in producer.media.streams {
                ssrcs.append(stream.ssrc)
                bitrate += stream.bitrate.current(now: now)
            }
        }
        guard !ssrcs.isEmpty else { return }
        let estimate = UInt64(min(max(bitrate * 3 / 2, 300_000), 20_000_000))
        let remb = ReceiverEstimatedMaxBitrate(senderSsrc: transport.media.rtcpSsrc, bitrate: estimate, ssrcs: ssrcs)
        sendRtcp(RtcpCompound.serialize([.remb(remb)]), on: transport)
    }
}
