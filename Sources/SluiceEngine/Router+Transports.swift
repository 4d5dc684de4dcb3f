public import SluiceRTP
internal import SluiceCrypto
internal import Foundation
internal import NIOCore

extension Router {
    func createPlainTransport(
        broadcasterId: String, options: PlainTransportOptions, binding: TransportBinding
    ) -> Transport {
        var state = PlainTransportState(binding: binding, comedia: options.comedia, rtcpMux: options.rtcpMux)
        if options.enableSrtp {
            let key = random.bytes(options.srtpCryptoSuite.keyLength)
            state.localSrtpParameters = SrtpParameters(
                cryptoSuite: options.srtpCryptoSuite, keyBase64: Data(key).base64EncodedString())
        }
        let transport = Transport(
            id: random.uuid(), broadcasterId: broadcasterId, variant: .plain(state), cname: random.token(length: 8), rtcpSsrc: random.ssrc())
        transport.media.srtpRequired = options.enableSrtp
        insert(transport)
        return transport
    }

    func createWebRtcTransport(
        broadcasterId: String, options: WebRtcTransportOptions, binding: TransportBinding
    ) -> Transport {
        let server = options.sharedPort ? webRtcServer : nil
        let ice = IceParameters(
            usernameFragment: newIceUsernameFragment(on: server), password: random.token(length: 32), iceLite: true)
        let candidates: [IceCandidate]
        if let server {
            candidates = server.iceCandidates
        } else {
            candidates = [
                IceCandidate(
                    foundation: "udpcandidate", priority: IceCandidate.priority(localPreference: 65535),
                    ip: binding.announcedIp, address: binding.announcedIp, protocol: .udp, port: binding.port,
                    type: "host", tcpType: nil)
            ]
        }
        let sctp = options.numSctpStreams.map {
            SctpParameters(port: 5000, OS: $0.OS, MIS: $0.MIS, maxMessageSize: 262_144)
        }
        let state = WebRtcTransportState(
            binding: server?.binding ?? binding, iceParameters: ice, iceCandidates: candidates,
            dtlsParameters: DtlsParameters(role: .auto, fingerprints: configuration.dtlsFingerprints),
            sctpParameters: sctp)
        let transport = Transport(
            id: random.uuid(), broadcasterId: broadcasterId, variant: .webRtc(state), cname: random.token(length: 8), rtcpSsrc: random.ssrc())
        // Media on WebRTC transports is SRTP keyed by DTLS: nothing passes until that exists.
        transport.media.srtpRequired = true
        if let server {
            server.register(transport, router: self, ufrag: ice.usernameFragment)
            transport.media.webRtcServer = server
        }
        insert(transport)
        return transport
    }

    /// Validates everything first and changes the transport only when the whole request is good.
    func connectPlainTransport(_ transport: Transport, options: PlainTransportConnectOptions) throws(EngineError) {
        var remotes: (rtp: SocketAddress, rtcp: SocketAddress?)?
        var srtpContext: SrtpContext?
        guard case .plain(var state) = transport.variant else {
            throw .invalid("transport '\(transport.id)' is a webrtc transport: connect it with dtlsParameters")
        }
        guard !state.connectCalled else { throw .conflict("transport '\(transport.id)' is already connected") }
        if state.comedia {
            guard options.ip == nil, options.port == nil, options.rtcpPort == nil else {
                throw .invalid("ip/port/rtcpPort: a comedia transport learns the remote address from the first packet")
            }
        } else {
            guard let ip = options.ip else { throw .invalid("ip: required to connect a transport without comedia") }
            guard IPAddressText.isValid(ip), !IPAddressText.isUnspecified(ip) else {
                throw .invalid("ip: '\(ip)' is not a usable IPv4 or IPv6 address")
            }
            guard let port = options.port else { throw .invalid("port: required to connect a transport without comedia") }
            guard (1...65535).contains(port) else { throw .invalid("port: \(port) is outside 1-65535") }
            if let rtcpPort = options.rtcpPort {
                guard (1...65535).contains(rtcpPort) else { throw .invalid("rtcpPort: \(rtcpPort) is outside 1-65535") }
                guard !state.rtcpMux else { throw .invalid("rtcpPort: not allowed on a transport with rtcpMux") }
            } else if !state.rtcpMux {
                throw .invalid("rtcpPort: required on a transport without rtcpMux")
            }
            guard let rtpRemote = try? SocketAddress(ipAddress: ip, port: port) else {
                throw .invalid("ip: '\(ip)' is not a usable IPv4 or IPv6 address")
            }
            var rtcpRemote: SocketAddress?
            if let rtcpPort = options.rtcpPort {
                rtcpRemote = try? SocketAddress(ipAddress: ip, port: rtcpPort)
            }
            state.remoteIp = ip
            state.remotePort = port
            state.remoteRtcpPort = options.rtcpPort
            remotes = (rtpRemote, state.rtcpMux ? rtpRemote : rtcpRemote)
        }
        if let srtp = options.srtpParameters {
            guard let local = state.localSrtpParameters else {
                throw .invalid("srtpParameters: SRTP was not enabled when the transport was created")
            }
            guard srtp.cryptoSuite == local.cryptoSuite else {
                throw .invalid("srtpParameters.cryptoSuite: must be \(local.cryptoSuite.rawValue) as created")
            }
            guard let key = Data(base64Encoded: srtp.keyBase64), key.count == srtp.cryptoSuite.keyLength else {
                throw .invalid(
                    "srtpParameters.keyBase64: \(srtp.cryptoSuite.rawValue) needs \(srtp.cryptoSuite.keyLength) bytes of base64 key")
            }
            do {
                srtpContext = try SrtpContext(local: local, remote: srtp)
            } catch {
                throw .invalid("srtpParameters: \(error)")
            }
            state.remoteSrtpParameters = srtp
        } else if state.localSrtpParameters != nil {
            throw .invalid("srtpParameters: required, the transport was created with enableSrtp")
        }
        state.connectCalled = true
        transport.variant = .plain(state)
        if let remotes {
            transport.media.rtpRemote = remotes.rtp
            transport.media.rtcpRemote = remotes.rtcp
        }
        if let srtpContext { transport.media.srtp = srtpContext }
    }

    func connectWebRtcTransport(_ transport: Transport, dtlsParameters: DtlsParameters) throws(EngineError) {
        guard case .webRtc(var state) = transport.variant else {
            throw .invalid("transport '\(transport.id)' is a plain transport: connect it with ip/port")
        }
        guard state.remoteDtlsParameters == nil else {
            throw .conflict("transport '\(transport.id)' is already connected")
        }
        guard !dtlsParameters.fingerprints.isEmpty else {
            throw .invalid("dtlsParameters.fingerprints: at least one fingerprint is required")
        }
        var normalised: [DtlsFingerprintParameters] = []
        for (index, fingerprint) in dtlsParameters.fingerprints.enumerated() {
            switch DtlsFingerprint.parse(algorithm: fingerprint.algorithm, value: fingerprint.value) {
            case .success(let parsed):
                normalised.append(DtlsFingerprintParameters(algorithm: parsed.algorithm.rawValue, value: parsed.value))
            case .failure(let error):
                throw .invalid("dtlsParameters.fingerprints[\(index)]: \(error)")
            }
        }
        let remote = DtlsParameters(role: dtlsParameters.role ?? .auto, fingerprints: normalised)
        state.remoteDtlsParameters = remote
        transport.variant = .webRtc(state)
        setDtlsState(.connecting, on: transport, reason: nil)
        setUpDtls(transport, remote: remote)
    }
}
