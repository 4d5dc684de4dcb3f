internal import COpenSSL

/// One DTLS 1.2 association for DTLS-SRTP (RFC 5764), as a sans-IO state
/// machine: datagrams go in through `receive`, datagrams to send come out of
/// `drainOutgoing`, time is passed in by the caller, and what happened is
/// reported through `drainEvents`.
///
/// Typical use from one event loop:
///
///     let session = try DtlsSession(context: context, role: .server, remoteFingerprint: fingerprint)
///     session.start(now: clock.now)
///     // on each DTLS datagram (first byte 20...63):
///     session.receive(datagram, now: clock.now)
///     for datagram in session.drainOutgoing() { send(datagram) }
///     for event in session.drainEvents() { … }   // .connected(keys) → SrtpSessions
///     // reschedule a timer for session.nextTimeout; when it fires:
///     session.handleTimeout(now: clock.now)       // then drain again
///
/// The peer must present a certificate whose digest (with the algorithm of
/// `remoteFingerprint`) equals `remoteFingerprint`; anything else fails the
/// handshake with a `bad_certificate` alert. The chain itself is not judged
/// (self-signed certificates are the norm in WebRTC).
///
/// ## Time
///
/// `now` is any monotonic clock in seconds; `nextTimeout` is on the same
/// clock. OpenSSL's retransmission timer, however, measures the wall clock
/// itself: `nextTimeout` is computed as `now` + the time OpenSSL reports as
/// remaining, and `handleTimeout` only retransmits once OpenSSL's own timer
/// has expired in real time (calling it early is harmless: nothing happens and
/// `nextTimeout` is recomputed). With a real monotonic clock the two agree.
/// A virtual clock that runs faster than real time therefore drives the
/// overall handshake deadline (`handshakeTimeout`, purely on the caller's
/// clock) but cannot speed up retransmissions; tests that exercise loss should
/// use a short `initialRetransmitTimeout` and wait in real time.
///
/// Retransmissions start after `initialRetransmitTimeout` and back off by
/// doubling (at most 60 s); OpenSSL gives up after 12 expiries, and the
/// session fails when the handshake has not completed `handshakeTimeout`
/// seconds after `start`, whichever comes first (with the defaults, 1 s
/// doubling, the 30 s deadline comes first).
///
/// ## Bad input
///
/// Datagrams are screened record by record before OpenSSL sees them: record
/// framing, content type and version, and the plausibility of unauthenticated
/// (epoch 0) records. Each datagram is handed to OpenSSL on its own, and
/// whatever OpenSSL leaves unread is discarded, so no bytes of one datagram
/// can run into the next (memory BIOs keep no datagram boundaries). Dropped
/// records, empty datagrams, received alerts other than close_notify and
/// datagrams arriving after failure are counted in `malformedRecords`.
/// A fatal OpenSSL error fails the session; its reason is the OpenSSL error
/// queue (or the fingerprint mismatch / received alert that caused it).
///
/// Application data from the peer (e.g. DataChannel SCTP) is read and discarded.
///
/// Not thread-safe and not `Sendable`: use a session from one event loop only.
public final class DtlsSession {
    /// Sizes accepted for `mtu`: OpenSSL's DTLS minimum link MTU up to the
    /// largest IPv4 UDP payload.
    public static let mtuRange = 256...65_507

    /// Values accepted for `initialRetransmitTimeout`. OpenSSL treats a timer
    /// with less than 15 ms left as expired, so shorter timeouts would fire at once.
    public static let initialRetransmitTimeoutRange = 0.02...60.0

    /// Upper bound of the retransmission back-off (OpenSSL's own default cap).
    static let maximumRetransmitMicroseconds: UInt32 = 60_000_000

    public let context: DtlsContext
    public let role: DtlsRole
    /// The fingerprint the peer's certificate must have (from its signalling).
    public let remoteFingerprint: DtlsFingerprint
    /// The SRTP profiles offered (client) or accepted (server), most preferred
    /// first; as a server, our order decides.
    public let srtpProfiles: [SrtpProfile]
    /// Largest datagram produced, in bytes.
    public let mtu: Int
    /// First retransmission timeout, in seconds.
    public let initialRetransmitTimeout: Double
    /// Time allowed from `start` to `connected`, in seconds.
    public let handshakeTimeout: Double

    public private(set) var state: DtlsState = .new
    /// Set when `state` becomes `.connected`.
    public private(set) var srtpKeys: DtlsSrtpKeys?
    /// The digest of the certificate the peer presented, computed with
    /// `remoteFingerprint.algorithm`; set as soon as it is seen (so also when
    /// it did not match).
    public internal(set) var remoteCertificateFingerprint: DtlsFingerprint?
    /// Why the session failed, once `state == .failed`.
    public private(set) var failureReason: String?
    /// When to call `handleTimeout` next, on the clock of `now`; `nil` if no
    /// timer is armed. Recomputed by every call that takes `now`.
    public private(set) var nextTimeout: Double?
    /// Bad input seen: records dropped by screening, alerts received (other
    /// than close_notify), datagrams received after failure or before a client
    /// started.
    public internal(set) var malformedRecords = 0

    /// The `SSL *`; owned. It owns both BIOs.
    private let ssl: OpaquePointer
    /// Memory BIO OpenSSL reads from; one datagram at a time is written to it.
    private let readBIO: OpaquePointer
    /// Memory BIO OpenSSL writes records to; drained after every operation.
    private let writeBIO: OpaquePointer
    let initialRetransmitMicroseconds: UInt32
    private var handshakeDeadline: Double?
    private var outgoing: [[UInt8]] = []
    private var events: [DtlsEvent] = []
    /// Set by the verify callback when the peer certificate did not match.
    var fingerprintMismatch: String?
    /// The last alert received, for failure reasons.
    var lastReceivedAlert: String?

    /// - Parameters:
    ///   - context: The shared OpenSSL context holding our certificate.
    ///   - role: `.client` sends the ClientHello on `start`.
    ///   - remoteFingerprint: What the peer's certificate must hash to.
    ///   - srtpProfiles: Offered/accepted SRTP profiles, preferred first
    ///     (default: mediasoup's order, AEAD-GCM before AES-CM). Duplicates are ignored.
    ///   - mtu: Largest datagram to produce (`mtuRange`).
    ///   - initialRetransmitTimeout: First retransmission timeout in seconds
    ///     (`initialRetransmitTimeoutRange`; RFC 6347 suggests 1 s).
    ///   - handshakeTimeout: Seconds from `start` until an unfinished handshake fails.
    /// - Throws: `CryptoError.invalidArgument` for an empty profile list or an
    ///   out-of-range number; `CryptoError.openSSL` if OpenSSL refuses a setting.
    public init(
        context: DtlsContext,
        role: DtlsRole,
        remoteFingerprint: DtlsFingerprint,
        srtpProfiles: [SrtpProfile] = [.aeadAes256Gcm, .aeadAes128Gcm, .aesCm128HmacSha1_80, .aesCm128HmacSha1_32],
        mtu: Int = 1200,
        initialRetransmitTimeout: Double = 1.0,
        handshakeTimeout: Double = 30
    ) throws(CryptoError) {
        var profiles: [SrtpProfile] = []
        for profile in srtpProfiles where !profiles.contains(profile) {
            profiles.append(profile)
        }
        guard !profiles.isEmpty else {
            throw .invalidArgument("srtpProfiles must not be empty")
        }
        guard Self.mtuRange.contains(mtu) else {
            throw .invalidArgument("mtu must be in \(Self.mtuRange), got \(mtu)")
        }
        guard Self.initialRetransmitTimeoutRange.contains(initialRetransmitTimeout) else {
            throw .invalidArgument(
                "initialRetransmitTimeout must be in \(Self.initialRetransmitTimeoutRange) seconds, got \(initialRetransmitTimeout)"
            )
        }
        guard handshakeTimeout > 0, handshakeTimeout.isFinite else {
            throw .invalidArgument("handshakeTimeout must be positive, got \(handshakeTimeout)")
        }

        let (ssl, readBIO, writeBIO) = try Self.makeSSL(context: context, role: role, profiles: profiles, mtu: mtu)
        self.context = context
        self.role = role
        self.remoteFingerprint = remoteFingerprint
        self.srtpProfiles = profiles
        self.mtu = mtu
        self.initialRetransmitTimeout = initialRetransmitTimeout
        self.handshakeTimeout = handshakeTimeout
        self.initialRetransmitMicroseconds = UInt32((initialRetransmitTimeout * 1_000_000).rounded())
        self.ssl = ssl
        self.readBIO = readBIO
        self.writeBIO = writeBIO

        // The callbacks find this object through the SSL's app data (index 0).
        // Unretained: the SSL is freed in deinit, and OpenSSL only calls back
        // from within our own SSL calls.
        _ = SSL_set_ex_data(ssl, 0, Unmanaged.passUnretained(self).toOpaque())
        SSL_set_verify(ssl, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT) { preverified, store in
            DtlsSession.verifyCallback(preverified, store)
        }
        DTLS_set_timer_cb(ssl) { ssl, previous in
            DtlsSession.timerCallback(ssl, previous)
        }
        SSL_set_info_callback(ssl) { ssl, kind, value in
            DtlsSession.infoCallback(ssl, kind, value)
        }
    }

    /// A session with a context of its own for `certificate`. Prefer sharing
    /// one `DtlsContext` between sessions: each context is a separate `SSL_CTX`.
    public convenience init(
        certificate: DtlsCertificate,
        role: DtlsRole,
        remoteFingerprint: DtlsFingerprint,
        srtpProfiles: [SrtpProfile] = [.aeadAes256Gcm, .aeadAes128Gcm, .aesCm128HmacSha1_80, .aesCm128HmacSha1_32],
        mtu: Int = 1200,
        initialRetransmitTimeout: Double = 1.0,
        handshakeTimeout: Double = 30
    ) throws(CryptoError) {
        try self.init(
            context: DtlsContext(certificate: certificate),
            role: role,
            remoteFingerprint: remoteFingerprint,
            srtpProfiles: srtpProfiles,
            mtu: mtu,
            initialRetransmitTimeout: initialRetransmitTimeout,
            handshakeTimeout: handshakeTimeout
        )
    }

    deinit {
        _ = SSL_set_ex_data(ssl, 0, nil)  // no callback may reach a dying object
        SSL_free(ssl)  // also frees both BIOs
    }

    // MARK: - Driving

    /// Starts the handshake: a client produces its ClientHello (see
    /// `drainOutgoing`), a server waits for one. Arms the overall handshake
    /// deadline. Only the first call has an effect.
    ///
    /// A server that receives a valid datagram before `start` starts implicitly.
    public func start(now: Double) {
        guard state == .new else { return }
        state = .connecting
        handshakeDeadline = now + handshakeTimeout
        if role == .client {
            advanceHandshake()
        }
        finishOperation(now: now)
    }

    /// Feeds one received datagram (DTLS content: first byte 20...63).
    public func receive(_ datagram: [UInt8], now: Double) {
        datagram.withUnsafeBytes { receive($0, now: now) }
    }

    /// Feeds one received datagram (DTLS content: first byte 20...63).
    /// The bytes are copied; the buffer may be reused afterwards.
    public func receive(_ datagram: UnsafeRawBufferPointer, now: Double) {
        switch state {
        case .failed:
            malformedRecords += 1
            return
        case .closed:
            return
        case .new where role == .client:
            malformedRecords += 1
            return
        case .new, .connecting, .connected:
            break
        }

        let screened = DtlsRecords.screen(datagram)
        malformedRecords += datagram.isEmpty ? 1 : screened.rejected
        guard !screened.accepted.isEmpty else {
            if state != .new { finishOperation(now: now) }
            return
        }
        if state == .new {
            start(now: now)
        }

        // One datagram at a time: OpenSSL's DTLS record layer reads the whole
        // BIO content as one datagram.
        _ = sluice_BIO_reset(readBIO)
        let written = screened.accepted.withUnsafeBytes { bytes in
            BIO_write(readBIO, bytes.baseAddress, Int32(bytes.count))
        }
        if written == Int32(screened.accepted.count) {
            if state == .connecting {
                advanceHandshake()
            }
            if state == .connected {
                readApplicationData()
            }
        }
        // Nothing of this datagram may leak into the next one.
        _ = sluice_BIO_reset(readBIO)
        finishOperation(now: now)
    }

    /// Datagrams produced since the last call, in sending order, each at most
    /// `mtu` bytes (records are never split; several may share a datagram).
    public func drainOutgoing() -> [[UInt8]] {
        defer { outgoing.removeAll() }
        return outgoing
    }

    /// Events since the last call, in order.
    public func drainEvents() -> [DtlsEvent] {
        defer { events.removeAll() }
        return events
    }

    /// Retransmits the last flight if OpenSSL's timer has expired, and fails
    /// the session after too many retransmissions or past the handshake
    /// deadline. Call when `now >= nextTimeout`; early calls are harmless.
    public func handleTimeout(now: Double) {
        guard state == .connecting || state == .connected else { return }
        if state == .connecting, let deadline = handshakeDeadline, now >= deadline {
            fail("DTLS handshake not completed within \(handshakeTimeout) s")
            finishOperation(now: now)
            return
        }
        ERR_clear_error()
        if sluice_DTLSv1_handle_timeout(ssl) < 0 {
            fail(failureDescription("DTLS retransmission failed"))
        }
        finishOperation(now: now)
    }

    /// Ends the session: sends close_notify if the handshake has completed
    /// (OpenSSL cannot send one during the handshake), moves to `.closed` and
    /// reports `.closed`. No effect once failed or closed.
    public func close() {
        switch state {
        case .failed, .closed:
            return
        case .new:
            break
        case .connecting, .connected:
            if SSL_is_init_finished(ssl) == 1 {
                ERR_clear_error()
                _ = SSL_shutdown(ssl)
                ERR_clear_error()
                flushOutgoing()
            }
        }
        state = .closed
        handshakeDeadline = nil
        nextTimeout = nil
        events.append(.closed)
    }

    // MARK: - Internals

    private func advanceHandshake() {
        ERR_clear_error()
        let result = SSL_do_handshake(ssl)
        if result == 1 {
            completeHandshake()
            return
        }
        let error = SSL_get_error(ssl, result)
        switch error {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            ERR_clear_error()
        case SSL_ERROR_ZERO_RETURN:
            peerClosed()
        default:
            fail(failureDescription("DTLS handshake failed"))
        }
    }

    private func completeHandshake() {
        // The verify callback already pinned the certificate; check again on
        // the final state so that no path can connect without a match.
        guard let peer = SSL_get1_peer_certificate(ssl) else {
            fail("DTLS handshake completed without a peer certificate")
            return
        }
        let matches = checkPeerCertificate(peer)
        X509_free(peer)
        guard matches else {
            fail(fingerprintMismatch ?? "remote certificate fingerprint mismatch")
            return
        }

        guard let selected = SSL_get_selected_srtp_profile(ssl) else {
            fail("no SRTP profile negotiated (use_srtp extension missing or no common profile)")
            return
        }
        let id = selected.pointee.id
        guard let profile = SrtpProfile(dtlsProfileID: id), srtpProfiles.contains(profile) else {
            fail("peer selected an unsupported SRTP profile 0x\(String(id, radix: 16))")
            return
        }

        var material = [UInt8](repeating: 0, count: 2 * profile.keyAndSaltLength)
        let label = "EXTRACTOR-dtls_srtp"
        ERR_clear_error()
        let exported = material.withUnsafeMutableBufferPointer { buffer in
            SSL_export_keying_material(ssl, buffer.baseAddress, buffer.count, label, label.utf8.count, nil, 0, 0)
        }
        defer {
            for index in material.indices { material[index] = 0 }
        }
        guard exported == 1,
              let keys = DtlsSrtpKeys(profile: profile, exportedKeyingMaterial: material, role: role)
        else {
            fail(failureDescription("SRTP keying material export failed"))
            return
        }
        srtpKeys = keys
        state = .connected
        handshakeDeadline = nil
        events.append(.connected(keys))
    }

    /// Reads (and discards) application data until OpenSSL wants more input;
    /// also lets OpenSSL answer retransmitted handshake flights and alerts.
    private func readApplicationData() {
        let outcome = withUnsafeTemporaryAllocation(byteCount: 16_384, alignment: 16) { buffer -> Int32 in
            while true {
                ERR_clear_error()
                let count = SSL_read(ssl, buffer.baseAddress, Int32(buffer.count))
                if count <= 0 {
                    return SSL_get_error(ssl, count)
                }
            }
        }
        switch outcome {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            ERR_clear_error()
        case SSL_ERROR_ZERO_RETURN:
            peerClosed()
        default:
            fail(failureDescription("DTLS read failed"))
        }
    }

    private func peerClosed() {
        guard state == .connecting || state == .connected else { return }
        if SSL_is_init_finished(ssl) == 1 {
            ERR_clear_error()
            _ = SSL_shutdown(ssl)  // answer with our close_notify
        }
        ERR_clear_error()
        state = .closed
        handshakeDeadline = nil
        events.append(.closed)
    }

    private func fail(_ reason: String) {
        guard state != .failed, state != .closed else { return }
        state = .failed
        failureReason = reason
        handshakeDeadline = nil
        srtpKeys = nil
        events.append(.failed(reason: reason))
    }

    /// The best explanation of a failure: our fingerprint verdict, else the
    /// alert the peer sent, plus the drained OpenSSL error queue.
    private func failureDescription(_ summary: String) -> String {
        let openSSLErrors = CryptoError.drainedOpenSSLErrors()
        if let fingerprintMismatch {
            return fingerprintMismatch
        }
        if let lastReceivedAlert {
            return "\(summary): received \(lastReceivedAlert) (\(openSSLErrors))"
        }
        return "\(summary): \(openSSLErrors)"
    }

    private func finishOperation(now: Double) {
        flushOutgoing()
        updateTimer(now: now)
    }

    /// Moves what OpenSSL wrote into `outgoing`, packed into datagrams.
    private func flushOutgoing() {
        let pending = BIO_ctrl_pending(writeBIO)
        guard pending > 0 else { return }
        var stream = [UInt8](repeating: 0, count: pending)
        let read = stream.withUnsafeMutableBytes { bytes in
            BIO_read(writeBIO, bytes.baseAddress, Int32(clamping: bytes.count))
        }
        guard read > 0 else { return }
        if Int(read) < stream.count {
            stream.removeLast(stream.count - Int(read))
        }
        outgoing.append(contentsOf: DtlsRecords.packDatagrams(stream, mtu: mtu))
    }

    private func updateTimer(now: Double) {
        guard state == .connecting || state == .connected else {
            nextTimeout = nil
            return
        }
        var next: Double?
        let remaining = sluice_DTLSv1_get_timeout_us(ssl)
        if remaining >= 0 {
            next = now + Double(remaining) / 1_000_000
        }
        if let deadline = handshakeDeadline {
            next = min(next ?? deadline, deadline)
        }
        nextTimeout = next
    }
}

/// A session is confined to one event loop; this makes the intent explicit.
@available(*, unavailable)
extension DtlsSession: Sendable {}
