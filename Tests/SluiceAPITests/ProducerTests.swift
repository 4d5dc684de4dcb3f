import Testing

@Suite("Producers")
struct ProducerTests {
    @Test(arguments: [(Bodies.opusProducer(), "audio", 1111), (Bodies.vp8Producer(), "video", 2222)])
    func referenceScriptBodiesCreateProducers(body: String, kind: String, ssrc: Int) async throws {
        try await withSluice { api in
            try await api.makeBroadcaster("r", "b")
            let t = try await api.makeTransport("r", "b")
            let reply = try await api.post(Paths.producers("r", "b", t), body)
            expectJSON(reply)
            #expect(reply.json.keys == ["id"])
            let id = try #require(reply.json["id"].string)
            let state = try await api.get(Paths.producer("r", "b", id))
            expectJSON(state)
            #expect(state.json.keys == ["id", "kind", "type", "paused", "transportId", "rtpParameters"])
            #expect(state.json["id"].string == id)
            #expect(state.json["kind"].string == kind)
            #expect(state.json["type"].string == "simple")
            #expect(state.json["paused"].bool == false)
            #expect(state.json["transportId"].string == t)
            let parameters = state.json["rtpParameters"]
            #expect(parameters["encodings"][0]["ssrc"].int == ssrc)
            #expect(!(parameters["rtcp"]["cname"].string ?? "").isEmpty)
            #expect(parameters["rtcp"]["reducedSize"].bool == true)
            let transport = try await api.get(Paths.transport("r", "b", t)).json
            #expect(transport["producerIds"].array?.map(\.string) == [id])
        }
    }

    @Test func h264ProfileLevelIdIsRewrittenToTheRoutersAnswer() async throws {
        try await withSluice { api in
            try await api.makeBroadcaster("r", "b")
            let t = try await api.makeTransport("r", "b")
            let id = try await api.makeProducer("r", "b", t, Bodies.h264Producer)
            let codec = try await api.get(Paths.producer("r", "b", id)).json["rtpParameters"]["codecs"][0]
            #expect(codec["parameters"]["profile-level-id"].string == "42e01f")
            #expect(codec["parameters"]["packetization-mode"].int == 1)
        }
    }

    @Test func pausedInBodyCreatesAPausedProducer() async throws {
        try await withSluice { api in
            try await api.makeBroadcaster("r", "b")
            let t = try await api.makeTransport("r", "b")
            let body = #"{"kind":"audio","paused":true,"rtpParameters":{"codecs":[{"mimeType":"audio/opus","payloadType":100,"clockRate":48000,"channels":2}],"encodings":[{"ssrc":1}]}}"#
            let id = try await api.makeProducer("r", "b", t, body)
            #expect(try await api.get(Paths.producer("r", "b", id)).json["paused"].bool == true)
        }
    }

    @Test(arguments: [
        Bodies.isacProducer,
        #"{"kind":"video","rtpParameters":{"codecs":[{"mimeType":"video/H264","payloadType":102,"clockRate":90000,"parameters":{"packetization-mode":0,"profile-level-id":"42e01f"}}],"encodings":[{"ssrc":3}]}}"#,
        #"{"kind":"audio","rtpParameters":{"codecs":[{"mimeType":"audio/opus","payloadType":100,"clockRate":44100,"channels":2}],"encodings":[{"ssrc":4}]}}"#,
    ])
    func unsupportedCodecIs422(body: String) async throws {
        try await withSluice { api in
            try await api.makeBroadcaster("r", "b")
            let t = try await api.makeTransport("r", "b")
            expectProblem(try await api.post(Paths.producers("r", "b", t), body), 422)
            #expect(try await api.get(Paths.broadcaster("r", "b")).json["producers"].array?.count == 0)
        }
    }

    @Test func duplicateSsrcOnATransportIs409() async throws {
        try await withSluice { api in
            try await api.makeBroadcaster("r", "b")
            let t = try await api.makeTransport("r", "b")
            _ = try await api.makeProducer("r", "b", t, Bodies.opusProducer(ssrc: 1111))
            expectProblem(try await api.post(Paths.producers("r", "b", t), Bodies.vp8Producer(ssrc: 1111)), 409, detailContains: "1111")
            #expect(try await api.get(Paths.broadcaster("r", "b")).json["producers"].array?.count == 1)
            // Another transport has its own SSRC table.
            let other = try await api.makeTransport("r", "b")
            _ = try await api.makeProducer("r", "b", other, Bodies.opusProducer(ssrc: 1111))
        }
    }

    @Test func duplicateMidOnATransportIs409() async throws {
        try await withSluice { api in
            try await api.makeBroadcaster("r", "b")
            let t = try await api.makeTransport("r", "b")
            let body = { (ssrc: Int) in
                #"{"kind":"audio","rtpParameters":{"mid":"a","codecs":[{"mimeType":"audio/opus","payloadType":100,"clockRate":48000,"channels":2}],"encodings":[{"ssrc":\#(ssrc)}]}}"#
            }
            _ = try await api.makeProducer("r", "b", t, body(10))
            expectProblem(try await api.post(Paths.producers("r", "b", t), body(11)), 409, detailContains: "mid")
        }
    }

    @Test(arguments: [
        (#"{"kind":"audio"}"#, "rtpParameters"),
        (#"{"rtpParameters":{"codecs":[]}}"#, "kind"),
        (#"{"kind":"chicken","rtpParameters":{"codecs":[{"mimeType":"audio/opus","payloadType":100,"clockRate":48000}],"encodings":[{"ssrc":1}]}}"#, "kind"),
        (#"{"kind":"video","rtpParameters":{"codecs":[{"mimeType":"audio/opus","payloadType":100,"clockRate":48000,"channels":2}],"encodings":[{"ssrc":1}]}}"#, "mimeType"),
        (#"{"kind":"audio","rtpParameters":{"codecs":[],"encodings":[{"ssrc":1}]}}"#, "codecs"),
        (#"{"kind":"audio","rtpParameters":{"encodings":[{"ssrc":1}]}}"#, "rtpParameters.codecs"),
        (#"{"kind":"audio","rtpParameters":{"codecs":[{"mimeType":"audio/opus","payloadType":100,"clockRate":48000,"channels":2}]}}"#, "ssrc"),
        (#"{"kind":"audio","rtpParameters":{"codecs":[{"mimeType":"audio/opus","payloadType":"100","clockRate":48000}],"encodings":[{"ssrc":1}]}}"#, "payloadType"),
        (#"{"kind":"audio","rtpParameters":{"codecs":[{"mimeType":"audio/opus","payloadType":200,"clockRate":48000}],"encodings":[{"ssrc":1}]}}"#, "payloadType"),
        (#"{"kind":"audio","rtpParameters":"x"}"#, "rtpParameters"),
        (#"{"kind":"#, "JSON"),
        ("", "body"),
    ])
    func invalidBodyIs400(body: String, field: String) async throws {
        try await withSluice { api in
            try await api.makeBroadcaster("r", "b")
            let t = try await api.makeTransport("r", "b")
            expectProblem(try await api.post(Paths.producers("r", "b", t), body), 400, detailContains: field)
            #expect(try await api.get(Paths.broadcaster("r", "b")).json["producers"].array?.count == 0)
        }
    }

    static let outOfRangeSsrcs = [
        #"{"kind":"audio","rtpParameters":{"codecs":[{"mimeType":"audio/opus","payloadType":100,"clockRate":48000}],"encodings":[{"ssrc":-1}]}}"#,
        #"{"kind":"audio","rtpParameters":{"codecs":[{"mimeType":"audio/opus","payloadType":100,"clockRate":48000}],"encodings":[{"ssrc":4294967296}]}}"#,
        #"{"kind":"audio","rtpParameters":{"codecs":[{"mimeType":"audio/opus","payloadType":100,"clockRate":48000}],"encodings":[{"ssrc":1.5}]}}"#,
    ]

    @Test(arguments: Self.outOfRangeSsrcs)
    func outOfRangeIntegerIs400(body: String) async throws {
        try await withSluice { api in
            try await api.makeBroadcaster("r", "b")
            let t = try await api.makeTransport("r", "b")
            expectProblem(try await api.post(Paths.producers("r", "b", t), body), 400)
        }
    }

    @Test(
        arguments: Self.outOfRangeSsrcs)
    func outOfRangeIntegerNamesTheField(body: String) async throws {
        try await withSluice { api in
            try await api.makeBroadcaster("r", "b")
            let t = try await api.makeTransport("r", "b")
            expectProblem(try await api.post(Paths.producers("r", "b", t), body), 400, detailContains: "ssrc")
        }
    }

    @Test func unknownTransportIs404() async throws {
        try await withSluice { api in
            try await api.makeBroadcaster("r", "b")
            expectProblem(try await api.post(Paths.producers("r", "b", "nope"), Bodies.opusProducer()), 404, detailContains: "nope")
            expectProblem(try await api.post(Paths.producers("r", "ghost", "nope"), Bodies.opusProducer()), 404)
        }
    }

    @Test func pauseAndResumeFlipStateAndConsumersFollow() async throws {
        try await withSluice { api in
            let s = try await api.mediaScenario()
            let consumer = try #require(try await api.makeConsumer(s)["id"].string)
            let base = Paths.producer(s.room, "sender", s.producer)
            let paused = try await api.post(base + "/pause")
            expectJSON(paused)
            #expect(paused.json["id"].string == s.producer)
            #expect(paused.json["paused"].bool == true)
            #expect(try await api.get(base).json["paused"].bool == true)
            let consumerState = try await api.get(Paths.consumer(s.room, "receiver", consumer)).json
            #expect(consumerState["producerPaused"].bool == true)
            #expect(consumerState["paused"].bool == false)
            // Pausing again is harmless.
            #expect(try await api.post(base + "/pause").json["paused"].bool == true)
            let resumed = try await api.post(base + "/resume")
            expectJSON(resumed)
            #expect(resumed.json["paused"].bool == false)
            #expect(try await api.get(base).json["paused"].bool == false)
            #expect(try await api.get(Paths.consumer(s.room, "receiver", consumer)).json["producerPaused"].bool == false)
        }
    }

    @Test func getPauseResumeDeleteOfUnknownOrForeignProducerIs404() async throws {
        try await withSluice { api in
            let s = try await api.mediaScenario()
            for path in [Paths.producer(s.room, "sender", "nope"), Paths.producer(s.room, "receiver", s.producer)] {
                expectProblem(try await api.get(path), 404)
                expectProblem(try await api.post(path + "/pause"), 404)
                expectProblem(try await api.post(path + "/resume"), 404)
                expectProblem(try await api.delete(path), 404)
            }
            expectProblem(try await api.get(Paths.producer("nowhere", "sender", s.producer)), 404)
            #expect(try await api.get(Paths.producer(s.room, "sender", s.producer)).json["paused"].bool == false)
        }
    }

    @Test func deleteAnswers204ThenIs404AndClosesItsConsumers() async throws {
        try await withSluice { api in
            let s = try await api.mediaScenario()
            let consumer = try #require(try await api.makeConsumer(s)["id"].string)
            expectEmpty(try await api.delete(Paths.producer(s.room, "sender", s.producer)), 204)
            expectProblem(try await api.get(Paths.producer(s.room, "sender", s.producer)), 404)
            expectProblem(try await api.delete(Paths.producer(s.room, "sender", s.producer)), 404)
            expectProblem(try await api.get(Paths.consumer(s.room, "receiver", consumer)), 404)
            #expect(try await api.get(Paths.broadcaster(s.room, "receiver")).json["consumers"].array?.count == 0)
            let transport = try await api.get(Paths.transport(s.room, "sender", s.sendTransport)).json
            #expect(transport["producerIds"].array?.count == 0)
            // Its SSRC is free again.
            _ = try await api.makeProducer(s.room, "sender", s.sendTransport, Bodies.opusProducer())
        }
    }
}
