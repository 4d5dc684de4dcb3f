public import Hummingbird
internal import SluiceNet
internal import SluiceEngine

extension SluiceRoutes {
    /// v3: `producerId` comes as a query parameter; the body may carry it, `paused` and
    /// `rtpCapabilities` too.
    func createConsumer(_ request: Request, _ context: Context) async throws -> Response {
        var request = request
        let body = try await request.decodeJSON(ConsumeBody.self, limit: configuration.maxBodySize, optional: true)
        // The v3 contract puts producerId in the query; it wins over one in the body.
        let queryProducerId = request.uri.queryParameters.get("producerId")
        guard let producerId = queryProducerId ?? body?.producerId, !producerId.isEmpty else {
            throw Problem.invalid("producerId: required as a query parameter (?producerId=) or in the body")
        }
        let options = ConsumeOptions(
            producerId: producerId, paused: body?.paused ?? false, rtpCapabilities: body?.rtpCapabilities,
            enableRtx: body?.enableRtx)
        let (broadcasterId, transportId) = try transportIds(context)
        let consumer = try await inRoom(context) {
            try $0.consume(broadcasterId: broadcasterId, transportId: transportId, options: options)
        }
        return try JSONCoding.response(consumer)
    }

    func getConsumer(_ request: Request, _ context: Context) async throws -> Response {
        let (broadcasterId, consumerId) = try consumerIds(context)
        return try JSONCoding.response(
            try await inRoom(context) { try $0.consumerState(broadcasterId: broadcasterId, consumerId: consumerId) })
    }

    func deleteConsumer(_ request: Request, _ context: Context) async throws -> Response {
        let (broadcasterId, consumerId) = try consumerIds(context)
        try await inRoom(context) { try $0.closeConsumer(broadcasterId: broadcasterId, consumerId: consumerId) }
        return JSONCoding.empty(.noContent)
    }

    func pauseConsumer(_ request: Request, _ context: Context) async throws -> Response {
        try await setConsumerPaused(true, context)
    }

    func resumeConsumer(_ request: Request, _ context: Context) async throws -> Response {
        try await setConsumerPaused(false, context)
    }

    private func setConsumerPaused(_ paused: Bool, _ context: Context) async throws -> Response {
        let (broadcasterId, consumerId) = try consumerIds(context)
        return try JSONCoding.response(
            try await inRoom(context) {
                try $0.setConsumerPaused(paused, broadcasterId: broadcasterId, consumerId: consumerId)
            })
    }

    private func consumerIds(_ context: Context) throws -> (String, String) {
        (try context.parameters.require("broadcasterId"), try context.parameters.require("consumerId"))
    }
}
