import Foundation
import Testing

@Suite("Health and rooms")
struct RoomTests {
    private static let videoFeedback =
        #"[{"type":"nack","parameter":""},{"type":"nack","parameter":"pli"},{"type":"ccm","parameter":"fir"},{"type":"goog-remb","parameter":""},{"type":"transport-cc","parameter":""}]"#

    private static func video(_ mime: String, _ pt: Int, _ parameters: String) -> String {
        #"{"kind":"video","mimeType":"\#(mime)","preferredPayloadType":\#(pt),"clockRate":90000,"parameters":\#(parameters),"rtcpFeedback":\#(videoFeedback)}"#
    }

    private static func rtx(_ pt: Int, apt: Int) -> String {
        #"{"kind":"video","mimeType":"video/rtx","preferredPayloadType":\#(pt),"clockRate":90000,"parameters":{"apt":\#(apt)},"rtcpFeedback":[]}"#
    }

    /// The default router codecs as broadcaster-api.md lists them.
    static let expectedCodecs: String = {
        let h264 = { (profile: String) in
            #"{"packetization-mode":1,"profile-level-id":"\#(profile)","level-asymmetry-allowed":1,"x-google-start-bitrate":1000}"#
        }
        let entries = [
            #"{"kind":"audio","mimeType":"audio/opus","preferredPayloadType":100,"clockRate":48000,"channels":2,"parameters":{},"rtcpFeedback":[{"type":"nack","parameter":""},{"type":"transport-cc","parameter":""}]}"#,
            video("video/VP8", 101, #"{"x-google-start-bitrate":1000}"#), rtx(102, apt: 101),
            video("video/VP9", 103, #"{"profile-id":2,"x-google-start-bitrate":1000}"#), rtx(104, apt: 103),
            video("video/H264", 105, h264("4d0032")), rtx(106, apt: 105),
            video("video/H264", 107, h264("42e01f")), rtx(108, apt: 107),
        ]
        return "[" + entries.joined(separator: ",") + "]"
    }()

    /// The router header extensions as rtp-engine.md lists them.
    static let expectedHeaderExtensions: [String] = {
        let rows: [(String, Int, String, String)] = [
            ("audio", 1, "urn:ietf:params:rtp-hdrext:sdes:mid", "sendrecv"),
            ("video", 1, "urn:ietf:params:rtp-hdrext:sdes:mid", "sendrecv"),
            ("video", 2, "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id", "recvonly"),
            ("video", 3, "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id", "recvonly"),
            ("audio", 4, "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time", "sendrecv"),
            ("video", 4, "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time", "sendrecv"),
            ("audio", 5, "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01", "recvonly"),
            ("video", 5, "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01", "sendrecv"),
            ("audio", 10, "urn:ietf:params:rtp-hdrext:ssrc-audio-level", "sendrecv"),
            ("video", 11, "urn:3gpp:video-orientation", "sendrecv"),
            ("video", 12, "urn:ietf:params:rtp-hdrext:toffset", "sendrecv"),
            ("audio", 13, "http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time", "sendrecv"),
            ("video", 13, "http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time", "sendrecv"),
            ("audio", 14, "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay", "sendrecv"),
            ("video", 14, "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay", "sendrecv"),
        ]
        return rows.map { kind, id, uri, direction in
            parse(#"{"kind":"\#(kind)","uri":"\#(uri)","preferredId":\#(id),"preferredEncrypt":false,"direction":"\#(direction)"}"#).text
        }
    }()

    static func parse(_ text: String) -> JSON {
        JSON(try? JSONSerialization.jsonObject(with: Data(text.utf8)))
    }

    @Test func healthzCountsWorkersAndRooms() async throws {
        try await withSluice { api in
            let first = try await api.get("/healthz")
            expectJSON(first)
            #expect(first.json["status"].string == "ok")
            #expect(first.json["workers"].int == 1)
            #expect(first.json["rooms"].int == 0)
            try await api.makeRoom("r1")
            try await api.makeRoom("r2")
            #expect(try await api.get("/healthz").json["rooms"].int == 2)
        }
    }

    @Test func getRoomAnswersTheExactDefaultCapabilities() async throws {
        try await withSluice { api in
            let reply = try await api.get("/rooms/room-1")
            expectJSON(reply)
            #expect(reply.json.keys == ["codecs", "headerExtensions"])
            let codecs = try #require(reply.json["codecs"].array)
            #expect(codecs.count == 9)
            #expect(codecs.compactMap { $0["preferredPayloadType"].int } == Array(100...108))
            #expect(reply.json["codecs"].text == Self.parse(Self.expectedCodecs).text)
            let extensions = try #require(reply.json["headerExtensions"].array)
            #expect(!extensions.isEmpty)
            #expect(Set(extensions.map(\.text)) == Set(Self.expectedHeaderExtensions))
            #expect(extensions.count == Self.expectedHeaderExtensions.count)
        }
    }

    @Test func getRoomTwiceAnswersTheSameAndCreatesOneRoom() async throws {
        try await withSluice { api in
            let first = try await api.get("/rooms/same")
            let second = try await api.get("/rooms/same")
            #expect(first.body == second.body)
            #expect(try await api.get("/healthz").json["rooms"].int == 1)
        }
    }

    @Test(arguments: ["a.b", String(repeating: "x", count: 65), "a%20b", "caf%C3%A9"])
    func invalidRoomIdIs400(roomId: String) async throws {
        try await withSluice { api in
            expectProblem(try await api.get("/rooms/\(roomId)"), 400, detailContains: "roomId")
            #expect(try await api.get("/healthz").json["rooms"].int == 0)
        }
    }

    @Test func listRoomsSummarisesEachRoom() async throws {
        try await withSluice { api in
            let empty = try await api.get("/rooms")
            expectJSON(empty)
            #expect(empty.json["rooms"].array?.count == 0)
            let s = try await api.mediaScenario(room: "b-room")
            _ = try await api.makeConsumer(s)
            try await api.makeRoom("a-room")
            let reply = try await api.get("/rooms")
            expectJSON(reply)
            let rooms = try #require(reply.json["rooms"].array)
            #expect(rooms.map { $0["id"].string } == ["a-room", "b-room"])
            #expect(rooms[0].text == Self.parse(#"{"id":"a-room","worker":0,"broadcasters":0,"transports":0,"producers":0,"consumers":0}"#).text)
            #expect(rooms[1].text == Self.parse(#"{"id":"b-room","worker":0,"broadcasters":2,"transports":2,"producers":1,"consumers":1}"#).text)
        }
    }

    @Test func deleteRoomAnswers204ThenUnknownIs404() async throws {
        try await withSluice { api in
            _ = try await api.mediaScenario(room: "doomed")
            expectEmpty(try await api.delete("/rooms/doomed"), 204)
            expectProblem(try await api.delete("/rooms/doomed"), 404, detailContains: "doomed")
            expectProblem(try await api.get(Paths.broadcasters("doomed")), 404)
            expectProblem(try await api.get(Paths.broadcaster("doomed", "sender")), 404)
            #expect(try await api.get("/healthz").json["rooms"].int == 0)
            #expect(try await api.get("/rooms").json["rooms"].array?.count == 0)
            // GET creates it again, empty.
            try await api.makeRoom("doomed")
            #expect(try await api.get(Paths.broadcasters("doomed")).json["broadcasters"].array?.count == 0)
        }
    }

    @Test func deleteUnknownRoomIs404() async throws {
        try await withSluice { api in
            expectProblem(try await api.delete("/rooms/never"), 404, detailContains: "never")
        }
    }
}
