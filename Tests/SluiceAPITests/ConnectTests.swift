import Foundation
import Testing

@Suite("Transport connect")
struct ConnectTests {
    private static let target = #"{"ip":"127.0.0.1","port":5004,"rtcpPort":5005}"#

    private func connectPath(_ t: String) -> String { Paths.transport("r", "b", t) + "/connect" }

    private static func webRtcConnect(_ algorithm: String = "sha-256", _ value: String = Bodies.sha256Fingerprint) -> String {
        #"{"dtlsParameters":{"role":"client","fingerprints":[{"algorithm":"\#(algorithm)","value":"\#(value)"}]}}"#
    }

    @Test func plainWithoutComediaConnectsOnceThen409() async throws {
        try await withSluice { api in
            try await api.makeBroadcaster("r", "b")
            let t = try await api.makeTransport("r", "b", Bodies.plainNoComedia)
            expectEmpty(try await api.post(connectPath(t), Self.target), 200)
            let state = try await api.get(Paths.transport("r", "b", t)).json
            #expect(state["connected"].bool == true)
            #expect(state["tuple"]["remoteIp"].string == "127.0.0.1")
            #expect(state["tuple"]["remotePort"].int == 5004)
            #expect(state["rtcpTuple"]["remotePort"].int == 5005)
            expectProblem(try await api.post(connectPath(t), Self.target), 409, detailContains: t)
            expectProblem(try await api.post(connectPath(t), #"{"ip":"127.0.0.2","port":6000,"rtcpPort":6001}"#), 409)
            #expect(try await api.get(Paths.transport("r", "b", t)).json["tuple"]["remotePort"].int == 5004)
        }
    }

    @Test(arguments: [
        (#"{"ip":"127.0.0.1","port":5004}"#, "rtcpPort"),
        (#"{"ip":"999.1.1.1","port":5004,"rtcpPort":5005}"#, "ip"),
        (#"{"ip":"not-an-ip","port":5004,"rtcpPort":5005}"#, "ip"),
        (#"{"ip":"0.0.0.0","port":5004,"rtcpPort":5005}"#, "ip"),
        (#"{"ip":5,"port":5004,"rtcpPort":5005}"#, "ip"),
        (#"{"port":5004,"rtcpPort":5005}"#, "ip"),
        (#"{"ip":"127.0.0.1","rtcpPort":5005}"#, "port"),
        (#"{"ip":"127.0.0.1","port":70000,"rtcpPort":5005}"#, "port"),
        (#"{"ip":"127.0.0.1","port":"5004","rtcpPort":5005}"#, "port"),
        (#"{"ip":"127.0.0.1","port":5004,"rtcpPort":0}"#, "rtcpPort"),
        (#"{"dtlsParameters":{"fingerprints":[]}}"#, "dtlsParameters"),
        (#"{"ip":"#, "JSON"),
        ("", "body"),
    ])
    func plainInvalidConnectIs400AndLeavesItUnconnected(body: String, field: String) async throws {
        try await withSluice { api in
            try await api.makeBroadcaster("r", "b")
            let t = try await api.makeTransport("r", "b", Bodies.plainNoComedia)
            expectProblem(try await api.post(connectPath(t), body), 400, detailContains: field)
            #expect(try await api.get(Paths.transport("r", "b", t)).json["connected"].bool == false)
            // A refused connect does not use up the one allowed connect.
            expectEmpty(try await api.post(connectPath(t), Self.target), 200)
        }
    }

    @Test
    func fractionalPortNamesTheField() async throws {
        try await withSluice { api in
            try await api.makeBroadcaster("r", "b")
            let t = try await api.makeTransport("r", "b", Bodies.plainNoComedia)
            let reply = try await api.post(connectPath(t), #"{"ip":"127.0.0.1","port":5004.5,"rtcpPort":5005}"#)
            expectProblem(reply, 400, detailContains: "port")
        }
    }

    static let refusedSrtpConnects: [(String, String)] = [
        // SRTP transport, no keys.
        (#"{"type":"plain","comedia":false,"enableSrtp":true}"#, Self.target),
        // SRTP transport, a 3-byte key.
        (#"{"type":"plain","comedia":false,"enableSrtp":true}"#,
         #"{"ip":"127.0.0.1","port":5004,"rtcpPort":5005,"srtpParameters":{"cryptoSuite":"AES_CM_128_HMAC_SHA1_80","keyBase64":"AAAA"}}"#),
        // Plain RTP transport, keys it cannot use.
        (Bodies.plainNoComedia,
         #"{"ip":"127.0.0.1","port":5004,"rtcpPort":5005,"srtpParameters":{"cryptoSuite":"AES_CM_128_HMAC_SHA1_80","keyBase64":"AAAA"}}"#),
    ]

    @Test(arguments: Self.refusedSrtpConnects)
    func refusedSrtpConnectIs400(transport: String, body: String) async throws {
        try await withSluice { api in
            try await api.makeBroadcaster("r", "b")
            let t = try await api.makeTransport("r", "b", transport)
            expectProblem(try await api.post(connectPath(t), body), 400, detailContains: "srtpParameters")
        }
    }

    /// A refused connect must not point the transport at the address: consumers on it would send
    /// there, and with SRTP enabled they would send without encryption.
    @Test(arguments: Self.refusedSrtpConnects)
    func refusedSrtpConnectLeavesNoRemoteAddress(transport: String, body: String) async throws {
        try await withSluice { api in
            try await api.makeBroadcaster("r", "b")
            let t = try await api.makeTransport("r", "b", transport)
            expectProblem(try await api.post(connectPath(t), body), 400)
            let state = try await api.get(Paths.transport("r", "b", t)).json
            #expect(state["connected"].bool == false)
            #expect(!state["tuple"]["remoteIp"].exists)
            let stats = try await api.get(Paths.transport("r", "b", t) + "/stats").json
            #expect(!stats["remoteRtp"].exists, "remoteRtp: \(stats["remoteRtp"].string ?? "")")
            #expect(!stats["remoteRtcp"].exists)
        }
    }

    @Test func rtcpMuxTransportTakesNoRtcpPort() async throws {
        try await withSluice { api in
            try await api.makeBroadcaster("r", "b")
            let t = try await api.makeTransport("r", "b", #"{"type":"plain","comedia":false,"rtcpMux":true}"#)
            expectProblem(try await api.post(connectPath(t), Self.target), 400, detailContains: "rtcpPort")
            expectEmpty(try await api.post(connectPath(t), #"{"ip":"::1","port":5004}"#), 200)
        }
    }

    @Test(arguments: [Self.target, #"{"ip":"127.0.0.1"}"#, #"{"port":5004}"#])
    func comediaWithAddressIs400(body: String) async throws {
        try await withSluice { api in
            try await api.makeBroadcaster("r", "b")
            let t = try await api.makeTransport("r", "b")
            expectProblem(try await api.post(connectPath(t), body), 400, detailContains: "comedia")
        }
    }

    @Test func comediaWithEmptyObjectConnectsOnce() async throws {
        try await withSluice { api in
            try await api.makeBroadcaster("r", "b")
            let t = try await api.makeTransport("r", "b")
            expectEmpty(try await api.post(connectPath(t), "{}"), 200)
            expectProblem(try await api.post(connectPath(t), "{}"), 409)
        }
    }

    @Test func srtpTransportNeedsMatchingKeys() async throws {
        try await withSluice { api in
            try await api.makeBroadcaster("r", "b")
            let t = try await api.makeTransport("r", "b", #"{"type":"plain","comedia":false,"enableSrtp":true}"#)
            expectProblem(try await api.post(connectPath(t), Self.target), 400, detailContains: "srtpParameters")
            let shortKey = Data(repeating: 7, count: 16).base64EncodedString()
            let goodKey = Data(repeating: 7, count: 30).base64EncodedString()
            func body(_ suite: String, _ key: String) -> String {
                #"{"ip":"127.0.0.1","port":5004,"rtcpPort":5005,"srtpParameters":{"cryptoSuite":"\#(suite)","keyBase64":"\#(key)"}}"#
            }
            expectProblem(try await api.post(connectPath(t), body("AES_CM_128_HMAC_SHA1_80", shortKey)), 400, detailContains: "keyBase64")
            expectProblem(try await api.post(connectPath(t), body("AEAD_AES_128_GCM", goodKey)), 400, detailContains: "cryptoSuite")
            expectProblem(try await api.post(connectPath(t), body("NOPE", goodKey)), 400, detailContains: "cryptoSuite")
            expectEmpty(try await api.post(connectPath(t), body("AES_CM_128_HMAC_SHA1_80", goodKey)), 200)
        }
    }

    @Test func webRtcConnectsOnceThen409() async throws {
        try await withSluice { api in
            try await api.makeBroadcaster("r", "b")
            let t = try await api.makeTransport("r", "b", Bodies.webRtcTransport)
            expectEmpty(try await api.post(connectPath(t), Self.webRtcConnect("sha-256", Bodies.sha256Fingerprint.lowercased())), 200)
            let state = try await api.get(Paths.transport("r", "b", t)).json
            #expect(state["connected"].bool == true)
            #expect(state["dtlsState"].string == "connecting")
            #expect(state["remoteDtlsParameters"]["role"].string == "client")
            #expect(state["remoteDtlsParameters"]["fingerprints"][0]["value"].string == Bodies.sha256Fingerprint)
            expectProblem(try await api.post(connectPath(t), Self.webRtcConnect()), 409, detailContains: t)
        }
    }

    @Test(arguments: [
        (Self.webRtcConnect("sha-256", "zz"), "fingerprints"),
        (Self.webRtcConnect("sha-256", String(Bodies.sha256Fingerprint.dropLast(3))), "fingerprints"),
        (Self.webRtcConnect("md5", Bodies.sha256Fingerprint), "fingerprints"),
        (#"{"dtlsParameters":{"fingerprints":[]}}"#, "fingerprints"),
        (#"{"dtlsParameters":{"role":"boss","fingerprints":[]}}"#, "role"),
        (#"{"dtlsParameters":{}}"#, "fingerprints"),
        ("{}", "dtlsParameters"),
        (#"{"ip":"127.0.0.1","port":5004}"#, "dtlsParameters"),
        (#"{"dtlsParameters":"x"}"#, "dtlsParameters"),
    ])
    func webRtcInvalidConnectIs400(body: String, field: String) async throws {
        try await withSluice { api in
            try await api.makeBroadcaster("r", "b")
            let t = try await api.makeTransport("r", "b", Bodies.webRtcTransport)
            expectProblem(try await api.post(connectPath(t), body), 400, detailContains: field)
            #expect(try await api.get(Paths.transport("r", "b", t)).json["connected"].bool == false)
        }
    }

    @Test func webRtcWithAddressFieldsIs400() async throws {
        try await withSluice { api in
            try await api.makeBroadcaster("r", "b")
            let t = try await api.makeTransport("r", "b", Bodies.webRtcTransport)
            let body = #"{"ip":"127.0.0.1","dtlsParameters":{"fingerprints":[{"algorithm":"sha-256","value":"\#(Bodies.sha256Fingerprint)"}]}}"#
            expectProblem(try await api.post(connectPath(t), body), 400, detailContains: "ip")
        }
    }

    @Test func unknownTransportIs404() async throws {
        try await withSluice { api in
            try await api.makeBroadcaster("r", "b")
            expectProblem(try await api.post(connectPath("nope"), Self.target), 404, detailContains: "nope")
        }
    }
}
