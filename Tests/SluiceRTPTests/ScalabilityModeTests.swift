import Testing
import SluiceRTP

@Suite("ScalabilityMode parsing")
struct ScalabilityModeTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var mode: String?
        var spatial: Int
        var temporal: Int
        var ksvc: Bool = false
        var testDescription: String { mode.map { "\"\($0)\"" } ?? "nil" }
    }

    static let cases: [Case] = [
        Case(mode: "L1T1", spatial: 1, temporal: 1),
        Case(mode: "L1T3", spatial: 1, temporal: 3),
        Case(mode: "L3T3", spatial: 3, temporal: 3),
        Case(mode: "L3T3_KEY", spatial: 3, temporal: 3, ksvc: true),
        Case(mode: "L2T2_KEY_SHIFT", spatial: 2, temporal: 2, ksvc: true),
        Case(mode: "S2T1", spatial: 2, temporal: 1),
        Case(mode: "S3T3", spatial: 3, temporal: 3),
        Case(mode: "L10T2", spatial: 10, temporal: 2),
        Case(mode: "L2T3h", spatial: 2, temporal: 3),
        // Anything unrecognised means one spatial and one temporal layer.
        Case(mode: "garbage", spatial: 1, temporal: 1),
        Case(mode: nil, spatial: 1, temporal: 1),
        Case(mode: "", spatial: 1, temporal: 1),
        Case(mode: "L", spatial: 1, temporal: 1),
        Case(mode: "L3", spatial: 1, temporal: 1),
        Case(mode: "L3T", spatial: 1, temporal: 1),
        Case(mode: "T3", spatial: 1, temporal: 1),
        Case(mode: "l3t3", spatial: 1, temporal: 1),
        Case(mode: "X3T3", spatial: 1, temporal: 1),
        Case(mode: "L0T3", spatial: 1, temporal: 1),
        Case(mode: "L3T0", spatial: 1, temporal: 1),
        Case(mode: "L03T3", spatial: 1, temporal: 1),
        Case(mode: "L123T3", spatial: 1, temporal: 1),
        Case(mode: "LxT3", spatial: 1, temporal: 1),
    ]

    @Test(arguments: cases)
    func parse(_ entry: Case) {
        let mode = ScalabilityMode(parsing: entry.mode)
        #expect(mode.spatialLayers == entry.spatial)
        #expect(mode.temporalLayers == entry.temporal)
        #expect(mode.ksvc == entry.ksvc)
    }
}
