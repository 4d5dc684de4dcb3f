public import Hummingbird
internal import SluiceNet
internal import SluiceEngine

extension SluiceRoutes {
    struct Created: Encodable { var id: String }

    func createProducer(_ request: Request, _ context: Context) async throws -> Response {
        var request = request
        guard let body = try await request.decodeJSON(ProduceBody.self, limit: configuration.maxBodySize) else {
            throw Problem.invalid("request body: a JSON object is required")
        }
        let (broadcasterId, transportId) = try transportIds(context)
        let options = body.options
        let id = try await inRoom(context) {
            try $0.produce(broadcasterId: broadcasterId, transportId: transportId, options: options)
        }
        return try JSONCoding.response(Created(id: id))
    }

    func getProducer(_ request: Request, _ context: Context) async throws -> Response {
        let (broadcasterId, producerId) = try producerIds(context)
        return try JSONCoding.response(
            try await inRoom(context) { try $0.producerState(broadcasterId: broadcasterId, producerId: producerId) })
    }

    func deleteProducer(_ request: Request, _ context: Context) async throws -> Response {
        let (broadcasterId, producerId) = try producerIds(context)
        try await inRoom(context) { try $0.closeProducer(broadcasterId: broadcasterId, producerId: producerId) }
        return JSONCoding.empty(.noContent)
    }

    func pauseProducer(_ request: Request, _ context: Context) async throws -> Response {
        try await setProducerPaused(true, context)
    }

    func resumeProducer(_ request: Request, _ context: Context) async throws -> Response {
        try await setProducerPaused(false, context)
    }

    private func setProducerPaused(_ paused: Bool, _ context: Context) async throws -> Response {
        let (broadcasterId, producerId) = try producerIds(context)
        return try JSONCoding.response(
            try await inRoom(context) {
                try $0.setProducerPaused(paused, broadcasterId: broadcasterId, producerId: producerId)
            })
    }

    private func producerIds(_ context: Context) throws -> (String, String) {
        (try context.parameters.require("broadcasterId"), try context.parameters.require("producerId"))
    }

    func dataChannelsNotImplemented(_ request: Request, _ context: Context) async throws -> Response {
        let (broadcasterId, transportId) = try transportIds(context)
        // Unknown ids still answer 404, so clients learn about typos before the missing feature.
        _ = try await inRoom(context) { try $0.transportState(broadcasterId: broadcasterId, transportId: transportId) }
        throw Problem(
            .notImplemented, "data-channels",
            "DataChannels (SCTP) are not supported yet; transports still advertise sctpParameters")
    }
}
