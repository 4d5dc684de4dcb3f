public import NIOCore
internal import SluiceRTP

/// WebRTC transports on the worker's shared port (``WebRtcServer``), and ICE restarts.
extension Router {
    /// A packet the shared port routed to one of this router's transports.
    ///
    /// STUN is checked by the transport's ICE credentials; DTLS and media must come from the
    /// ICE-selected tuple, the protocol and TCP connection included.
    func receive(_ data: ByteBuffer, on transport: Transport, from tuple: RemoteTuple, now: MediaTime) {
        let media = transport.media
        let packetClass = PacketClass.classify(data)
        if packetClass == .stun {
            if now > lastInputTime { lastInputTime = now }
            media.bytesReceived += data.readableBytes
            receiveStun(data, on: transport, from: tuple, now: now)
            return
        }
        if let selected = media.selectedTuple, selected != tuple, selected.address == tuple.address {
            // Same address, other protocol or connection: not the selected path.
            media.bytesReceived += data.readableBytes
            if packetClass == .dtls { media.drops.dtls += 1 } else { media.drops.wrongSource += 1 }
            return
        }
        receive(data, on: transport, socket: .rtp, from: tuple.address, now: now)
    }

    /// A fresh ICE ufrag: random, and unique on the shared port when there is one.
    func newIceUsernameFragment(on server: WebRtcServer?) -> String {
        var ufrag = random.token(length: 32)
        while let server, server.isRegistered(ufrag: ufrag) { ufrag = random.token(length: 32) }
        return ufrag
    }

    /// New ICE credentials (mediasoup's `restartIce`). On the shared port the old ufrag is
    /// unregistered at once: checks with it are refused and counted. The selected tuple and
    /// mapped tuples stay, so media keeps flowing while the peer restarts.
    func restartIce(_ transport: Transport) throws(EngineError) -> IceParameters {
        guard case .webRtc(var state) = transport.variant else {
            throw .invalid("transport '\(transport.id)' is a plain transport: only webrtc transports have ICE")
        }
        let server = transport.media.webRtcServer
        let ufrag = newIceUsernameFragment(on: server)
        state.iceParameters = IceParameters(usernameFragment: ufrag, password: random.token(length: 32), iceLite: true)
        transport.variant = .webRtc(state)
        server?.replaceUfrag(of: transport, with: ufrag)
        return state.iceParameters
    }
}

extension Room {
    /// `POST …/transports/:id/restart-ice`: the transport's new ICE parameters.
    public func restartIce(broadcasterId: String, transportId: String) throws(EngineError) -> IceParameters {
        try requireBroadcaster(broadcasterId)
        return try router.restartIce(try router.transport(transportId, of: broadcasterId))
    }
}

extension Transport {
    /// Whether the transport sends and receives through its worker's shared WebRTC port.
    public var usesWebRtcServer: Bool { media.webRtcServer != nil }
}
