public import SluiceRTP

/// SDP that ffmpeg (`-protocol_whitelist file,udp,rtp -i consumer.sdp`) or GStreamer
/// (`sdpdemux`/`filesrc ! sdpdemux`) opens to receive consumers of connected plain transports.
enum ConsumerSdp {
    struct Media {
        var kind: MediaKind
        var ip: String
        var port: Int
        var rtcpPort: Int?
        var parameters: RtpParameters
        var srtp: SrtpParameters?
    }

    static func render(sessionName: String, media: [Media]) -> String {
        let firstIp = media.first?.ip ?? "127.0.0.1"
        let family = firstIp.contains(":") ? "IP6" : "IP4"
        var lines = [
            "v=0",
            "o=- 0 0 IN \(family) \(firstIp)",
            "s=\(sessionName)",
            "c=IN \(family) \(firstIp)",
            "t=0 0",
        ]
        for item in media {
            // The receiver listens where the transport sends: one m-line per consumer, no RTX
            // (RTP receivers such as ffmpeg do not use it).
            let codecs = item.parameters.codecs.filter { !$0.isRtx }
            let profile = item.srtp == nil ? "RTP/AVP" : "RTP/SAVP"
            lines.append("m=\(item.kind.rawValue) \(item.port) \(profile) \(codecs.map { String($0.payloadType) }.joined(separator: " "))")
            let itemFamily = item.ip.contains(":") ? "IP6" : "IP4"
            lines.append("c=IN \(itemFamily) \(item.ip)")
            if let rtcpPort = item.rtcpPort {
                lines.append("a=rtcp:\(rtcpPort)")
            } else {
                lines.append("a=rtcp-mux")
            }
            for codec in codecs {
                let name = codec.mimeType.split(separator: "/").last.map(String.init) ?? codec.mimeType
                var rtpmap = "a=rtpmap:\(codec.payloadType) \(name)/\(codec.clockRate)"
                if item.kind == .audio, let channels = codec.channels, channels > 1 { rtpmap += "/\(channels)" }
                lines.append(rtpmap)
                let fmtp = codec.parameters.keys.sorted().compactMap { key -> String? in
                    guard let value = codec.parameters[key] else { return nil }
                    return "\(key)=\(value)"
                }
                if !fmtp.isEmpty { lines.append("a=fmtp:\(codec.payloadType) \(fmtp.joined(separator: ";"))") }
                for feedback in codec.rtcpFeedback where feedback.type == "nack" || feedback.type == "ccm" {
                    lines.append("a=rtcp-fb:\(codec.payloadType) \(feedback.type)\(feedback.parameter.isEmpty ? "" : " " + feedback.parameter)")
                }
            }
            if let ssrc = item.parameters.encodings.first?.ssrc, let cname = item.parameters.rtcp.cname {
                lines.append("a=ssrc:\(ssrc) cname:\(cname)")
            }
            if let srtp = item.srtp {
                lines.append("a=crypto:1 \(srtp.cryptoSuite.rawValue) inline:\(srtp.keyBase64)")
            }
            lines.append("a=recvonly")
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}

extension Room {
    /// SDP to receive the given consumers of a broadcaster; each must be on its own connected
    /// plain transport (RTP receivers cannot demultiplex several streams on one port).
    public func sdp(broadcasterId: String, consumerIds: [String]?) throws(EngineError) -> String {
        let state = try broadcasterState(broadcasterId)
        let consumers = try consumerIds.map { ids throws(EngineError) in
            try ids.map { id throws(EngineError) in
                guard let consumer = state.consumers.first(where: { $0.id == id }) else {
                    throw .notFound("consumer '\(id)' not found on broadcaster '\(broadcasterId)'")
                }
                return consumer
            }
        } ?? state.consumers
        guard !consumers.isEmpty else { throw .conflict("broadcaster '\(broadcasterId)' has no consumers to describe") }
        var usedTransports = Set<String>()
        var media: [ConsumerSdp.Media] = []
        for consumer in consumers {
            guard let transport = router.transport(withId: consumer.transportId), case .plain(let plain) = transport.variant else {
                throw .conflict("consumer '\(consumer.id)' is not on a plain transport; SDP describes plain RTP only")
            }
            // Connected transports know the receiver from connect; comedia ones once it has sent.
            guard let ip = plain.remoteIp ?? transport.media.rtpRemote?.ipAddress,
                let port = plain.remotePort ?? transport.media.rtpRemote?.port
            else {
                throw .conflict("transport '\(transport.id)' is not connected: connect it with the receiver's ip/port first")
            }
            let rtcpPort = plain.rtcpMux ? nil : (plain.remoteRtcpPort ?? transport.media.rtcpRemote?.port)
            guard usedTransports.insert(transport.id).inserted else {
                throw .conflict("consumers share transport '\(transport.id)'; use one transport per consumer for SDP receivers")
            }
            media.append(
                ConsumerSdp.Media(
                    kind: consumer.kind, ip: ip, port: port, rtcpPort: rtcpPort,
                    parameters: consumer.rtpParameters, srtp: plain.localSrtpParameters))
        }
        return ConsumerSdp.render(sessionName: "sluice \(id)/\(broadcasterId)", media: media)
    }
}
