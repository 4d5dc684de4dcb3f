/// Spatial and temporal layer counts of a `scalabilityMode` such as `L3T3_KEY` or `S2T1`.
public struct ScalabilityMode: Sendable, Hashable {
    public var spatialLayers: Int
    public var temporalLayers: Int
    public var ksvc: Bool

    public init(spatialLayers: Int = 1, temporalLayers: Int = 1, ksvc: Bool = false) {
        self.spatialLayers = spatialLayers
        self.temporalLayers = temporalLayers
        self.ksvc = ksvc
    }

    /// Parses the mode; anything unrecognised (or nil) means one spatial and one temporal layer.
    public init(parsing mode: String?) {
        self.init()
        guard let mode, let first = mode.first, first == "L" || first == "S" else { return }
        var rest = mode.dropFirst()
        let spatialDigits = rest.prefix(while: \.isNumber)
        rest = rest.dropFirst(spatialDigits.count)
        guard rest.first == "T" else { return }
        rest = rest.dropFirst()
        let temporalDigits = rest.prefix(while: \.isNumber)
        rest = rest.dropFirst(temporalDigits.count)
        guard let spatial = Int(spatialDigits), let temporal = Int(temporalDigits),
            (1...99).contains(spatial), (1...99).contains(temporal),
            spatialDigits.first != "0", temporalDigits.first != "0"
        else { return }
        self.spatialLayers = spatial
        self.temporalLayers = temporal
        self.ksvc = rest.hasPrefix("_KEY")
    }
}
