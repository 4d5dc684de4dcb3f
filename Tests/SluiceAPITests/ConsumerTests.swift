import Foundation
import Testing

@Suite("Consumers")
struct ConsumerTests {
    private func consumePath(_ s: Scenario, _ query: String = "") -> String {
        Paths.transport(s.room, "receiver", s.receiveTransport) + "/consume" + query
    }

    @Test func consumeWithQueryProducerIdAnswersTheConsumer() async throws {
        try await withSluice { api in
            let s = try await api.mediaScenario()
            let reply = try await api.post(consumePath(s, "?producerId=\(s.producer)"))
            expectJSON(reply)
            let consumer = reply.json
            #expect(consumer.keys.isSuperset(of: ["id", "producerId", "kind", "rtpParameters", "type", "paused", "producerPaused"]))
            #expect(!(consumer["id"].string ?? "").isEmpty)
            #expect(consumer["producerId"].string == s.producer)
            #expect(consumer["kind"].string == "audio")
            #expect(consumer["type"].string == "simple")
            #expect(consumer["paused"].bool == false)
            #expect(consumer["producerPaused"].bool == false)
            let parameters = consumer["rtpParameters"]
            #expect(parameters["mid"].string == "0")
            #expect(parameters["codecs"][0]["mimeType"].string == "audio/opus")
            #expect(parameters["codecs"][0]["payloadType"].int == 100)
            let ssrc = try #require(parameters["encodings"][0]["ssrc"].int)
            #expect(ssrc != 1111)
            let second = try await api.makeConsumer(s)
            #expect(second["rtpParameters"]["mid"].string == "1")
            #expect(second["id"].string != consumer["id"].string)
        }
    }

    @Test func videoConsumerGetsRtxWithTheNextSsrc() async throws {
        try await withSluice { api in
            let s = try await api.mediaScenario()
            let video = try await api.makeProducer(s.room, "sender", s.sendTransport, Bodies.vp8Producer())
            let consumer = try await api.makeConsumer(s, producer: video)
            #expect(consumer["kind"].string == "video")
            let encoding = consumer["rtpParameters"]["encodings"][0]
            let ssrc = try #require(encoding["ssrc"].int)
            #expect(ssrc != 2222)
            #expect(encoding["rtx"]["ssrc"].int == ssrc + 1)
            #expect(consumer["rtpParameters"]["codecs"].array?.compactMap { $0["mimeType"].string } == ["video/VP8", "video/rtx"])
        }
    }

    @Test func producerIdMayComeInTheBody() async throws {
        try await withSluice { api in
            let s = try await api.mediaScenario()
            let fromBody = try await api.post(consumePath(s), #"{"producerId":"\#(s.producer)","paused":true}"#)
            expectJSON(fromBody)
            #expect(fromBody.json["producerId"].string == s.producer)
            #expect(fromBody.json["paused"].bool == true)
            let both = try await api.post(consumePath(s, "?producerId=\(s.producer)"), #"{"producerId":"\#(s.producer)"}"#)
            expectJSON(both)
        }
    }

    /// Behaviour since 2852092: the v3 query parameter wins over a body producerId.
    @Test func queryProducerIdWinsOverTheBody() async throws {
        try await withSluice { api in
            let s = try await api.mediaScenario()
            let reply = try await api.post(consumePath(s, "?producerId=\(s.producer)"), #"{"producerId":"other"}"#)
            expectJSON(reply)
            #expect(reply.json["producerId"].string == s.producer)
        }
    }

    @Test func consumerOfAPausedProducerStartsProducerPaused() async throws {
        try await withSluice { api in
            let s = try await api.mediaScenario()
            _ = try await api.ok(try await api.post(Paths.producer(s.room, "sender", s.producer) + "/pause"))
            #expect(try await api.makeConsumer(s)["producerPaused"].bool == true)
        }
    }

    @Test func withoutCapabilitiesIs400UnlessTheBodyBringsThem() async throws {
        try await withSluice { api in
            let s = try await api.mediaScenario()
            let path = Paths.transport(s.room, "sender", s.sendTransport) + "/consume?producerId=\(s.producer)"
            expectProblem(try await api.post(path), 400, detailContains: "rtpCapabilities")
            let caps = try await api.makeRoom(s.room)
            expectJSON(try await api.post(path, #"{"rtpCapabilities":\#(caps)}"#))
        }
    }

    @Test func incompatibleCapabilitiesAre422() async throws {
        try await withSluice { api in
            let s = try await api.mediaScenario()
            let reply = try await api.post(consumePath(s, "?producerId=\(s.producer)"), #"{"rtpCapabilities":\#(Bodies.isacCapabilities)}"#)
            expectProblem(reply, 422)
            #expect(try await api.get(Paths.broadcaster(s.room, "receiver")).json["consumers"].array?.count == 0)
        }
    }

    @Test func unknownProducerIs404() async throws {
        try await withSluice { api in
            let s = try await api.mediaScenario()
            expectProblem(try await api.post(consumePath(s, "?producerId=nope")), 404, detailContains: "nope")
        }
    }

    @Test(arguments: [
        ("", nil as String?, "producerId"),
        ("?producerId=", nil, "producerId"),
        ("", "{}", "producerId"),
        ("?producerId=PRODUCER", "{\"paused\":\"yes\"}", "paused"),
        ("?producerId=PRODUCER", "{\"rtpCapabilities\":[]}", "rtpCapabilities"),
        ("?producerId=PRODUCER", "{\"producerId\":", "JSON"),
    ])
    func invalidRequestIs400(query: String, body: String?, field: String) async throws {
        try await withSluice { api in
            let s = try await api.mediaScenario()
            let reply = try await api.post(
                consumePath(s, query.replacingOccurrences(of: "PRODUCER", with: s.producer)),
                body?.replacingOccurrences(of: "PRODUCER", with: s.producer))
            expectProblem(reply, 400, detailContains: field)
            #expect(try await api.get(Paths.broadcaster(s.room, "receiver")).json["consumers"].array?.count == 0)
        }
    }

    @Test func unknownTransportIs404() async throws {
        try await withSluice { api in
            let s = try await api.mediaScenario()
            let path = Paths.transport(s.room, "receiver", "nope") + "/consume?producerId=\(s.producer)"
            expectProblem(try await api.post(path), 404, detailContains: "nope")
        }
    }

    @Test func getAnswersTheConsumerState() async throws {
        try await withSluice { api in
            let s = try await api.mediaScenario()
            let created = try await api.makeConsumer(s)
            let id = try #require(created["id"].string)
            let reply = try await api.get(Paths.consumer(s.room, "receiver", id))
            expectJSON(reply)
            let state = reply.json
            #expect(state.keys == ["id", "producerId", "kind", "type", "paused", "producerPaused", "transportId", "rtpParameters"])
            #expect(state["transportId"].string == s.receiveTransport)
            #expect(state["rtpParameters"].text == created["rtpParameters"].text)
            let broadcaster = try await api.get(Paths.broadcaster(s.room, "receiver")).json
            #expect(broadcaster["consumers"].array?.map { $0["id"].string } == [id])
        }
    }

    @Test func pauseAndResumeFlipTheConsumerOnly() async throws {
        try await withSluice { api in
            let s = try await api.mediaScenario()
            let id = try #require(try await api.makeConsumer(s)["id"].string)
            let base = Paths.consumer(s.room, "receiver", id)
            let paused = try await api.post(base + "/pause")
            expectJSON(paused)
            #expect(paused.json["paused"].bool == true)
            #expect(paused.json["producerPaused"].bool == false)
            #expect(try await api.get(base).json["paused"].bool == true)
            #expect(try await api.get(Paths.producer(s.room, "sender", s.producer)).json["paused"].bool == false)
            let resumed = try await api.post(base + "/resume")
            expectJSON(resumed)
            #expect(resumed.json["paused"].bool == false)
            #expect(try await api.get(base).json["paused"].bool == false)
        }
    }

    @Test func unknownOrForeignConsumerIs404() async throws {
        try await withSluice { api in
            let s = try await api.mediaScenario()
            let id = try #require(try await api.makeConsumer(s)["id"].string)
            for path in [Paths.consumer(s.room, "receiver", "nope"), Paths.consumer(s.room, "sender", id)] {
                expectProblem(try await api.get(path), 404)
                expectProblem(try await api.post(path + "/pause"), 404)
                expectProblem(try await api.post(path + "/resume"), 404)
                expectProblem(try await api.delete(path), 404)
            }
            #expect(try await api.get(Paths.consumer(s.room, "receiver", id)).json["paused"].bool == false)
        }
    }

    @Test func deleteAnswers204ThenIs404AndKeepsTheProducer() async throws {
        try await withSluice { api in
            let s = try await api.mediaScenario()
            let id = try #require(try await api.makeConsumer(s)["id"].string)
            expectEmpty(try await api.delete(Paths.consumer(s.room, "receiver", id)), 204)
            expectProblem(try await api.get(Paths.consumer(s.room, "receiver", id)), 404)
            expectProblem(try await api.delete(Paths.consumer(s.room, "receiver", id)), 404)
            expectJSON(try await api.get(Paths.producer(s.room, "sender", s.producer)))
            #expect(try await api.get(Paths.transport(s.room, "receiver", s.receiveTransport)).json["consumerIds"].array?.count == 0)
        }
    }
}
