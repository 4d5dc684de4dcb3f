public import Hummingbird
internal import SluiceNet
internal import SluiceEngine

extension SluiceRoutes {
    struct Peers: Encodable { var peers: [PeerInfo] }
    struct BroadcasterList: Encodable { var broadcasters: [BroadcasterState] }

    func createBroadcaster(_ request: Request, _ context: Context) async throws -> Response {
        var request = request
        guard let body = try await request.decodeJSON(BroadcasterBody.self, limit: configuration.maxBodySize) else {
            throw Problem.invalid("request body: a JSON object is required")
        }
        let options = try body.options()
        let peers = try await inRoom(context) { try $0.createBroadcaster(options) }
        return try JSONCoding.response(Peers(peers: peers))
    }

    func listBroadcasters(_ request: Request, _ context: Context) async throws -> Response {
        try JSONCoding.response(BroadcasterList(broadcasters: try await inRoom(context) { $0.broadcasterStates() }))
    }

    func getBroadcaster(_ request: Request, _ context: Context) async throws -> Response {
        let broadcasterId = try context.parameters.require("broadcasterId")
        return try JSONCoding.response(try await inRoom(context) { try $0.broadcasterState(broadcasterId) })
    }

    /// v3: 200 with an empty body; closes the broadcaster's transports and what they carry.
    func deleteBroadcaster(_ request: Request, _ context: Context) async throws -> Response {
        let broadcasterId = try context.parameters.require("broadcasterId")
        try await inRoom(context) { try $0.deleteBroadcaster(broadcasterId) }
        return JSONCoding.empty()
    }
}
