public import NIOCore
internal import SluiceCrypto
internal import SluiceRTP

/// DTLS-SRTP on WebRTC transports: the handshake runs over the ICE-selected tuple, the peer's
/// certificate must match the fingerprint `connect` gave, and the exported keys become the
/// transport's SRTP context.
extension Router {
    /// Creates the transport's DTLS session on connect: our role is the opposite of the
    /// peer's (`auto` peers are served by us as client).
    func setUpDtls(_ transport: Transport, remote: DtlsParameters) {
        guard let context = configuration.dtlsContext, case .webRtc = transport.variant else { return }
        let role: SluiceCrypto.DtlsRole = remote.role == .client ? .server : .client
        guard let fingerprint = Self.strongestFingerprint(remote.fingerprints) else { return }
        do {
            transport.media.dtls = try DtlsSession(context: context, role: role, remoteFingerprint: fingerprint)
        } catch {
            setDtlsState(.failed, on: transport, reason: "DTLS set-up failed: \(error)")
            return
        }
        startDtlsIfReady(transport, now: lastInputTime)
    }

    /// A client starts its handshake once ICE has selected a tuple to send it to.
    func startDtlsIfReady(_ transport: Transport, now: MediaTime) {
        guard let session = transport.media.dtls, session.role == .client, session.state == .new,
            transport.media.rtpRemote != nil
        else { return }
        session.start(now: now.seconds)
        pumpDtls(transport, now: now)
    }

    func receiveDtls(_ data: ByteBuffer, on transport: Transport, from source: SocketAddress, now: MediaTime) {
        let media = transport.media
        guard let session = media.dtls, let remote = media.rtpRemote, remote == source,
            session.state == .new || session.state == .connecting || session.state == .connected
        else {
            media.drops.dtls += 1
            return
        }
        data.withUnsafeReadableBytes { session.receive($0, now: now.seconds) }
        pumpDtls(transport, now: now)
    }

    /// Sends what the session produced and applies its events.
    func pumpDtls(_ transport: Transport, now: MediaTime) {
        let media = transport.media
        guard let session = media.dtls else { return }
        if session.malformedRecords > media.dtlsMalformedSeen {
            media.drops.dtls += session.malformedRecords - media.dtlsMalformedSeen
            media.dtlsMalformedSeen = session.malformedRecords
        }
        if let destination = media.rtpRemote {
            for datagram in session.drainOutgoing() {
                media.bytesSent += datagram.count
                outbox.append(OutgoingDatagram(transport: transport, socket: .rtp, destination: destination, data: ByteBuffer(bytes: datagram)))
            }
        }
        for event in session.drainEvents() {
            switch event {
            case .connected:
                guard let keys = session.srtpKeys else { continue }
                do {
                    media.srtp = try SrtpContext(profile: keys.profile, localKey: keys.localKeyAndSalt, remoteKey: keys.remoteKeyAndSalt)
                    setDtlsState(.connected, on: transport, reason: nil)
                    // Consumers start now: each on a fresh key frame.
                    for consumerId in transport.consumerIds {
                        guard let consumer = consumer(withId: consumerId), let producer = producer(withId: consumer.producerId) else { continue }
                        consumer.media.syncRequired = true
                        requestKeyFrame(producer: producer, now: now)
                    }
                } catch {
                    setDtlsState(.failed, on: transport, reason: "SRTP keys refused: \(error)")
                }
            case .failed(let reason):
                media.srtp = nil
                setDtlsState(.failed, on: transport, reason: reason)
            case .closed:
                media.srtp = nil
                setDtlsState(.closed, on: transport, reason: nil)
            }
        }
    }

    /// DTLS retransmissions and handshake timeouts, from the router's timer.
    func handleDtlsTimeouts(now: MediaTime) {
        let seconds = now.seconds
        for transport in transports.values {
            guard let session = transport.media.dtls, let due = session.nextTimeout, due <= seconds else { continue }
            session.handleTimeout(now: seconds)
            pumpDtls(transport, now: now)
        }
    }

    func setDtlsState(_ dtlsState: SluiceEngine.DtlsState, on transport: Transport, reason: String?) {
        guard case .webRtc(var state) = transport.variant, state.dtlsState != dtlsState else { return }
        state.dtlsState = dtlsState
        transport.variant = .webRtc(state)
        emit(.dtlsStateChanged(transportId: transport.id, broadcasterId: transport.broadcasterId, state: dtlsState.rawValue, reason: reason))
    }

    /// The peer's fingerprint we verify: the strongest hash it gave.
    static func strongestFingerprint(_ fingerprints: [DtlsFingerprintParameters]) -> DtlsFingerprint? {
        let parsed = fingerprints.compactMap { try? DtlsFingerprint.parse(algorithm: $0.algorithm, value: $0.value).get() }
        let order: [String] = ["sha-512", "sha-384", "sha-256", "sha-224", "sha-1"]
        return parsed.min { (order.firstIndex(of: $0.algorithm.rawValue) ?? 99) < (order.firstIndex(of: $1.algorithm.rawValue) ?? 99) }
    }
}

extension MediaTime {
    /// Seconds, for components that count time as `Double`.
    public var seconds: Double { Double(nanoseconds) / 1_000_000_000 }
}
