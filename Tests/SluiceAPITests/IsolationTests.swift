import Hummingbird
import Testing

@Suite("Isolation between rooms")
struct IsolationTests {
    @Test func badRequestsAgainstOneRoomLeaveAnotherByteIdentical() async throws {
        try await withSluice { api in
            // Room A: a sender, a receiver with capabilities, a consumer.
            let a = try await api.mediaScenario(room: "room-a")
            let consumer = try #require(try await api.makeConsumer(a)["id"].string)
            let snapshots = [
                Paths.broadcaster("room-a", "sender"), Paths.broadcaster("room-a", "receiver"), Paths.broadcasters("room-a"),
            ]
            var before: [[UInt8]] = []
            for path in snapshots { before.append(Array(try await api.get(path).body)) }

            // Room B: a bystander target with the same broadcaster ids.
            let b = try await api.mediaScenario(room: "room-b")
            let bT = Paths.transport("room-b", "sender", b.sendTransport)
            let bigBody: String = "{" + String(repeating: " ", count: (1 << 20) + 10) + "}"
            let isacBody = #"{"rtpCapabilities":\#(Bodies.isacCapabilities)}"#
            typealias Shot = (HTTPRequest.Method, String, String?, Int)
            var barrage: [Shot] = []
            barrage.append((.post, Paths.broadcasters("room-b"), #"{"id":"#, 400) as Shot)
            barrage.append((.post, Paths.broadcasters("room-b"), #"{"id":"sender","displayName":"x","device":{"name":"y"}}"#, 409) as Shot)
            barrage.append((.post, Paths.broadcasters("room-b"), #"{"id":"x","displayName":"","device":{"name":"y"}}"#, 400) as Shot)
            barrage.append((.post, Paths.broadcasters("room-b"), bigBody, 413) as Shot)
            barrage.append((.get, Paths.broadcaster("room-b", "ghost"), nil, 404) as Shot)
            barrage.append((.post, Paths.transports("room-b", "sender"), #"{"type":"carrier-pigeon"}"#, 400) as Shot)
            barrage.append((.post, Paths.transports("room-b", "ghost"), Bodies.plainTransport, 404) as Shot)
            barrage.append((.post, bT + "/connect", #"{"ip":"1.2.3.4","port":1}"#, 400) as Shot)
            barrage.append((.post, bT + "/connect", #"{"dtlsParameters":{"fingerprints":[]}}"#, 400) as Shot)
            barrage.append((.post, bT + "/producers", Bodies.isacProducer, 422) as Shot)
            barrage.append((.post, bT + "/producers", Bodies.opusProducer(), 409) as Shot)
            barrage.append((.post, bT + "/producers", #"{"kind":"chicken"}"#, 400) as Shot)
            barrage.append((.post, bT + "/consume?producerId=\(a.producer)", nil, 400) as Shot)
            barrage.append((.post, Paths.consume("room-b", "receiver", b.receiveTransport, producer: a.producer), nil, 404) as Shot)
            barrage.append((.post, Paths.consume("room-b", "receiver", b.receiveTransport, producer: b.producer), isacBody, 422) as Shot)
            barrage.append((.post, bT + "/produce/data", "{}", 501) as Shot)
            barrage.append((.post, bT + "/consume/data", "{}", 501) as Shot)
            barrage.append((.put, bT, nil, 405) as Shot)
            barrage.append((.get, Paths.transport("room-b", "sender", a.sendTransport), nil, 404) as Shot)
            barrage.append((.delete, Paths.transport("room-b", "sender", a.sendTransport), nil, 404) as Shot)
            barrage.append((.delete, Paths.producer("room-b", "sender", a.producer), nil, 404) as Shot)
            barrage.append((.post, Paths.producer("room-b", "sender", a.producer) + "/pause", nil, 404) as Shot)
            barrage.append((.delete, Paths.consumer("room-b", "receiver", consumer), nil, 404) as Shot)
            barrage.append((.post, Paths.consumer("room-b", "receiver", consumer) + "/pause", nil, 404) as Shot)
            barrage.append((.get, "/rooms/room-b/whatever", nil, 404) as Shot)
            barrage.append((.get, "/rooms/room.b", nil, 400) as Shot)
            for (method, path, body, status) in barrage {
                expectProblem(try await api.send(method, path, body), status)
            }
            // Room B itself survives too, then goes away entirely.
            expectEmpty(try await api.send(.delete, "/rooms/room-b"), 204)

            for (index, path) in snapshots.enumerated() {
                let after = try await api.get(path)
                #expect(after.code == 200)
                #expect(Array(after.body) == before[index], "\(path) changed")
            }
            expectJSON(try await api.get(Paths.consumer("room-a", "receiver", consumer)))
            let rooms = try await api.get("/rooms").json["rooms"].array ?? []
            #expect(rooms.map { $0["id"].string } == ["room-a"])
        }
    }
}
