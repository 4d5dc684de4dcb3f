/// A spatial and temporal layer pair of a simulcast or SVC consumer (`{spatialLayer, temporalLayer}`).
public struct ConsumerLayers: Sendable, Hashable, Codable {
    public var spatialLayer: Int
    public var temporalLayer: Int

    public init(spatialLayer: Int, temporalLayer: Int) {
        self.spatialLayer = spatialLayer
        self.temporalLayer = temporalLayer
    }
}

/// Which spatial layer a simulcast consumer should be sending: the preferred one while its stream
/// has traffic, else the highest active one below it, else the lowest active one above it.
///
/// The reference engine chooses from stream scores and the bandwidth estimate; we have no
/// estimate yet, so a stream counts as usable while packets arrive on it (none for a second
/// makes it inactive).
struct LayerSelector {
    /// A stream with no packet for this long is inactive.
    static let inactivityMilliseconds: UInt64 = 1000

    let spatialLayers: Int
    let temporalLayers: Int
    private(set) var preferred: ConsumerLayers
    private var lastArrival: [MediaTime?]

    init(spatialLayers: Int, temporalLayers: Int) {
        self.spatialLayers = max(1, spatialLayers)
        self.temporalLayers = max(1, temporalLayers)
        preferred = ConsumerLayers(spatialLayer: self.spatialLayers - 1, temporalLayer: self.temporalLayers - 1)
        lastArrival = [MediaTime?](repeating: nil, count: self.spatialLayers)
    }

    /// Clamps to the layers the producer has; a missing temporal layer means the highest.
    @discardableResult
    mutating func setPreferred(spatialLayer: Int, temporalLayer: Int?) -> ConsumerLayers {
        let spatial = min(max(0, spatialLayer), spatialLayers - 1)
        let temporal = min(max(0, temporalLayer ?? temporalLayers - 1), temporalLayers - 1)
        preferred = ConsumerLayers(spatialLayer: spatial, temporalLayer: temporal)
        return preferred
    }

    mutating func arrived(encoding: Int, now: MediaTime) {
        guard lastArrival.indices.contains(encoding) else { return }
        lastArrival[encoding] = now
    }

    func isActive(_ encoding: Int, now: MediaTime) -> Bool {
        guard lastArrival.indices.contains(encoding), let at = lastArrival[encoding] else { return false }
        return now.milliseconds(since: at) <= Self.inactivityMilliseconds
    }

    /// The spatial layer to aim for now; nil when no stream has traffic.
    func targetSpatialLayer(now: MediaTime) -> Int? {
        var layer = preferred.spatialLayer
        while layer >= 0 {
            if isActive(layer, now: now) { return layer }
            layer -= 1
        }
        layer = preferred.spatialLayer + 1
        while layer < spatialLayers {
            if isActive(layer, now: now) { return layer }
            layer += 1
        }
        return nil
    }

    var targetTemporalLayer: Int { preferred.temporalLayer }
}
