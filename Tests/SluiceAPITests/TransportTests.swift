import Foundation
import Testing

@Suite("Transports")
struct TransportTests {
    private func inRange(_ port: Int?) -> Bool { port.map { testPortRange.contains($0) } ?? false }

    @Test(arguments: [#"{"type":"plain"}"#, Bodies.plainTransport])
    func plainDefaultsAreComediaWithoutRtcpMux(body: String) async throws {
        try await withSluice { api in
            try await api.makeBroadcaster("r", "b")
            let reply = try await api.post(Paths.transports("r", "b"), body)
            expectJSON(reply)
            let created = reply.json
            #expect(created.keys == ["id", "ip", "port", "rtcpPort"])
            #expect(created["ip"].string == "127.0.0.1")
            #expect(inRange(created["port"].int))
            #expect(inRange(created["rtcpPort"].int))
            #expect(created["port"].int != created["rtcpPort"].int)
            let id = try #require(created["id"].string)
            let state = try await api.get(Paths.transport("r", "b", id))
            expectJSON(state)
            #expect(state.json["type"].string == "plain")
            #expect(state.json["comedia"].bool == true)
            #expect(state.json["rtcpMux"].bool == false)
            #expect(state.json["connected"].bool == false)
            #expect(state.json["port"].int == created["port"].int)
            #expect(state.json["rtcpPort"].int == created["rtcpPort"].int)
            #expect(!state.json["srtpParameters"].exists)
        }
    }

    @Test func plainWithRtcpMuxHasNoRtcpPort() async throws {
        try await withSluice { api in
            try await api.makeBroadcaster("r", "b")
            let reply = try await api.post(Paths.transports("r", "b"), #"{"type":"plain","comedia":false,"rtcpMux":true}"#)
            expectJSON(reply)
            #expect(reply.json.keys == ["id", "ip", "port"])
            #expect(inRange(reply.json["port"].int))
            let state = try await api.get(Paths.transport("r", "b", try #require(reply.json["id"].string))).json
            #expect(state["rtcpMux"].bool == true)
            #expect(state["comedia"].bool == false)
            #expect(!state["rtcpPort"].exists)
            #expect(!state["rtcpTuple"].exists)
        }
    }

    @Test(arguments: [
        (#"{"type":"plain","enableSrtp":true}"#, "AES_CM_128_HMAC_SHA1_80", 30),
        (#"{"type":"plain","enableSrtp":true,"srtpCryptoSuite":"AES_CM_128_HMAC_SHA1_32"}"#, "AES_CM_128_HMAC_SHA1_32", 30),
        (#"{"type":"plain","enableSrtp":true,"srtpCryptoSuite":"AEAD_AES_128_GCM"}"#, "AEAD_AES_128_GCM", 28),
        (#"{"type":"plain","enableSrtp":true,"srtpCryptoSuite":"AEAD_AES_256_GCM"}"#, "AEAD_AES_256_GCM", 44),
    ])
    func plainWithSrtpAnswersAKey(body: String, suite: String, keyBytes: Int) async throws {
        try await withSluice { api in
            try await api.makeBroadcaster("r", "b")
            let reply = try await api.post(Paths.transports("r", "b"), body)
            expectJSON(reply)
            let srtp = reply.json["srtpParameters"]
            #expect(srtp.keys == ["cryptoSuite", "keyBase64"])
            #expect(srtp["cryptoSuite"].string == suite)
            let key = try #require(srtp["keyBase64"].string)
            if keyBytes == 30 { #expect(key.count == 40) }
            #expect(Data(base64Encoded: key)?.count == keyBytes)
            let state = try await api.get(Paths.transport("r", "b", try #require(reply.json["id"].string))).json
            #expect(state["srtpParameters"].text == srtp.text)
        }
    }

    @Test func webRtcAnswersIceDtlsAndNoSctpByDefault() async throws {
        try await withSluice { api in
            try await api.makeBroadcaster("r", "b")
            let reply = try await api.post(Paths.transports("r", "b"), Bodies.webRtcTransport)
            expectJSON(reply)
            let created = reply.json
            #expect(created.keys == ["id", "iceParameters", "iceCandidates", "dtlsParameters"])
            let ice = created["iceParameters"]
            #expect(ice["usernameFragment"].string?.count == 32)
            #expect(ice["password"].string?.count == 32)
            #expect(ice["iceLite"].bool == true)
            let candidates = try #require(created["iceCandidates"].array)
            #expect(candidates.count >= 1)
            for candidate in candidates {
                #expect(candidate["type"].string == "host")
                #expect(candidate["protocol"].string == "udp")
                #expect(candidate["ip"].string == "127.0.0.1")
                #expect(candidate["address"].string == "127.0.0.1")
                #expect(inRange(candidate["port"].int))
                #expect((candidate["priority"].int ?? 0) > 0)
                #expect(!(candidate["foundation"].string ?? "").isEmpty)
                #expect(!candidate["tcpType"].exists)
            }
            let dtls = created["dtlsParameters"]
            #expect(dtls["role"].string == "auto")
            let fingerprints = try #require(dtls["fingerprints"].array)
            #expect(fingerprints.count == 5)
            #expect(fingerprints.compactMap { $0["algorithm"].string } == ["sha-1", "sha-224", "sha-256", "sha-384", "sha-512"])
            #expect(fingerprints.compactMap { $0["value"].string } == testRouterConfiguration.dtlsFingerprints.map(\.value))
        }
    }

    @Test(arguments: [
        (#"{"type":"webrtc","sctpCapabilities":{"numStreams":{"OS":1024,"MIS":1024}}}"#, 1024, 1024),
        (#"{"type":"webrtc","sctpCapabilities":{"numStreams":{"OS":16,"MIS":2048}}}"#, 16, 2048),
    ])
    func webRtcWithSctpCapabilitiesAnswersSctpParameters(body: String, os: Int, mis: Int) async throws {
        try await withSluice { api in
            try await api.makeBroadcaster("r", "b")
            let reply = try await api.post(Paths.transports("r", "b"), body)
            expectJSON(reply)
            let sctp = reply.json["sctpParameters"]
            #expect(sctp.keys == ["port", "OS", "MIS", "maxMessageSize"])
            #expect(sctp["port"].int == 5000)
            #expect(sctp["OS"].int == os)
            #expect(sctp["MIS"].int == mis)
            #expect((sctp["maxMessageSize"].int ?? 0) > 0)
        }
    }

    @Test func getWebRtcTransportAnswersItsState() async throws {
        try await withSluice { api in
            try await api.makeBroadcaster("r", "b")
            let created = try await api.ok(try await api.post(Paths.transports("r", "b"), Bodies.webRtcTransport))
            let reply = try await api.get(Paths.transport("r", "b", try #require(created["id"].string)))
            expectJSON(reply)
            let state = reply.json
            #expect(state["type"].string == "webrtc")
            #expect(state["iceRole"].string == "controlled")
            #expect(state["iceState"].string == "new")
            #expect(state["dtlsState"].string == "new")
            #expect(state["connected"].bool == false)
            #expect(state["iceParameters"].text == created["iceParameters"].text)
            #expect(state["dtlsParameters"].text == created["dtlsParameters"].text)
            #expect(!state["remoteDtlsParameters"].exists)
        }
    }

    @Test(arguments: [
        (#"{"type":"rtp"}"#, "type"),
        (#"{"type":"PLAIN"}"#, "type"),
        (#"{}"#, "type"),
        (#"{"type":5}"#, "type"),
        (#"{"type":"plain","comedia":"yes"}"#, "comedia"),
        (#"{"type":"plain","rtcpMux":1}"#, "rtcpMux"),
        (#"{"type":"plain","enableSrtp":true,"srtpCryptoSuite":"ROT13"}"#, "srtpCryptoSuite"),
        (#"{"type":"webrtc","sctpCapabilities":{"numStreams":{"OS":0,"MIS":1024}}}"#, "sctpCapabilities"),
        (#"{"type":"webrtc","sctpCapabilities":{"numStreams":{"OS":1024}}}"#, "MIS"),
        (#"{"type":"#, "JSON"),
        ("", "body"),
    ])
    func invalidBodyIs400(body: String, field: String) async throws {
        try await withSluice { api in
            try await api.makeBroadcaster("r", "b")
            expectProblem(try await api.post(Paths.transports("r", "b"), body), 400, detailContains: field)
            #expect(try await api.get(Paths.broadcaster("r", "b")).json["transports"].array?.count == 0)
        }
    }

    /// Options that do not apply to a transport type are ignored, as the reference server does.
    @Test func optionsOfTheOtherTransportTypeAreIgnored() async throws {
        try await withSluice { api in
            try await api.makeBroadcaster("r", "b")
            let plain = try await api.post(
                Paths.transports("r", "b"),
                #"{"type":"plain","srtpCryptoSuite":"AEAD_AES_256_GCM","sctpCapabilities":{"numStreams":{"OS":8,"MIS":8}}}"#)
            expectJSON(plain)
            #expect(plain.json.keys == ["id", "ip", "port", "rtcpPort"])
            let webRtc = try await api.post(
                Paths.transports("r", "b"), #"{"type":"webrtc","comedia":false,"rtcpMux":false,"enableSrtp":true}"#)
            expectJSON(webRtc)
            #expect(webRtc.json.keys == ["id", "iceParameters", "iceCandidates", "dtlsParameters"])
        }
    }

    @Test func unknownRoomOrBroadcasterIs404() async throws {
        try await withSluice { api in
            try await api.makeRoom("r")
            expectProblem(try await api.post(Paths.transports("r", "ghost"), Bodies.plainTransport), 404, detailContains: "ghost")
            expectProblem(try await api.post(Paths.transports("nowhere", "b"), Bodies.plainTransport), 404)
        }
    }

    @Test func getUnknownOrForeignTransportIs404() async throws {
        try await withSluice { api in
            try await api.makeBroadcaster("r", "b1")
            try await api.makeBroadcaster("r", "b2")
            let transport = try await api.makeTransport("r", "b1")
            expectProblem(try await api.get(Paths.transport("r", "b1", "nope")), 404, detailContains: "nope")
            expectProblem(try await api.get(Paths.transport("r", "b2", transport)), 404)
            expectProblem(try await api.delete(Paths.transport("r", "b2", transport)), 404)
            expectJSON(try await api.get(Paths.transport("r", "b1", transport)))
        }
    }

    @Test func deleteAnswers204ThenTransportIs404() async throws {
        try await withSluice { api in
            try await api.makeBroadcaster("r", "b")
            let transport = try await api.makeTransport("r", "b")
            expectEmpty(try await api.delete(Paths.transport("r", "b", transport)), 204)
            expectProblem(try await api.get(Paths.transport("r", "b", transport)), 404)
            expectProblem(try await api.delete(Paths.transport("r", "b", transport)), 404)
            #expect(try await api.get(Paths.broadcaster("r", "b")).json["transports"].array?.count == 0)
        }
    }

    @Test func deleteClosesItsProducersAndConsumers() async throws {
        try await withSluice { api in
            let s = try await api.mediaScenario()
            let second = try await api.makeProducer(s.room, "sender", s.sendTransport, Bodies.vp8Producer())
            let consumer = try #require(try await api.makeConsumer(s)["id"].string)
            expectEmpty(try await api.delete(Paths.transport(s.room, "sender", s.sendTransport)), 204)
            expectProblem(try await api.get(Paths.producer(s.room, "sender", s.producer)), 404)
            expectProblem(try await api.get(Paths.producer(s.room, "sender", second)), 404)
            expectProblem(try await api.get(Paths.consumer(s.room, "receiver", consumer)), 404)
            #expect(try await api.get(Paths.broadcaster(s.room, "sender")).json["producers"].array?.count == 0)
            let room = try await api.get("/rooms").json["rooms"][0]
            #expect(room["producers"].int == 0)
            #expect(room["consumers"].int == 0)
            // A consuming transport takes its consumers with it.
            let again = try await api.makeProducer(s.room, "sender", try await api.makeTransport(s.room, "sender"))
            let consumer2 = try #require(try await api.makeConsumer(s, producer: again)["id"].string)
            expectEmpty(try await api.delete(Paths.transport(s.room, "receiver", s.receiveTransport)), 204)
            expectProblem(try await api.get(Paths.consumer(s.room, "receiver", consumer2)), 404)
            expectJSON(try await api.get(Paths.producer(s.room, "sender", again)))
        }
    }
}
