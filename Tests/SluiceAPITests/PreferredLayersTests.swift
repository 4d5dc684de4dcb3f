import Foundation
import Hummingbird
import Testing

@Suite("Consumer preferred layers")
struct PreferredLayersTests {
    static let simulcastProducer =
        #"{"kind":"video","rtpParameters":{"codecs":[{"mimeType":"video/VP8","payloadType":101,"clockRate":90000,"rtcpFeedback":[{"type":"nack"},{"type":"nack","parameter":"pli"}]}],"encodings":[{"ssrc":1001,"scalabilityMode":"L1T3"},{"ssrc":1002,"scalabilityMode":"L1T3"},{"ssrc":1003,"scalabilityMode":"L1T3"}]}}"#

    private func path(_ s: Scenario, _ consumer: String) -> String {
        Paths.consumer(s.room, "receiver", consumer) + "/preferred-layers"
    }

    /// A simulcast consumer on the receiver; answers (scenario, consumer JSON).
    private func simulcastConsumer(_ api: Client) async throws -> (Scenario, JSON) {
        let s = try await api.mediaScenario()
        let producer = try await api.makeProducer(s.room, "sender", s.sendTransport, Self.simulcastProducer)
        return (s, try await api.makeConsumer(s, producer: producer))
    }

    @Test func simulcastConsumerStateShowsLayers() async throws {
        try await withSluice { api in
            let (s, consumer) = try await simulcastConsumer(api)
            #expect(consumer["type"].string == "simulcast")
            let encodings = try #require(consumer["rtpParameters"]["encodings"].array)
            #expect(encodings.count == 1)
            #expect(encodings[0]["scalabilityMode"].string == "L3T3")
            #expect(consumer["preferredLayers"]["spatialLayer"].int == 2)
            #expect(consumer["preferredLayers"]["temporalLayer"].int == 2)
            let id = try #require(consumer["id"].string)
            let state = try await api.get(Paths.consumer(s.room, "receiver", id))
            #expect(state.code == 200)
            // Nothing is being sent yet: an explicit null.
            #expect(state.json.keys.contains("currentLayers"))
            #expect(!state.json["currentLayers"].exists)
            #expect(state.json["preferredLayers"]["spatialLayer"].int == 2)
        }
    }

    @Test func setAnswersClampedLayers() async throws {
        try await withSluice { api in
            let (s, consumer) = try await simulcastConsumer(api)
            let id = try #require(consumer["id"].string)
            let cases: [(String, Int, Int)] = [
                (#"{"spatialLayer":0}"#, 0, 2),
                (#"{"spatialLayer":1,"temporalLayer":0}"#, 1, 0),
                (#"{"spatialLayer":9,"temporalLayer":9}"#, 2, 2),
                (#"{"spatialLayer":0,"temporalLayer":1,"extra":true}"#, 0, 1),
                (#"{"spatialLayer":9223372036854775807,"temporalLayer":null}"#, 2, 2),
            ]
            for (body, spatial, temporal) in cases {
                let reply = try await api.post(path(s, id), body)
                expectJSON(reply)
                #expect(reply.json.keys == ["spatialLayer", "temporalLayer"])
                #expect(reply.json["spatialLayer"].int == spatial, "\(body)")
                #expect(reply.json["temporalLayer"].int == temporal, "\(body)")
            }
            _ = try api.ok(try await api.post(path(s, id), #"{"spatialLayer":0,"temporalLayer":1}"#))
            let state = try await api.get(Paths.consumer(s.room, "receiver", id))
            #expect(state.json["preferredLayers"]["spatialLayer"].int == 0)
            #expect(state.json["preferredLayers"]["temporalLayer"].int == 1)
        }
    }

    /// A simple consumer has one layer: any request is accepted and answers 0/0; its state has
    /// no layer fields.
    @Test func simpleConsumerAnswersZeroLayers() async throws {
        try await withSluice { api in
            let s = try await api.mediaScenario()
            let video = try await api.makeProducer(s.room, "sender", s.sendTransport, Bodies.vp8Producer())
            let consumer = try await api.makeConsumer(s, producer: video)
            let id = try #require(consumer["id"].string)
            let reply = try await api.post(path(s, id), #"{"spatialLayer":2,"temporalLayer":1}"#)
            expectJSON(reply)
            #expect(reply.json["spatialLayer"].int == 0)
            #expect(reply.json["temporalLayer"].int == 0)
            let state = try await api.get(Paths.consumer(s.room, "receiver", id))
            expectJSON(state)
            #expect(!state.json.keys.contains("preferredLayers"))
            #expect(!state.json.keys.contains("currentLayers"))
        }
    }

    @Test(arguments: [
        (#"{"spatialLayer":"x"}"#, "spatialLayer"),
        (#"{"spatialLayer":-1}"#, "spatialLayer"),
        (#"{"spatialLayer":1,"temporalLayer":-2}"#, "temporalLayer"),
        (#"{"spatialLayer":1,"temporalLayer":"2"}"#, "temporalLayer"),
        (#"{"spatialLayer":1.5}"#, "spatialLayer"),
        (#"{"spatialLayer":null}"#, "spatialLayer"),
        (#"{"temporalLayer":1}"#, "spatialLayer"),
        (#"{"spatialLayer":1e30}"#, "spatialLayer"),
        (#"{"spatialLayer":9223372036854775808}"#, "spatialLayer"),
        (#"[1]"#, "request body"),
        (#"{"spatialLayer":1"#, "request body"),
        ("", "request body"),
    ])
    func badBodiesAre400(body: String, field: String) async throws {
        try await withSluice { api in
            let (s, consumer) = try await simulcastConsumer(api)
            let id = try #require(consumer["id"].string)
            let reply = try await api.send(.post, path(s, id), body.isEmpty ? nil : body)
            expectProblem(reply, 400, detailContains: field)
        }
    }

    @Test func unknownIdsAre404() async throws {
        try await withSluice { api in
            let (s, consumer) = try await simulcastConsumer(api)
            let id = try #require(consumer["id"].string)
            let body = #"{"spatialLayer":0}"#
            expectProblem(try await api.post(path(s, "nope"), body), 404, detailContains: "nope")
            expectProblem(try await api.post(Paths.consumer(s.room, "ghost", id) + "/preferred-layers", body), 404)
            // The consumer belongs to the receiver, not the sender.
            expectProblem(try await api.post(Paths.consumer(s.room, "sender", id) + "/preferred-layers", body), 404)
            expectProblem(try await api.post("/rooms/nowhere/broadcasters/receiver/consumers/\(id)/preferred-layers", body), 404)
        }
    }

    @Test func otherMethodsAre405() async throws {
        try await withSluice { api in
            let reply = try await api.send(.get, "/rooms/r/broadcasters/b/consumers/c/preferred-layers")
            expectProblem(reply, 405)
            #expect(reply.headers[.allow] == "POST")
        }
    }
}
