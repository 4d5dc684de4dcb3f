import Testing

@Suite("Broadcasters")
struct BroadcasterTests {
    @Test func createAnswersEmptyPeers() async throws {
        try await withSluice { api in
            try await api.makeRoom("r")
            let reply = try await api.post(Paths.broadcasters("r"), Bodies.broadcaster("b1"))
            expectJSON(reply)
            #expect(reply.text == #"{"peers":[]}"#)
        }
    }

    @Test func peersListOtherBroadcastersWithTheirProducersWhenCapabilitiesAreSent() async throws {
        try await withSluice { api in
            try await api.makeBroadcaster("r", "alice")
            let transport = try await api.makeTransport("r", "alice")
            let audio = try await api.makeProducer("r", "alice", transport, Bodies.opusProducer())
            let video = try await api.makeProducer("r", "alice", transport, Bodies.vp8Producer())
            // Without capabilities, no peers are listed.
            let blind = try await api.post(Paths.broadcasters("r"), Bodies.broadcaster("carol"))
            #expect(blind.text == #"{"peers":[]}"#)
            let reply = try await api.post(
                Paths.broadcasters("r"), Bodies.broadcaster("bob", capabilities: try await api.makeRoom("r")))
            expectJSON(reply)
            let peers = try #require(reply.json["peers"].array)
            #expect(peers.map { $0["id"].string } == ["alice", "carol"])
            let alice = peers[0]
            #expect(alice.keys == ["id", "displayName", "device", "producers"])
            #expect(alice["displayName"].string == "Broadcaster")
            #expect(alice["device"]["flag"].string == "broadcaster")
            #expect(alice["device"]["name"].string == "FFmpeg")
            #expect(!alice["device"]["version"].exists)
            let producers = try #require(alice["producers"].array)
            #expect(producers.map { $0["id"].string } == [audio, video])
            #expect(producers.map { $0["kind"].string } == ["audio", "video"])
            #expect(peers[1]["producers"].array?.count == 0)
        }
    }

    @Test func peersOmitProducersTheNewBroadcasterCannotConsume() async throws {
        try await withSluice { api in
            try await api.makeBroadcaster("r", "alice")
            let transport = try await api.makeTransport("r", "alice")
            _ = try await api.makeProducer("r", "alice", transport, Bodies.opusProducer())
            let reply = try await api.post(
                Paths.broadcasters("r"), Bodies.broadcaster("isac", capabilities: Bodies.isacCapabilities))
            expectJSON(reply)
            #expect(reply.json["peers"][0]["id"].string == "alice")
            #expect(reply.json["peers"][0]["producers"].array?.count == 0)
        }
    }

    @Test(arguments: [
        (#"{"displayName":"x","device":{"name":"y"}}"#, "id"),
        (#"{"id":"a","device":{"name":"y"}}"#, "displayName"),
        (#"{"id":"a","displayName":"x"}"#, "device"),
        (#"{"id":"a","displayName":"x","device":{}}"#, "device.name"),
        (#"{"id":"a","displayName":"","device":{"name":"y"}}"#, "displayName"),
        (#"{"id":"a","displayName":"x","device":{"name":""}}"#, "device.name"),
        (#"{"id":"","displayName":"x","device":{"name":"y"}}"#, "id"),
        (#"{"id":"a b","displayName":"x","device":{"name":"y"}}"#, "id"),
        (#"{"id":5,"displayName":"x","device":{"name":"y"}}"#, "id"),
        (#"{"id":"a","displayName":true,"device":{"name":"y"}}"#, "displayName"),
        (#"{"id":"a","displayName":"x","device":"FFmpeg"}"#, "device"),
        (#"{"id":"a","displayName":"x","device":{"name":7}}"#, "device.name"),
        (#"{"id":"a","displayName":"x","device":{"name":"y"},"rtpCapabilities":"all"}"#, "rtpCapabilities"),
        (#"{"id":"a","displayName":"x","device":{"name":"y"},"rtpCapabilities":{"codecs":{}}}"#, "rtpCapabilities.codecs"),
        (#"{"id":null,"displayName":"x","device":{"name":"y"}}"#, "id"),
        (#"{"id":"\#(String(repeating: "i", count: 65))","displayName":"x","device":{"name":"y"}}"#, "id"),
        (#"{"id":"a","displayName":"x","device":{"name":"y"},"rtpCapabilities":{"codecs":[{"mimeType":"nonsense","clockRate":1}]}}"#, "rtpCapabilities.codecs[0].mimeType"),
        (#"{"id":"a","displayName":"x","device":{"name":"y"},"rtpCapabilities":{"codecs":[{"mimeType":"audio/opus","clockRate":0}]}}"#, "clockRate"),
        (#"{"id":"a","displayName":"x","device":{"name":"y"},"rtpCapabilities":{"headerExtensions":[{"kind":"audio","uri":"urn:x","preferredId":0}]}}"#, "preferredId"),
    ])
    func invalidBodyIs400NamingTheField(body: String, field: String) async throws {
        try await withSluice { api in
            try await api.makeRoom("r")
            expectProblem(try await api.post(Paths.broadcasters("r"), body), 400, detailContains: field)
            #expect(try await api.get(Paths.broadcasters("r")).json["broadcasters"].array?.count == 0)
        }
    }

    @Test(arguments: [#"{"id":"#, "not json", "", "[]", "42", #"{"id":"a","displayName":"x","device":{"name":"y"}"#])
    func malformedOrNonObjectBodyIs400(body: String) async throws {
        try await withSluice { api in
            try await api.makeRoom("r")
            expectProblem(try await api.post(Paths.broadcasters("r"), body), 400)
        }
    }

    @Test func duplicateIdIs409AndKeepsTheFirst() async throws {
        try await withSluice { api in
            try await api.makeBroadcaster("r", "dup")
            let reply = try await api.post(Paths.broadcasters("r"), Bodies.broadcaster("dup", displayName: "Other"))
            expectProblem(reply, 409, detailContains: "dup")
            let list = try await api.get(Paths.broadcasters("r")).json["broadcasters"]
            #expect(list.count == 1)
            #expect(list[0]["displayName"].string == "Broadcaster")
        }
    }

    @Test func sixtyFourCharacterIdsAreFine() async throws {
        try await withSluice { api in
            let id = String(repeating: "A", count: 32) + String(repeating: "9", count: 31) + "_"
            try await api.makeBroadcaster(String(repeating: "r", count: 64), id)
        }
    }

    @Test func sameIdInAnotherRoomIsFine() async throws {
        try await withSluice { api in
            try await api.makeBroadcaster("r1", "same")
            try await api.makeBroadcaster("r2", "same")
        }
    }

    @Test func unknownRoomIs404() async throws {
        try await withSluice { api in
            expectProblem(try await api.post(Paths.broadcasters("nowhere"), Bodies.broadcaster("b")), 404, detailContains: "nowhere")
            expectProblem(try await api.get(Paths.broadcasters("nowhere")), 404)
            expectProblem(try await api.get(Paths.broadcaster("nowhere", "b")), 404)
            expectProblem(try await api.delete(Paths.broadcaster("nowhere", "b")), 404)
        }
    }

    @Test func getAnswersTheFullState() async throws {
        try await withSluice { api in
            try await api.makeRoom("r")
            _ = try await api.ok(
                try await api.post(
                    Paths.broadcasters("r"),
                    #"{"id":"b1","displayName":"Cam","device":{"name":"GStreamer","version":"1.22"}}"#))
            let transport = try await api.makeTransport("r", "b1")
            let producer = try await api.makeProducer("r", "b1", transport)
            let reply = try await api.get(Paths.broadcaster("r", "b1"))
            expectJSON(reply)
            let state = reply.json
            #expect(state["id"].string == "b1")
            #expect(state["displayName"].string == "Cam")
            #expect(state["device"].text == RoomTests.parse(#"{"flag":"broadcaster","name":"GStreamer","version":"1.22"}"#).text)
            #expect(!state["rtpCapabilities"].exists)
            #expect(state["transports"].array?.map { $0["id"].string } == [transport])
            #expect(state["producers"].array?.map { $0["id"].string } == [producer])
            #expect(state["consumers"].array?.count == 0)
        }
    }

    @Test func getKeepsTheCapabilitiesSentAtCreation() async throws {
        try await withSluice { api in
            try await api.makeBroadcaster("r", "b1", withCapabilities: true)
            let state = try await api.get(Paths.broadcaster("r", "b1")).json
            #expect(state["rtpCapabilities"]["codecs"].count == 9)
        }
    }

    @Test func getUnknownBroadcasterIs404() async throws {
        try await withSluice { api in
            try await api.makeRoom("r")
            expectProblem(try await api.get(Paths.broadcaster("r", "ghost")), 404, detailContains: "ghost")
        }
    }

    @Test func listAnswersBroadcastersInCreationOrder() async throws {
        try await withSluice { api in
            try await api.makeRoom("r")
            let empty = try await api.get(Paths.broadcasters("r"))
            expectJSON(empty)
            #expect(empty.text == #"{"broadcasters":[]}"#)
            for id in ["zed", "amy", "kim"] { try await api.makeBroadcaster("r", id) }
            let list = try await api.get(Paths.broadcasters("r")).json["broadcasters"]
            #expect(list.array?.map { $0["id"].string } == ["zed", "amy", "kim"])
        }
    }

    @Test func deleteAnswers200EmptyThen404() async throws {
        try await withSluice { api in
            try await api.makeBroadcaster("r", "b1")
            try await api.makeBroadcaster("r", "b2")
            expectEmpty(try await api.delete(Paths.broadcaster("r", "b1")), 200)
            expectProblem(try await api.get(Paths.broadcaster("r", "b1")), 404)
            expectProblem(try await api.delete(Paths.broadcaster("r", "b1")), 404)
            let list = try await api.get(Paths.broadcasters("r")).json["broadcasters"]
            #expect(list.array?.map { $0["id"].string } == ["b2"])
            // The id is free again.
            try await api.makeBroadcaster("r", "b1")
        }
    }

    @Test func deleteClosesTransportsProducersAndTheirConsumers() async throws {
        try await withSluice { api in
            let s = try await api.mediaScenario()
            let consumer = try #require(try await api.makeConsumer(s)["id"].string)
            expectEmpty(try await api.delete(Paths.broadcaster(s.room, "sender")), 200)
            expectProblem(try await api.get(Paths.consumer(s.room, "receiver", consumer)), 404)
            let receiver = try await api.get(Paths.broadcaster(s.room, "receiver")).json
            #expect(receiver["consumers"].array?.count == 0)
            #expect(receiver["transports"][0]["consumerIds"].array?.count == 0)
            let room = try await api.get("/rooms").json["rooms"][0]
            #expect(room["broadcasters"].int == 1)
            #expect(room["transports"].int == 1)
            #expect(room["producers"].int == 0)
            #expect(room["consumers"].int == 0)
        }
    }
}
