import Foundation
import Hummingbird
import Testing

@Suite("Routing, limits and unimplemented routes")
struct RoutingTests {
    @Test(arguments: [
        "/", "/nope", "/room", "/rooms/r/nope", "/rooms/r/broadcasters/b/nope",
        "/rooms/r/broadcasters/b/transports/t/nope", "/rooms/r/broadcasters/b/transports/t/produce/nope",
        "/rooms/r/broadcasters/b/producers/p/stop", "/healthz/extra",
    ])
    func unknownRouteIs404Problem(path: String) async throws {
        try await withSluice { api in
            for method in [HTTPRequest.Method.get, .post, .delete] {
                let reply = try await api.send(method, path)
                expectProblem(reply, 404)
                #expect(reply.headers[.allow] == nil)
            }
        }
    }

    static let wrongMethods: [(HTTPRequest.Method, String, [String])] = [
        (.put, "/healthz", ["GET"]),
        (.post, "/healthz", ["GET"]),
        (.post, "/rooms", ["GET"]),
        (.put, "/rooms/r", ["GET", "DELETE"]),
        (.patch, "/rooms/r/broadcasters", ["GET", "POST"]),
        (.post, "/rooms/r/broadcasters/b", ["GET", "DELETE"]),
        (.get, "/rooms/r/broadcasters/b/transports", ["POST"]),
        (.put, "/rooms/r/broadcasters/b/transports/t", ["GET", "DELETE"]),
        (.get, "/rooms/r/broadcasters/b/transports/t/connect", ["POST"]),
        (.get, "/rooms/r/broadcasters/b/transports/t/producers", ["POST"]),
        (.get, "/rooms/r/broadcasters/b/transports/t/consume", ["POST"]),
        (.get, "/rooms/r/broadcasters/b/transports/t/produce/data", ["POST"]),
        (.delete, "/rooms/r/broadcasters/b/transports/t/consume/data", ["POST"]),
        (.post, "/rooms/r/broadcasters/b/producers/p", ["GET", "DELETE"]),
        (.get, "/rooms/r/broadcasters/b/producers/p/pause", ["POST"]),
        (.delete, "/rooms/r/broadcasters/b/consumers/c/resume", ["POST"]),
        (.post, "/rooms/r/broadcasters/b/consumers/c", ["GET", "DELETE"]),
        (.post, "/rooms/r/events", ["GET"]),
        (.delete, "/rooms/r/broadcasters/b/sdp", ["GET"]),
        (.post, "/rooms/r/broadcasters/b/transports/t/stats", ["GET"]),
        (.post, "/rooms/r/broadcasters/b/producers/p/stats", ["GET"]),
        (.delete, "/rooms/r/broadcasters/b/consumers/c/stats", ["GET"]),
        (.post, "/rooms/r/broadcasters/b/consumers/c/sdp", ["GET"]),
        (.get, "/rooms/r/broadcasters/b/consumers/c/request-key-frame", ["POST"]),
    ]

    @Test(arguments: Self.wrongMethods)
    func wrongMethodIs405WithAllow(method: HTTPRequest.Method, path: String, allowed: [String]) async throws {
        try await withSluice { api in
            let reply = try await api.send(method, path)
            expectProblem(reply, 405, detailContains: method.rawValue)
            let allow = try #require(reply.headers[.allow])
            #expect(Set(allow.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) == Set(allowed))
        }
    }

    @Test(arguments: ["produce/data", "consume/data"])
    func dataChannelsAre501ButUnknownTransportIs404(route: String) async throws {
        try await withSluice { api in
            try await api.makeBroadcaster("r", "b")
            let t = try await api.makeTransport("r", "b", #"{"type":"webrtc","sctpCapabilities":{"numStreams":{"OS":1024,"MIS":1024}}}"#)
            let body = route == "produce/data" ? #"{"sctpStreamParameters":{"streamId":1}}"# : #"{"dataProducerId":"x"}"#
            expectProblem(try await api.post(Paths.transport("r", "b", t) + "/\(route)", body), 501)
            expectProblem(try await api.post(Paths.transport("r", "b", t) + "/\(route)"), 501)
            expectProblem(try await api.post(Paths.transport("r", "b", "nope") + "/\(route)", body), 404, detailContains: "nope")
            expectProblem(try await api.post(Paths.transport("r", "ghost", t) + "/\(route)", body), 404)
            expectProblem(try await api.post(Paths.transport("nowhere", "b", t) + "/\(route)", body), 404)
        }
    }

    private static let limit = 4096

    /// A valid broadcaster body padded with spaces to `size` bytes.
    private static func padded(_ body: String, to size: Int) -> String {
        body + String(repeating: " ", count: max(0, size - body.utf8.count))
    }

    @Test func bodyOverTheConfiguredLimitIs413() async throws {
        try await withSluice(maxBodySize: Self.limit) { api in
            try await api.makeRoom("r")
            let big = Self.padded(Bodies.broadcaster("big"), to: 10 * 1024)
            expectProblem(try await api.post(Paths.broadcasters("r"), big), 413, detailContains: "4096")
            expectProblem(
                try await api.post(Paths.broadcasters("r"), Bodies.broadcaster("big", displayName: String(repeating: "x", count: 10_000))),
                413)
            #expect(try await api.get(Paths.broadcasters("r")).json["broadcasters"].array?.count == 0)
            // At the limit is fine.
            expectJSON(try await api.post(Paths.broadcasters("r"), Self.padded(Bodies.broadcaster("ok"), to: Self.limit)))
        }
    }

    @Test func everyBodyRouteEnforcesTheLimit() async throws {
        try await withSluice(maxBodySize: Self.limit) { api in
            try await api.makeBroadcaster("r", "b")
            let t = try await api.makeTransport("r", "b")
            let p = try await api.makeProducer("r", "b", t)
            let huge = Self.padded("{}", to: 10 * 1024)
            for path in [
                Paths.transports("r", "b"), Paths.transport("r", "b", t) + "/connect", Paths.producers("r", "b", t),
                Paths.consume("r", "b", t, producer: p),
            ] {
                expectProblem(try await api.post(path, huge), 413)
            }
            let state = try await api.get(Paths.broadcaster("r", "b")).json
            #expect(state["transports"].count == 1)
            #expect(state["producers"].count == 1)
            #expect(state["consumers"].count == 0)
        }
    }

    @Test func defaultLimitIsOneMebibyte() async throws {
        try await withSluice { api in
            try await api.makeRoom("r")
            let big = Self.padded(Bodies.broadcaster("big"), to: (1 << 20) + 1)
            expectProblem(try await api.post(Paths.broadcasters("r"), big), 413)
            expectJSON(try await api.post(Paths.broadcasters("r"), Self.padded(Bodies.broadcaster("ok"), to: 100_000)))
        }
    }
}
