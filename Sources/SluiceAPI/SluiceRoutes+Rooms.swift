public import Hummingbird
internal import SluiceNet
internal import SluiceEngine
internal import SluiceRTP

extension SluiceRoutes {
    struct Health: Encodable {
        var status: String
        var workers: Int
        var rooms: Int
        /// Each worker's shared WebRTC port and its drop counters (absent without shared ports).
        var webRtcServers: [WorkerWebRtcServerStats]?
    }

    func health(_ request: Request, _ context: Context) async throws -> Response {
        // Visiting every worker loop for the shared-port counters also shows they are responsive.
        let servers = pool.hasSharedWebRtcPorts ? try await pool.webRtcServerStats() : nil
        return try JSONCoding.response(
            Health(status: "ok", workers: pool.workers.count, rooms: pool.roomCount, webRtcServers: servers))
    }

    struct RoomList: Encodable { var rooms: [RoomSummary] }

    func listRooms(_ request: Request, _ context: Context) async throws -> Response {
        try JSONCoding.response(RoomList(rooms: try await pool.roomSummaries()))
    }

    /// v3: answers the router capabilities and creates the room when it is new.
    func getRoom(_ request: Request, _ context: Context) async throws -> Response {
        let roomId = try context.parameters.require("roomId")
        try Identifier.validate(roomId, field: "roomId")
        let worker = pool.workerCreatingRoom(roomId)
        let capabilities = try await worker.run { $0.roomCreatingIfNeeded(roomId).rtpCapabilities }
        return try JSONCoding.response(capabilities)
    }

    func deleteRoom(_ request: Request, _ context: Context) async throws -> Response {
        let roomId = try context.parameters.require("roomId")
        _ = try pool.worker(ofRoom: roomId)
        await recordings?.stopAll(roomId: roomId)
        try await pool.closeRoom(roomId)
        return JSONCoding.empty(.noContent)
    }
}
