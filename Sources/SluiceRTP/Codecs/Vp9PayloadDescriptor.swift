public import NIOCore

/// The VP9 payload descriptor (RFC 9628 §4.2):
///
/// ```
///       0 1 2 3 4 5 6 7
///      +-+-+-+-+-+-+-+-+
///      |I|P|L|F|B|E|V|Z| (required)
///      +-+-+-+-+-+-+-+-+
/// I:   |M| PICTURE ID  | (M=1: 15-bit picture ID, one more byte)
///      +-+-+-+-+-+-+-+-+
/// L:   | TID |U| SID |D|
///      +-+-+-+-+-+-+-+-+
///      |   TL0PICIDX   | (L=1 and F=0: non-flexible mode only)
///      +-+-+-+-+-+-+-+-+
/// P,F: | P_DIFF      |N| (F=1 and P=1: up to 3 times, N=1 means another follows)
///      +-+-+-+-+-+-+-+-+
/// V:   | SS            | (scalability structure, below)
///      +-+-+-+-+-+-+-+-+
///
/// SS:  | N_S |Y|G|-|-|-|
///      |  WIDTH (16)   |  (Y=1: N_S+1 times)
///      |  HEIGHT (16)  |
///      |      N_G      |  (G=1)
///      |TID|U| R |-|-| |  (N_G times, each followed by R P_DIFF bytes)
/// ```
public struct Vp9PayloadDescriptor: Sendable, Hashable {
    public struct Resolution: Sendable, Hashable {
        public var width: UInt16
        public var height: UInt16

        public init(width: UInt16, height: UInt16) {
            self.width = width
            self.height = height
        }
    }

    /// P
    public var interPicturePredicted: Bool
    /// F
    public var flexibleMode: Bool
    /// B
    public var beginningOfFrame: Bool
    /// E
    public var endOfFrame: Bool
    /// V
    public var scalabilityStructurePresent: Bool
    /// Z: not used as a reference by the next spatial layer up.
    public var notReferenceForUpperSpatialLayer: Bool
    /// 7 or 15 bits, when I=1.
    public var pictureId: UInt16?
    /// Whether the picture ID is written in the 15-bit (two byte) form.
    public var hasTwoBytePictureId: Bool
    /// TID, when L=1.
    public var temporalLayer: UInt8?
    /// SID, when L=1.
    public var spatialLayer: UInt8?
    /// U (only meaningful with L=1).
    public var switchingUpPoint: Bool
    /// D (only meaningful with L=1): depends on the spatial layer below.
    public var interLayerDependency: Bool
    /// When L=1 in non-flexible mode.
    public var tl0PictureIndex: UInt8?
    /// P_DIFF values (flexible mode with P=1).
    public var referenceDiffs: [UInt8]
    /// Spatial layers announced by the scalability structure (N_S + 1), when V=1.
    public var spatialLayerCount: Int?
    /// Per-spatial-layer resolutions from the scalability structure, when V=1 and Y=1.
    public var resolutions: [Resolution]
    /// Bytes of descriptor (including the scalability structure) before the VP9 frame data.
    public var headerLength: Int
    /// Not inter-picture predicted, beginning of a frame, and spatial layer absent or 0.
    public var isKeyFrame: Bool

    /// Nil when the payload is empty, the descriptor runs past its end, or it has more than 3 P_DIFFs.
    public init?(parsing payload: ByteBufferView) {
        guard let first = payload.byte(atOffset: 0) else { return nil }
        let hasPictureId = first & 0x80 != 0
        interPicturePredicted = first & 0x40 != 0
        let hasLayerIndices = first & 0x20 != 0
        flexibleMode = first & 0x10 != 0
        beginningOfFrame = first & 0x08 != 0
        endOfFrame = first & 0x04 != 0
        scalabilityStructurePresent = first & 0x02 != 0
        notReferenceForUpperSpatialLayer = first & 0x01 != 0
        pictureId = nil
        hasTwoBytePictureId = false
        temporalLayer = nil
        spatialLayer = nil
        switchingUpPoint = false
        interLayerDependency = false
        tl0PictureIndex = nil
        referenceDiffs = []
        spatialLayerCount = nil
        resolutions = []

        var offset = 1
        func next() -> UInt8? {
            defer { offset += 1 }
            return payload.byte(atOffset: offset)
        }

        if hasPictureId {
            guard let high = next() else { return nil }
            if high & 0x80 != 0 {
                guard let low = next() else { return nil }
                pictureId = UInt16(high & 0x7F) << 8 | UInt16(low)
                hasTwoBytePictureId = true
            } else {
                pictureId = UInt16(high)
            }
        }
        if hasLayerIndices {
            guard let layers = next() else { return nil }
            temporalLayer = layers >> 5
            switchingUpPoint = layers & 0x10 != 0
            spatialLayer = (layers >> 1) & 0x07
            interLayerDependency = layers & 0x01 != 0
            if !flexibleMode {
                guard let index = next() else { return nil }
                tl0PictureIndex = index
            }
        }
        if flexibleMode && interPicturePredicted {
            while true {
                guard referenceDiffs.count < 3, let diff = next() else { return nil }
                referenceDiffs.append(diff >> 1)
                if diff & 0x01 == 0 { break }
            }
        }
        if scalabilityStructurePresent {
            guard let header = next() else { return nil }
            let layerCount = Int(header >> 5) + 1
            spatialLayerCount = layerCount
            if header & 0x10 != 0 { // Y
                for _ in 0..<layerCount {
                    guard let w1 = next(), let w0 = next(), let h1 = next(), let h0 = next() else { return nil }
                    resolutions.append(Resolution(width: UInt16(w1) << 8 | UInt16(w0), height: UInt16(h1) << 8 | UInt16(h0)))
                }
            }
            if header & 0x08 != 0 { // G
                guard let groupCount = next() else { return nil }
                for _ in 0..<groupCount {
                    guard let picture = next() else { return nil }
                    let referenceCount = Int((picture >> 2) & 0x03)
                    offset += referenceCount
                    guard offset <= payload.count else { return nil }
                }
            }
        }
        headerLength = offset
        isKeyFrame = !interPicturePredicted && beginningOfFrame && (spatialLayer ?? 0) == 0
    }
}
