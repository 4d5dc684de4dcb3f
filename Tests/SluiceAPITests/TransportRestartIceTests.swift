import Hummingbird
import HummingbirdTesting
import SluiceAPI
import SluiceEngine
import SluiceNet
import Testing

/// Like `withSluice`, with shared WebRTC ports (the server binary's default).
private func withSharedPorts(_ body: @Sendable (Client) async throws -> Void) async throws {
    let pool = try await WorkerPool.start(
        configuration: NetConfiguration(
            workers: 1, listenIp: "127.0.0.1", announcedIp: "127.0.0.1", portRange: testPortRange,
            webRtcServer: WebRtcServerSettings()),
        routerConfiguration: testRouterConfiguration)
    do {
        let routes = SluiceRoutes(pool: pool, configuration: APIConfiguration())
        try await Application(router: routes.buildRouter()).test(.router) { client in
            try await body(Client(client: client, pool: pool))
        }
    } catch {
        try? await pool.shutdown()
        throw error
    }
    try await pool.shutdown()
}

private func restartIce(_ room: String, _ b: String, _ t: String) -> String {
    Paths.transport(room, b, t) + "/restart-ice"
}

/// `POST …/transports/:id/restart-ice` and WebRTC transports on the worker's shared port.
@Suite("Transports: restart-ice and the shared WebRTC port")
struct TransportRestartIceTests {
    @Test func restartIceAnswersNewCredentials() async throws {
        try await withSharedPorts { api in
            try await api.makeBroadcaster("r", "b")
            let created = try api.ok(try await api.post(Paths.transports("r", "b"), Bodies.webRtcTransport))
            let id = try #require(created["id"].string)
            let reply = try await api.post(restartIce("r", "b", id))
            expectJSON(reply)
            #expect(reply.json.keys == ["iceParameters"])
            let ice = reply.json["iceParameters"]
            #expect(ice.keys == ["usernameFragment", "password", "iceLite"])
            #expect(ice["usernameFragment"].string?.count == 32 && ice["password"].string?.count == 32)
            #expect(ice["iceLite"].bool == true)
            #expect(ice["usernameFragment"].string != created["iceParameters"]["usernameFragment"].string)
            #expect(ice["password"].string != created["iceParameters"]["password"].string)
            let state = try await api.get(Paths.transport("r", "b", id)).json
            #expect(state["iceParameters"].text == ice.text)
            // Again: new credentials each time.
            let again = try await api.post(restartIce("r", "b", id)).json["iceParameters"]
            #expect(again["usernameFragment"].string != ice["usernameFragment"].string)
        }
    }

    @Test func restartIceWorksWithoutSharedPortsToo() async throws {
        try await withSluice { api in
            try await api.makeBroadcaster("r", "b")
            let id = try await api.makeTransport("r", "b", Bodies.webRtcTransport)
            expectJSON(try await api.post(restartIce("r", "b", id)))
        }
    }

    @Test func restartIceErrors() async throws {
        try await withSharedPorts { api in
            try await api.makeBroadcaster("r", "b")
            let webRtc = try await api.makeTransport("r", "b", Bodies.webRtcTransport)
            let plain = try await api.makeTransport("r", "b", Bodies.plainTransport)
            expectProblem(try await api.post(restartIce("r", "b", plain)), 400, detailContains: "plain")
            expectProblem(try await api.post(restartIce("nope", "b", webRtc)), 404)
            expectProblem(try await api.post(restartIce("r", "nobody", webRtc)), 404)
            expectProblem(try await api.post(restartIce("r", "b", "00000000-0000-4000-8000-000000000000")), 404)
            let get = try await api.get(restartIce("r", "b", webRtc))
            #expect(get.code == 405)
        }
    }

    @Test func webRtcTransportsShareTheWorkersPorts() async throws {
        try await withSharedPorts { api in
            try await api.makeBroadcaster("r1", "b")
            try await api.makeBroadcaster("r2", "b")
            var udpPorts: Set<Int> = []
            for room in ["r1", "r2"] {
                let created = try api.ok(try await api.post(Paths.transports(room, "b"), Bodies.webRtcTransport))
                let candidates = try #require(created["iceCandidates"].array)
                #expect(candidates.count == 2)
                #expect(candidates[0]["protocol"].string == "udp" && !candidates[0]["tcpType"].exists)
                #expect(candidates[1]["protocol"].string == "tcp" && candidates[1]["tcpType"].string == "passive")
                #expect(candidates[1]["port"].int == candidates[0]["port"].int)
                #expect((candidates[1]["priority"].int ?? 0) < (candidates[0]["priority"].int ?? 0))
                if let port = candidates[0]["port"].int { udpPorts.insert(port) }
            }
            #expect(udpPorts.count == 1)
            let port = try #require(udpPorts.first)
            #expect(testPortRange.contains(port))
            // Opting out binds a port of its own, UDP only, as before.
            let own = try api.ok(try await api.post(Paths.transports("r1", "b"), #"{"type":"webrtc","sharedPort":false}"#))
            let ownCandidates = try #require(own["iceCandidates"].array)
            #expect(ownCandidates.count == 1 && ownCandidates[0]["protocol"].string == "udp")
            #expect(ownCandidates[0]["port"].int != port)
            // The health check shows the worker's shared port and its counters.
            let health = try await api.get("/healthz")
            expectJSON(health)
            let servers = try #require(health.json["webRtcServers"].array)
            #expect(servers.count == 1)
            #expect(servers[0]["worker"].int == 0 && servers[0]["udpPort"].int == port && servers[0]["tcpPort"].int == port)
            #expect(servers[0]["transports"].int == 2)
            #expect(servers[0]["dropped"]["unknownTuple"].int == 0)
            // Closing a room unregisters its transports.
            #expect(try await api.delete(Paths.room("r2")).code == 204)
            #expect(try await api.get("/healthz").json["webRtcServers"][0]["transports"].int == 1)
        }
    }

    @Test func healthHasNoSharedPortsWhenTheyAreOff() async throws {
        try await withSluice { api in
            let health = try await api.get("/healthz")
            expectJSON(health)
            #expect(!health.json["webRtcServers"].exists)
        }
    }
}
