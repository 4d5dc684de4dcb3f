public import NIOCore
internal import SluiceRTP
internal import Foundation

/// ICE-lite on WebRTC transports: we answer connectivity checks, never send our own, and take
/// the tuple the controlling peer nominates (USE-CANDIDATE).
extension Router {
    /// Consent expires when no valid check arrived for this long (the reference's 30 s).
    static let iceConsentTimeout: UInt64 = 30_000

    func receiveStun(_ data: ByteBuffer, on transport: Transport, from source: SocketAddress, now: MediaTime) {
        receiveStun(data, on: transport, from: .udp(source), now: now)
    }

    func receiveStun(_ data: ByteBuffer, on transport: Transport, from tuple: RemoteTuple, now: MediaTime) {
        let media = transport.media
        guard case .webRtc(var state) = transport.variant else { return }
        guard let request = try? StunMessage(parsing: data), request.messageClass == .request,
            request.method == StunMessage.bindingMethod
        else {
            media.drops.malformedStun += 1
            return
        }
        // USERNAME is "ourUfrag:theirUfrag"; a wrong one, or a bad integrity or fingerprint,
        // gets no answer so that probes learn nothing.
        let source = tuple.address
        let password = Array(state.iceParameters.password.utf8)
        guard let username = request.username,
            username.split(separator: ":", maxSplits: 1).first.map(String.init) == state.iceParameters.usernameFragment,
            request.hasMessageIntegrity, request.verifyMessageIntegrity(password: password, raw: data),
            !request.hasFingerprint || request.verifyFingerprint(raw: data),
            let address = source.rawAddressBytes, let port = source.port
        else {
            media.drops.stunAuthFailure += 1
            return
        }
        let response = StunMessage.bindingSuccess(to: request, mappedAddress: address, port: UInt16(truncatingIfNeeded: port))
        outbox.append(
            OutgoingDatagram(
                transport: transport, socket: .rtp, tuple: tuple,
                data: response.serialized(integrityPassword: password, fingerprint: true)))
        media.lastConsentAt = now
        media.webRtcServer?.learn(tuple, for: transport)
        let before = state.iceState
        if state.iceState == .new || state.iceState == .disconnected { state.iceState = .connected }
        var selected = false
        if request.useCandidate, media.selectedTuple != tuple {
            media.selectedTuple = tuple
            media.rtpRemote = source
            media.rtcpRemote = source
            state.iceState = .completed
            selected = true
            emit(
                .transportTupleLearned(
                    transportId: transport.id, broadcasterId: transport.broadcasterId, rtcp: false,
                    remote: source.endpointText))
        }
        transport.variant = .webRtc(state)
        if state.iceState != before {
            emit(.iceStateChanged(transportId: transport.id, broadcasterId: transport.broadcasterId, state: state.iceState.rawValue))
        }
        if selected { startDtlsIfReady(transport, now: now) }
    }

    /// Consent freshness: without valid checks for the timeout the transport disconnects.
    func checkIceConsent(on transport: Transport, now: MediaTime) {
        guard case .webRtc(var state) = transport.variant, state.iceState == .connected || state.iceState == .completed,
            let last = transport.media.lastConsentAt, now.milliseconds(since: last) >= Self.iceConsentTimeout
        else { return }
        disconnectIce(transport, state: &state)
        // Its tuples no longer route to it on a shared port until a new check succeeds.
        transport.media.webRtcServer?.removeTuples(of: transport)
    }

    /// The selected tuple went away (its ICE-TCP connection closed).
    func iceSelectedTupleLost(_ transport: Transport) {
        guard case .webRtc(var state) = transport.variant else { return }
        if state.iceState == .connected || state.iceState == .completed {
            disconnectIce(transport, state: &state)
        } else {
            transport.media.selectedTuple = nil
            transport.media.rtpRemote = nil
            transport.media.rtcpRemote = nil
        }
    }

    private func disconnectIce(_ transport: Transport, state: inout WebRtcTransportState) {
        state.iceState = .disconnected
        transport.media.selectedTuple = nil
        transport.media.rtpRemote = nil
        transport.media.rtcpRemote = nil
        transport.variant = .webRtc(state)
        emit(.iceStateChanged(transportId: transport.id, broadcasterId: transport.broadcasterId, state: state.iceState.rawValue))
    }
}

extension SocketAddress {
    /// The IP address as 4 or 16 network-order bytes (for XOR-MAPPED-ADDRESS).
    var rawAddressBytes: [UInt8]? {
        switch self {
        case .v4(let address):
            return withUnsafeBytes(of: address.address.sin_addr) { Array($0) }
        case .v6(let address):
            return withUnsafeBytes(of: address.address.sin6_addr) { Array($0) }
        case .unixDomainSocket:
            return nil
        }
    }
}
