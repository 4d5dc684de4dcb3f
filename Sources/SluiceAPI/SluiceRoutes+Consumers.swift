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

    /// Sluice extension (the reference engine's `consumer.setPreferredLayers`): body
    /// `{spatialLayer, temporalLayer?}`, answered with the layers clamped to the producer's.
    func setConsumerPreferredLayers(_ request: Request, _ context: Context) async throws -> Response {
        var request = request
        let (broadcasterId, consumerId) = try consumerIds(context)
        guard let body = try await request.decodeJSON(PreferredLayersBody.self, limit: configuration.maxBodySize) else {
            throw Problem.invalid("request body: a JSON object is required")
        }
        guard body.spatialLayer >= 0 else { throw Problem.invalid("spatialLayer: must be an integer >= 0") }
        if let temporal = body.temporalLayer, temporal < 0 {
            throw Problem.invalid("temporalLayer: must be an integer >= 0")
        }
        let layers = try await inRoom(context) {
            try $0.setConsumerPreferredLayers(
                broadcasterId: broadcasterId, consumerId: consumerId, spatialLayer: body.spatialLayer,
                temporalLayer: body.temporalLayer)
        }
        return try JSONCoding.response(layers)
    }

    private func consumerIds(_ context: Context) throws -> (String, String) {
        (try context.parameters.require("broadcasterId"), try context.parameters.require("consumerId"))
    }
}

/// Body of `POST …/consumers/:consumerId/preferred-layers`.
struct PreferredLayersBody: Decodable {
    var spatialLayer: Int
    var temporalLayer: Int?

    enum CodingKeys: String, CodingKey {
        case spatialLayer, temporalLayer
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        spatialLayer = try Self.integer(container, .spatialLayer)
        let temporalGiven = container.contains(.temporalLayer) ? !(try container.decodeNil(forKey: .temporalLayer)) : false
        temporalLayer = temporalGiven ? try Self.integer(container, .temporalLayer) : nil
    }

    /// Any integer is taken (layers are clamped later); fractions, strings and numbers beyond
    /// the integer range are named in the error.
    private static func integer(_ container: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> Int {
        if let value = try? container.decode(Int.self, forKey: key) { return value }
        let number = try container.decode(Double.self, forKey: key)
        throw DecodingError.dataCorruptedError(
            forKey: key, in: container,
            debugDescription: number == number.rounded() ? "must be an integer within range" : "must be an integer, not \(number)")
    }
}
