public import Hummingbird
internal import SluiceNet
internal import SluiceEngine
internal import Foundation

extension SluiceRoutes {
    func transportStats(_ request: Request, _ context: Context) async throws -> Response {
        let (broadcasterId, transportId) = try transportIds(context)
        return try JSONCoding.response(
            try await inRoom(context) { try $0.transportStats(broadcasterId: broadcasterId, transportId: transportId) })
    }

    func producerStats(_ request: Request, _ context: Context) async throws -> Response {
        let broadcasterId = try context.parameters.require("broadcasterId")
        let producerId = try context.parameters.require("producerId")
        return try JSONCoding.response(
            try await inRoom(context) { try $0.producerStats(broadcasterId: broadcasterId, producerId: producerId, now: .now) })
    }

    func consumerStats(_ request: Request, _ context: Context) async throws -> Response {
        let broadcasterId = try context.parameters.require("broadcasterId")
        let consumerId = try context.parameters.require("consumerId")
        return try JSONCoding.response(
            try await inRoom(context) { try $0.consumerStats(broadcasterId: broadcasterId, consumerId: consumerId, now: .now) })
    }

    func requestKeyFrame(_ request: Request, _ context: Context) async throws -> Response {
        let broadcasterId = try context.parameters.require("broadcasterId")
        let consumerId = try context.parameters.require("consumerId")
        try await inRoom(context) { try $0.requestKeyFrame(broadcasterId: broadcasterId, consumerId: consumerId, now: .now) }
        return JSONCoding.empty(.noContent)
    }

    /// SDP for one consumer: what ffmpeg or GStreamer opens to receive it.
    func consumerSdp(_ request: Request, _ context: Context) async throws -> Response {
        let broadcasterId = try context.parameters.require("broadcasterId")
        let consumerId = try context.parameters.require("consumerId")
        return try sdpResponse(try await inRoom(context) { try $0.sdp(broadcasterId: broadcasterId, consumerIds: [consumerId]) })
    }

    /// SDP for every consumer of a broadcaster (one m-line each, one transport each).
    func broadcasterSdp(_ request: Request, _ context: Context) async throws -> Response {
        let broadcasterId = try context.parameters.require("broadcasterId")
        return try sdpResponse(try await inRoom(context) { try $0.sdp(broadcasterId: broadcasterId, consumerIds: nil) })
    }

    private func sdpResponse(_ sdp: String) throws -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/sdp"],
            body: .init(byteBuffer: ByteBuffer(string: sdp)))
    }

    /// Server-Sent Events of a room until the client goes away or the room closes.
    func roomEvents(_ request: Request, _ context: Context) async throws -> Response {
        let roomId = try context.parameters.require("roomId")
        _ = try pool.worker(ofRoom: roomId)
        let stream = pool.events.subscribe(roomId: roomId)
        let body = ResponseBody { writer in
            try await writer.write(ByteBuffer(string: ": sluice events for room \(roomId)\n\n"))
            for await event in stream {
                let data = (try? JSONCoding.encoder.encode(event.fields)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
                try await writer.write(ByteBuffer(string: "event: \(event.name)\ndata: \(data)\n\n"))
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
            body: body)
    }
}
