public import NIOCore
internal import SluiceRTP

extension Router {
    func receiveRtcp(_ data: ByteBuffer, on transport: Transport, socket: TransportSocket, from source: SocketAddress, now: MediaTime) {
        let media = transport.media
        let packets: [RtcpPacket]
        do {
            packets = try RtcpCompound.parse(data)
        } catch {
            media.drops.malformedRtcp += 1
            return
        }
        guard acceptSource(source, on: transport, socket: socket, isRtcp: true) else { return }
        media.rtcpPacketsReceived += 1
        for packet in packets {
            switch packet {
            case .senderReport(let report):
                if let producer = transport.producer(ssrc: report.ssrc), let stream = producer.media.stream(forSsrc: report.ssrc) {
                    stream.senderReportReceived(report, now: now)
                    if !producer.taps.isEmpty, stream.mappedSsrc == producer.tappedSsrc {
                        tapProducer(
                            producer,
                            .senderReport(ntp: report.ntpTimestamp, rtpTimestamp: report.rtpTimestamp, arrival: stream.lastSenderReportCapturedAt ?? now))
                    }
                }
                receiverReports(report.reports, on: transport, now: now)
            case .receiverReport(let report):
                receiverReports(report.reports, on: transport, now: now)
            case .nack(let nack):
                guard let consumer = media.consumersBySsrc[nack.mediaSsrc] else { continue }
                for buffer in consumer.media.stream.retransmit(nack.lostSequenceNumbers, now: now) {
                    sendRtp(buffer, on: transport)
                }
            case .pli(let pli):
                guard let consumer = media.consumersBySsrc[pli.mediaSsrc] else { continue }
                consumer.media.stream.keyFrameRequested(fir: false)
                consumerRequestedKeyFrame(consumer, now: now)
            case .fir(let fir):
                for entry in fir.entries {
                    guard let consumer = media.consumersBySsrc[entry.ssrc] else { continue }
                    consumer.media.stream.keyFrameRequested(fir: true)
                    consumerRequestedKeyFrame(consumer, now: now)
                }
            case .extendedReport(let report):
                for block in report.blocks {
                    if case .receiverReferenceTime(let ntp) = block {
                        media.lastReceiverReferenceTime = (UInt32(truncatingIfNeeded: ntp >> 16), now)
                    }
                }
            case .sourceDescription, .goodbye, .remb, .transportCC, .unknown:
                // Congestion feedback is not acted on yet; SDES and BYE carry nothing we need.
                continue
            }
        }
    }

    private func receiverReports(_ reports: [ReceptionReport], on transport: Transport, now: MediaTime) {
        for report in reports {
            guard let consumer = transport.media.consumersBySsrc[report.ssrc] else { continue }
            let stream = consumer.media.stream
            let before = stream.score.score
            stream.receiverReportReceived(report, now: now, clock: ntpClock)
            if stream.score.score != before {
                emit(.score(kind: "consumer", id: consumer.id, broadcasterId: consumer.broadcasterId, score: stream.score.score))
            }
        }
    }

    private func producerStream(ssrc: UInt32, on transport: Transport) -> RtpStreamRecv? {
        transport.producer(ssrc: ssrc)?.media.stream(forSsrc: ssrc)
    }

    func consumerRequestedKeyFrame(_ consumer: Consumer, now: MediaTime) {
        // A paused consumer shows nothing; its next resume asks for a key frame anyway.
        guard !consumer.paused, let producer = producer(withId: consumer.producerId) else { return }
        // Simulcast: only the stream being (or about to be) forwarded.
        if let encoding = consumer.media.layers?.keyFrameRequestTarget {
            requestKeyFrame(producer: producer, encoding: encoding, now: now)
            return
        }
        requestKeyFrame(producer: producer, now: now)
    }

    /// Asks the producer's sender for a key frame on every stream, coalesced per SSRC.
    func requestKeyFrame(producer: Producer, now: MediaTime) {
        // Audio has no key frames: the reference engine ignores such requests too.
        guard producer.kind == .video else { return }
        for case let stream? in producer.media.streams {
            guard producer.media.keyFrameRequests.request(ssrc: stream.ssrc, now: now) else { continue }
            sendKeyFrameRequest(producer: producer, ssrc: stream.ssrc)
        }
    }

    func sendKeyFrameRequest(producer: Producer, ssrc: UInt32) {
        guard let transport = transports[producer.transportId] else { return }
        let sender = transport.media.rtcpSsrc
        let packet: RtcpPacket
        if producer.media.useFir {
            let entry = FullIntraRequest.Entry(ssrc: ssrc, sequenceNumber: producer.media.nextFirSequence(ssrc: ssrc))
            packet = .fir(FullIntraRequest(senderSsrc: sender, mediaSsrc: 0, entries: [entry]))
        } else {
            packet = .pli(PictureLossIndication(senderSsrc: sender, mediaSsrc: ssrc))
        }
        producer.keyFrameRequestsSent += 1
        sendRtcp(RtcpCompound.serialize([packet]), on: transport)
    }

    // MARK: Timers

    /// Runs what is due: RTCP reports, NACKs, key-frame request retries. Call at least every
    /// ``timerInterval`` milliseconds.
    public func handleTimeout(now: MediaTime) {
        if now > lastInputTime { lastInputTime = now }
        handleDtlsTimeouts(now: now)
        sendCongestionFeedback(now: now)
        for producer in producers.values {
            sendNacks(producer: producer, now: now)
            for ssrc in producer.media.keyFrameRequests.expired(now: now) {
                sendKeyFrameRequest(producer: producer, ssrc: ssrc)
            }
        }
        for transport in transports.values {
            checkIceConsent(on: transport, now: now)
            let media = transport.media
            guard let due = media.nextRtcpAt else {
                media.nextRtcpAt = now + rtcpInterval(for: transport)
                continue
            }
            guard now >= due else { continue }
            sendReports(on: transport, now: now)
            media.nextRtcpAt = now + rtcpInterval(for: transport)
        }
    }

    /// How often the caller should call ``handleTimeout(now:)``.
    public static let timerInterval: UInt64 = 20

    private func rtcpInterval(for transport: Transport) -> UInt64 {
        let hasVideo = transport.producerIds.contains { producer(withId: $0)?.kind == .video }
            || transport.consumerIds.contains { consumer(withId: $0)?.kind == .video }
        let hasProducers = !transport.producerIds.isEmpty
        let base: UInt64 = (hasProducers && !hasVideo) ? 5000 : 1000
        return base + UInt64(random.int(in: 0...Int(base / 2)))
    }

    private func sendNacks(producer: Producer, now: MediaTime) {
        guard producer.media.nackEnabled, let transport = transports[producer.transportId] else { return }
        for case let stream? in producer.media.streams {
            guard var nack = stream.nack else { continue }
            let lost = nack.due(now: now, rttMilliseconds: 100)
            stream.nack = nack
            guard !lost.isEmpty else { continue }
            let packet = GenericNack(senderSsrc: transport.media.rtcpSsrc, mediaSsrc: stream.ssrc, lostSequenceNumbers: lost)
            sendRtcp(RtcpCompound.serialize([.nack(packet)]), on: transport)
        }
    }

    /// RR (+ XR RRT) about what the transport receives, SR + SDES (+ XR DLRR) about what it sends.
    private func sendReports(on transport: Transport, now: MediaTime) {
        var packets: [RtcpPacket] = []
        var reports: [ReceptionReport] = []
        for id in transport.producerIds {
            guard let producer = producer(withId: id) else { continue }
            for case let stream? in producer.media.streams {
                let before = stream.score.score
                if let report = stream.receptionReport(now: now) { reports.append(report) }
                if stream.score.score != before {
                    emit(.score(kind: "producer", id: producer.id, broadcasterId: producer.broadcasterId, score: stream.score.score))
                }
            }
        }
        if !reports.isEmpty {
            for chunk in stride(from: 0, to: reports.count, by: 31) {
                packets.append(
                    .receiverReport(
                        ReceiverReport(ssrc: transport.media.rtcpSsrc, reports: Array(reports[chunk..<min(chunk + 31, reports.count)]))))
            }
            packets.append(
                .extendedReport(ExtendedReport(ssrc: transport.media.rtcpSsrc, blocks: [.receiverReferenceTime(ntpTimestamp: ntpClock.ntp(now))])))
        }
        for id in transport.consumerIds {
            guard let consumer = consumer(withId: id) else { continue }
            checkLayerActivity(consumer, now: now)
            // The forwarded stream's SR, on the consumer's timeline (simulcast rewrites timestamps).
            let reference = producer(withId: consumer.producerId).flatMap { consumer.media.senderReportReference(source: $0.media) }
            guard let report = consumer.media.stream.senderReport(now: now, clock: ntpClock, reference: reference) else {
                continue
            }
            packets.append(.senderReport(report))
            if let cname = consumer.rtpParameters.rtcp.cname {
                packets.append(.sourceDescription(SourceDescription.cname(ssrc: report.ssrc, cname: cname)))
            }
            if let rrt = transport.media.lastReceiverReferenceTime {
                let delay = UInt32(truncatingIfNeeded: now.milliseconds(since: rrt.at) * 65536 / 1000)
                let block = ExtendedReport.DlrrSubBlock(ssrc: report.ssrc, lastReceiverReport: rrt.ntpCompact, delaySinceLastReceiverReport: delay)
                packets.append(.extendedReport(ExtendedReport(ssrc: report.ssrc, blocks: [.dlrr([block])])))
            }
        }
        guard !packets.isEmpty else { return }
        // Keep each compound packet well under the MTU.
        var batch: [RtcpPacket] = []
        for packet in packets {
            batch.append(packet)
            if batch.count >= 8 {
                sendRtcp(RtcpCompound.serialize(batch), on: transport)
                batch.removeAll()
            }
        }
        if !batch.isEmpty { sendRtcp(RtcpCompound.serialize(batch), on: transport) }
    }
}
