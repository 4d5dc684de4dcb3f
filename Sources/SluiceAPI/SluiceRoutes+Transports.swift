public import Hummingbird
internal import SluiceNet
internal import SluiceEngine

extension SluiceRoutes {
    func createTransport(_ request: Request, _ context: Context) async throws -> Response {
        var request = request
        guard let body = try await request.decodeJSON(TransportBody.self, limit: configuration.maxBodySize) else {
            throw Problem.invalid("request body: a JSON object is required")
        }
        let kind = try body.kind()
        let roomId = try context.parameters.require("roomId")
        let broadcasterId = try context.parameters.require("broadcasterId")
        let created: TransportCreated
        switch kind {
        case .plain(let options):
            created = try await pool.createTransport(
                roomId: roomId, broadcasterId: broadcasterId, separateRtcpSocket: !options.rtcpMux
            ) { room, binding in
                try room.createPlainTransport(broadcasterId: broadcasterId, options: options, binding: binding)
            }
        case .webRtc(var options):
            if options.sharedPort && pool.hasSharedWebRtcPorts {
                created = try await pool.createTransportOnSharedPort(roomId: roomId, broadcasterId: broadcasterId) {
                    [options] room, binding in
                    try room.createWebRtcTransport(broadcasterId: broadcasterId, options: options, binding: binding)
                }
            } else {
                // `sharedPort: false`, or a server without shared ports: a UDP socket of its own.
                options.sharedPort = false
                created = try await pool.createTransport(
                    roomId: roomId, broadcasterId: broadcasterId, separateRtcpSocket: false
                ) { [options] room, binding in
                    try room.createWebRtcTransport(broadcasterId: broadcasterId, options: options, binding: binding)
                }
            }
        }
        return try JSONCoding.response(created)
    }

    func getTransport(_ request: Request, _ context: Context) async throws -> Response {
        let (broadcasterId, transportId) = try transportIds(context)
        return try JSONCoding.response(
            try await inRoom(context) { try $0.transportState(broadcasterId: broadcasterId, transportId: transportId) })
    }

    func deleteTransport(_ request: Request, _ context: Context) async throws -> Response {
        let (broadcasterId, transportId) = try transportIds(context)
        try await inRoom(context) { try $0.closeTransport(broadcasterId: broadcasterId, transportId: transportId) }
        return JSONCoding.empty(.noContent)
    }

    /// v3: 200 with an empty body. WebRTC transports take `dtlsParameters`; plain ones
    /// `ip`/`port`/`rtcpPort` and SRTP keys.
    func connectTransport(_ request: Request, _ context: Context) async throws -> Response {
        var request = request
        guard let body = try await request.decodeJSON(ConnectBody.self, limit: configuration.maxBodySize) else {
            throw Problem.invalid("request body: a JSON object is required")
        }
        let (broadcasterId, transportId) = try transportIds(context)
        try await inRoom(context) { room in
            if try room.isPlainTransport(broadcasterId: broadcasterId, transportId: transportId) {
                guard body.dtlsParameters == nil else {
                    throw Problem.invalid("dtlsParameters: not for a plain transport; send ip/port/rtcpPort")
                }
                try room.connectPlainTransport(
                    broadcasterId: broadcasterId, transportId: transportId, options: body.plainOptions)
            } else {
                guard let dtls = body.dtlsParameters else {
                    throw Problem.invalid("dtlsParameters: required to connect a webrtc transport")
                }
                guard body.ip == nil, body.port == nil, body.rtcpPort == nil, body.srtpParameters == nil else {
                    throw Problem.invalid("ip/port/rtcpPort/srtpParameters: not for a webrtc transport")
                }
                try room.connectWebRtcTransport(broadcasterId: broadcasterId, transportId: transportId, dtlsParameters: dtls)
            }
        }
        return JSONCoding.empty()
    }

    struct RestartIceAnswer: Encodable {
        var iceParameters: IceParameters
    }

    /// mediasoup's `restartIce`: new ICE credentials; on a shared port the old ufrag stops
    /// working at once. 400 on a plain transport.
    func restartIce(_ request: Request, _ context: Context) async throws -> Response {
        let (broadcasterId, transportId) = try transportIds(context)
        let parameters = try await inRoom(context) { try $0.restartIce(broadcasterId: broadcasterId, transportId: transportId) }
        return try JSONCoding.response(RestartIceAnswer(iceParameters: parameters))
    }

    func transportIds(_ context: Context) throws -> (String, String) {
        (try context.parameters.require("broadcasterId"), try context.parameters.require("transportId"))
    }
}
