import Foundation
import Testing

/// Sluice extensions: stats, key-frame requests, SDP for receivers, room events.
@Suite("Stats, SDP, key frames and events")
struct MediaRouteTests {
    private static let receiverTarget = #"{"ip":"127.0.0.1","port":5004,"rtcpPort":5005}"#

    private func connectReceiver(_ api: Client, _ s: Scenario) async throws {
        let reply = try await api.post(Paths.transport(s.room, "receiver", s.receiveTransport) + "/connect", Self.receiverTarget)
        try #require(reply.code == 200, "connect failed: \(reply.text)")
    }

    @Test func transportStatsStartAtZero() async throws {
        try await withSluice { api in
            let s = try await api.mediaScenario()
            let reply = try await api.get(Paths.transport(s.room, "sender", s.sendTransport) + "/stats")
            expectJSON(reply)
            #expect(reply.json["id"].string == s.sendTransport)
            #expect(reply.json["type"].string == "plain")
            for key in ["bytesReceived", "bytesSent", "rtpPacketsReceived", "rtcpPacketsReceived", "rtpPacketsSent", "rtcpPacketsSent"] {
                #expect(reply.json[key].int == 0, "\(key)")
            }
            #expect(!reply.json["remoteRtp"].exists)
            #expect(reply.json["dropped"].exists)
            expectProblem(try await api.get(Paths.transport(s.room, "sender", "nope") + "/stats"), 404)
            expectProblem(try await api.get(Paths.transport(s.room, "receiver", s.sendTransport) + "/stats"), 404)
        }
    }

    @Test func producerStatsDescribeTheProducer() async throws {
        try await withSluice { api in
            let s = try await api.mediaScenario()
            let reply = try await api.get(Paths.producer(s.room, "sender", s.producer) + "/stats")
            expectJSON(reply)
            #expect(reply.json["id"].string == s.producer)
            #expect(reply.json["kind"].string == "audio")
            #expect(reply.json["paused"].bool == false)
            #expect(reply.json["streams"].array != nil)
            expectProblem(try await api.get(Paths.producer(s.room, "sender", "nope") + "/stats"), 404)
            expectProblem(try await api.get(Paths.producer(s.room, "receiver", s.producer) + "/stats"), 404)
        }
    }

    @Test func consumerStatsCarryTheConsumerSsrc() async throws {
        try await withSluice { api in
            let s = try await api.mediaScenario()
            let consumer = try await api.makeConsumer(s)
            let id = try #require(consumer["id"].string)
            let reply = try await api.get(Paths.consumer(s.room, "receiver", id) + "/stats")
            expectJSON(reply)
            #expect(reply.json["id"].string == id)
            #expect(reply.json["producerId"].string == s.producer)
            #expect(reply.json["ssrc"].int == consumer["rtpParameters"]["encodings"][0]["ssrc"].int)
            #expect(reply.json["packetsSent"].int == 0)
            #expect(!reply.json["roundTripTime"].exists)
            expectProblem(try await api.get(Paths.consumer(s.room, "receiver", "nope") + "/stats"), 404)
            expectProblem(try await api.get(Paths.consumer(s.room, "sender", id) + "/stats"), 404)
        }
    }

    @Test func requestKeyFrameAnswers204() async throws {
        try await withSluice { api in
            let s = try await api.mediaScenario()
            let video = try await api.makeProducer(s.room, "sender", s.sendTransport, Bodies.vp8Producer())
            let id = try #require(try await api.makeConsumer(s, producer: video)["id"].string)
            expectEmpty(try await api.post(Paths.consumer(s.room, "receiver", id) + "/request-key-frame"), 204)
            expectProblem(try await api.post(Paths.consumer(s.room, "receiver", "nope") + "/request-key-frame"), 404)
            expectProblem(try await api.post(Paths.consumer(s.room, "ghost", id) + "/request-key-frame"), 404)
        }
    }

    @Test func consumerSdpDescribesAConnectedPlainReceiver() async throws {
        try await withSluice { api in
            let s = try await api.mediaScenario()
            let consumer = try await api.makeConsumer(s)
            let id = try #require(consumer["id"].string)
            let path = Paths.consumer(s.room, "receiver", id) + "/sdp"
            expectProblem(try await api.get(path), 409, detailContains: "connect")
            try await connectReceiver(api, s)
            let reply = try await api.get(path)
            #expect(reply.code == 200)
            #expect(reply.contentType == "application/sdp")
            let lines = reply.text.components(separatedBy: "\r\n")
            #expect(lines.first == "v=0")
            #expect(lines.contains("m=audio 5004 RTP/AVP 100"))
            #expect(lines.contains("c=IN IP4 127.0.0.1"))
            #expect(lines.contains("a=rtcp:5005"))
            #expect(lines.contains("a=rtpmap:100 opus/48000/2"))
            let ssrc = try #require(consumer["rtpParameters"]["encodings"][0]["ssrc"].int)
            #expect(lines.contains { $0.hasPrefix("a=ssrc:\(ssrc) cname:") })
            let broadcaster = try await api.get(Paths.broadcaster(s.room, "receiver") + "/sdp")
            #expect(broadcaster.code == 200)
            #expect(broadcaster.body == reply.body)
        }
    }

    @Test func sdpConflictsAndUnknownIds() async throws {
        try await withSluice { api in
            let s = try await api.mediaScenario()
            expectProblem(try await api.get(Paths.broadcaster(s.room, "receiver") + "/sdp"), 409, detailContains: "no consumers")
            expectProblem(try await api.get(Paths.broadcaster(s.room, "ghost") + "/sdp"), 404)
            expectProblem(try await api.get(Paths.consumer(s.room, "receiver", "nope") + "/sdp"), 404)
            try await connectReceiver(api, s)
            _ = try await api.makeConsumer(s)
            _ = try await api.makeConsumer(s)
            expectProblem(try await api.get(Paths.broadcaster(s.room, "receiver") + "/sdp"), 409, detailContains: "share")
            // WebRTC consumers have no plain RTP receiver to describe.
            let webRtc = try await api.makeTransport(s.room, "receiver", Bodies.webRtcTransport)
            let onWebRtc = try #require(try await api.makeConsumer(
                Scenario(room: s.room, sendTransport: s.sendTransport, producer: s.producer, receiveTransport: webRtc))["id"].string)
            expectProblem(try await api.get(Paths.consumer(s.room, "receiver", onWebRtc) + "/sdp"), 409, detailContains: "plain")
        }
    }

    @Test func eventsOfUnknownRoomIs404() async throws {
        try await withSluice { api in
            expectProblem(try await api.get("/rooms/nowhere/events"), 404, detailContains: "nowhere")
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func eventsStreamNotificationsUntilTheRoomCloses() async throws {
        try await withSluice { api in
            let s = try await api.mediaScenario(room: "ev")
            let consumer = try #require(try await api.makeConsumer(s)["id"].string)
            async let stream = api.get("/rooms/ev/events")
            for _ in 0..<500 where api.pool.events.subscriberCount(roomId: "ev") == 0 {
                try await Task.sleep(for: .milliseconds(10))
            }
            try #require(api.pool.events.subscriberCount(roomId: "ev") == 1)
            _ = try await api.ok(try await api.post(Paths.producer(s.room, "sender", s.producer) + "/pause"))
            expectEmpty(try await api.delete(Paths.consumer(s.room, "receiver", consumer)), 204)
            expectEmpty(try await api.delete("/rooms/ev"), 204)
            let reply = try await stream
            #expect(reply.code == 200)
            #expect(reply.contentType == "text/event-stream")
            let text = reply.text
            #expect(text.hasPrefix(": sluice events for room ev\n\n"))
            #expect(text.contains("event: producerpause\ndata: {\"broadcasterId\":\"sender\",\"producerId\":\"\(s.producer)\"}\n\n"))
            #expect(text.contains("event: consumerproducerpause\ndata: {\"broadcasterId\":\"receiver\",\"consumerId\":\"\(consumer)\"}\n\n"))
            #expect(text.contains("event: consumerclose\ndata: {\"broadcasterId\":\"receiver\",\"consumerId\":\"\(consumer)\"}\n\n"))
            #expect(text.contains("event: producerclose"))
            #expect(text.contains("event: broadcasterclose\ndata: {\"broadcasterId\":\"sender\"}\n\n"))
            #expect(api.pool.events.subscriberCount(roomId: "ev") == 0)
        }
    }
}
