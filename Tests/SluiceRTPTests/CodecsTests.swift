import NIOCore
import Testing

@testable import SluiceRTP

struct CodecsVp8Vector: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    var descriptor: Vp8PayloadDescriptor?
    var testDescription: String { name }
}

func codecsVp8(
    extended: Bool = false, nonReference: Bool = false, start: Bool = true, partition: UInt8 = 0,
    pictureId: UInt16? = nil, twoByte: Bool = false, tl0: UInt8? = nil, tid: UInt8? = nil, sync: Bool = false,
    keyIndex: UInt8? = nil, headerLength: Int, key: Bool
) -> Vp8PayloadDescriptor? {
    guard var descriptor = Vp8PayloadDescriptor(parsing: packetsView([0x00, 0x01])) else { return nil }
    descriptor.extended = extended
    descriptor.nonReference = nonReference
    descriptor.startOfPartition = start
    descriptor.partitionIndex = partition
    descriptor.pictureId = pictureId
    descriptor.hasTwoBytePictureId = twoByte
    descriptor.tl0PictureIndex = tl0
    descriptor.temporalLayer = tid
    descriptor.layerSync = sync
    descriptor.keyIndex = keyIndex
    descriptor.headerLength = headerLength
    descriptor.isKeyFrame = key
    return descriptor
}

let codecsVp8Vectors: [CodecsVp8Vector] = [
    .init(
        name: "key frame, minimal descriptor",
        bytes: [
            0x10, // X=0 R=0 N=0 S=1 R=0 PID=0
            0x50, 0x42, 0x00, 0x9D, 0x01, 0x2A, // VP8 frame tag P=0 (key), start code 9D 01 2A
        ],
        descriptor: codecsVp8(headerLength: 1, key: true)),
    .init(
        name: "key frame with 15-bit picture ID, TL0PICIDX and TID/Y",
        bytes: [
            0x90, // X=1 S=1 PID=0
            0xE0, // I=1 L=1 T=1 K=0
            0x81, 0x23, // M=1 picture ID=0x0123
            0x05, // TL0PICIDX=5
            0x20, // TID=0 Y=1 KEYIDX=0
            0x30, 0x01, 0x00, 0x9D, 0x01, 0x2A, // VP8 key frame header
        ],
        descriptor: codecsVp8(extended: true, pictureId: 0x0123, twoByte: true, tl0: 5, tid: 0, sync: true, headerLength: 6, key: true)),
    .init(
        name: "delta frame, 7-bit picture ID",
        bytes: [
            0x90, // X=1 S=1 PID=0
            0x80, // I=1
            0x05, // M=0 picture ID=5
            0x31, 0x02, 0x00, // VP8 frame tag P=1 (inter frame)
        ],
        descriptor: codecsVp8(extended: true, pictureId: 5, headerLength: 3, key: false)),
    .init(
        name: "continuation of a key frame (S=0)",
        bytes: [0x80, 0x80, 0x05, 0x00, 0x00, 0x00], // X=1 S=0 | I=1 | ID=5 | data
        descriptor: codecsVp8(extended: true, start: false, pictureId: 5, headerLength: 3, key: false)),
    .init(
        name: "start of partition 1 is not a key frame start",
        bytes: [0x11, 0x30, 0x01], // S=1 PID=1
        descriptor: codecsVp8(partition: 1, headerLength: 1, key: false)),
    .init(
        name: "KEYIDX without T, non-reference",
        bytes: [
            0xB0, // X=1 N=1 S=1 PID=0
            0x10, // K=1
            0xDF, // TID bits ignored without T, KEYIDX=31
            0x30, // VP8 key frame
        ],
        descriptor: codecsVp8(extended: true, nonReference: true, keyIndex: 31, headerLength: 3, key: true)),
    .init(
        name: "TID=2 Y=1 KEYIDX=3 with T and K",
        bytes: [0x90, 0x30, 0xA3, 0x31], // X=1 S=1 | T=1 K=1 | TID=2 Y=1 KEYIDX=3 | inter frame
        descriptor: codecsVp8(extended: true, tid: 2, sync: true, keyIndex: 3, headerLength: 3, key: false)),
    .init(
        name: "descriptor without VP8 payload",
        bytes: [0x10],
        descriptor: codecsVp8(headerLength: 1, key: false)),
    .init(name: "empty", bytes: [], descriptor: nil),
    .init(name: "X=1 without extension byte", bytes: [0x90], descriptor: nil),
    .init(name: "I=1 without picture ID", bytes: [0x90, 0x80], descriptor: nil),
    .init(name: "M=1 without second picture ID byte", bytes: [0x90, 0x80, 0x81], descriptor: nil),
    .init(name: "L=1 without TL0PICIDX", bytes: [0x90, 0x40], descriptor: nil),
    .init(name: "T=1 without TID byte", bytes: [0x90, 0x20], descriptor: nil),
    .init(name: "K=1 without KEYIDX byte", bytes: [0x90, 0x90, 0x05], descriptor: nil),
]

struct CodecsVp9Vector: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    var headerLength: Int?
    var isKeyFrame = false
    var pictureId: UInt16?
    var spatialLayer: UInt8?
    var temporalLayer: UInt8?
    var tl0: UInt8?
    var referenceDiffs: [UInt8] = []
    var resolutions: [Vp9PayloadDescriptor.Resolution] = []
    var testDescription: String { name }
}

let codecsVp9Vectors: [CodecsVp9Vector] = [
    .init(
        name: "key frame with scalability structure (640x480, one group)",
        bytes: [
            0x8E, // I=1 P=0 L=0 F=0 B=1 E=1 V=1 Z=0
            0x80, 0x01, // M=1 picture ID=1
            0x18, // SS: N_S=0 (1 layer) Y=1 G=1
            0x02, 0x80, 0x01, 0xE0, // 640 x 480
            0x01, // N_G=1
            0x00, // TID=0 U=0 R=0
            0x82, 0x49, 0x83, 0x42, // VP9 frame: key frame header
        ],
        headerLength: 10, isKeyFrame: true, pictureId: 1,
        resolutions: [.init(width: 640, height: 480)]),
    .init(
        name: "inter frame",
        bytes: [0xCC, 0x80, 0x02, 0x86, 0x00], // I=1 P=1 B=1 E=1 | picture ID=2 | frame
        headerLength: 3, pictureId: 2),
    .init(
        name: "non-flexible SVC, spatial layer 0 key frame",
        bytes: [
            0xA8, // I=1 P=0 L=1 F=0 B=1 E=0 V=0 Z=0
            0x12, // picture ID=18
            0x00, // TID=0 U=0 SID=0 D=0
            0x05, // TL0PICIDX=5
            0x82, 0x49,
        ],
        headerLength: 4, isKeyFrame: true, pictureId: 18, spatialLayer: 0, temporalLayer: 0, tl0: 5),
    .init(
        name: "non-flexible SVC, spatial layer 1 of the key picture is not the key frame start",
        bytes: [
            0xA8, // I=1 P=0 L=1 F=0 B=1
            0x12, // picture ID=18
            0x03, // TID=0 U=0 SID=1 D=1
            0x05, // TL0PICIDX=5
            0x00,
        ],
        headerLength: 4, pictureId: 18, spatialLayer: 1, temporalLayer: 0, tl0: 5),
    .init(
        name: "key frame, middle packet (B=0)",
        bytes: [0x84, 0x12, 0x00], // I=1 P=0 B=0 E=1
        headerLength: 2, pictureId: 18),
    .init(
        name: "flexible mode, two reference diffs",
        bytes: [
            0xFC, // I=1 P=1 L=1 F=1 B=1 E=1
            0x80, 0x10, // picture ID=16
            0x50, // TID=2 U=1 SID=0 D=0 (no TL0PICIDX in flexible mode)
            0x03, // P_DIFF=1 N=1
            0x04, // P_DIFF=2 N=0
            0x00,
        ],
        headerLength: 6, pictureId: 16, spatialLayer: 0, temporalLayer: 2, referenceDiffs: [1, 2]),
    .init(
        name: "SS with two spatial layers and a group with a reference",
        bytes: [
            0x8A, // I=1 P=0 L=0 F=0 B=1 E=0 V=1
            0x7F, // picture ID=127
            0x38, // SS: N_S=1 (2 layers) Y=1 G=1
            0x01, 0x40, 0x00, 0xB4, // 320 x 180
            0x02, 0x80, 0x01, 0x68, // 640 x 360
            0x02, // N_G=2
            0x00, // TID=0 U=0 R=0
            0x34, 0x01, // TID=1 U=1 R=1 | P_DIFF=1
            0x82,
        ],
        headerLength: 15, isKeyFrame: true, pictureId: 127,
        resolutions: [.init(width: 320, height: 180), .init(width: 640, height: 360)]),
    .init(name: "empty", bytes: []),
    .init(name: "I=1 without picture ID", bytes: [0x80]),
    .init(name: "M=1 without second byte", bytes: [0x80, 0x80]),
    .init(name: "L=1 without layer byte", bytes: [0x20]),
    .init(name: "L=1 non-flexible without TL0PICIDX", bytes: [0x20, 0x00]),
    .init(name: "flexible with 4 reference diffs", bytes: [0x70, 0x00, 0x03, 0x03, 0x03, 0x02]), // P=1 L=1 F=1 | layers | 4 × P_DIFF
    .init(name: "flexible, P_DIFF says more follow but none does", bytes: [0x70, 0x00, 0x03]), // P=1 L=1 F=1 | layers | P_DIFF N=1
    .init(name: "V=1 without SS", bytes: [0x8A, 0x01]),
    .init(name: "SS resolutions cut short", bytes: [0x8A, 0x01, 0x10, 0x02, 0x80, 0x01]),
    .init(name: "SS group references past the end", bytes: [0x8A, 0x01, 0x08, 0x01, 0x0C, 0x01]), // R=3, one byte
]

struct CodecsH264Vector: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    var isKeyFrame: Bool
    var testDescription: String { name }
}

let codecsH264Vectors: [CodecsH264Vector] = [
    .init(
        name: "STAP-A with SPS, PPS and IDR",
        bytes: [
            0x78, // F=0 NRI=3 type=24 (STAP-A)
            0x00, 0x0A, // size=10
            0x67, 0x42, 0xC0, 0x1F, 0xDA, 0x01, 0x40, 0x16, 0xE8, 0x40, // SPS: Baseline, level 3.1
            0x00, 0x04, // size=4
            0x68, 0xCE, 0x3C, 0x80, // PPS
            0x00, 0x05, // size=5
            0x65, 0x88, 0x84, 0x00, 0x33, // IDR slice
        ],
        isKeyFrame: true),
    .init(
        name: "STAP-A with PPS then IDR (key unit not first)",
        bytes: [0x78, 0x00, 0x04, 0x68, 0xCE, 0x3C, 0x80, 0x00, 0x03, 0x65, 0x88, 0x84],
        isKeyFrame: true),
    .init(
        name: "STAP-A with PPS and SEI only",
        bytes: [0x78, 0x00, 0x04, 0x68, 0xCE, 0x3C, 0x80, 0x00, 0x03, 0x06, 0x05, 0x01],
        isKeyFrame: false),
    .init(name: "STAP-A whose unit size runs past the end", bytes: [0x78, 0x00, 0x20, 0x67, 0x42], isKeyFrame: false),
    .init(name: "STAP-A with a zero-size unit", bytes: [0x78, 0x00, 0x00, 0x00, 0x01, 0x65], isKeyFrame: false),
    .init(name: "STAP-A header only", bytes: [0x78], isKeyFrame: false),
    .init(name: "STAP-A with half a size field", bytes: [0x78, 0x00], isKeyFrame: false),
    .init(name: "STAP-B with DON, then IDR", bytes: [0x79, 0x00, 0x01, 0x00, 0x02, 0x65, 0x88], isKeyFrame: true),
    .init(
        name: "MTAP16 with an IDR",
        bytes: [0x7A, 0x00, 0x01, 0x00, 0x05, 0x00, 0x00, 0x10, 0x65, 0x88], // DONB | size=5 DOND TS-offset(16) NAL
        isKeyFrame: true),
    .init(
        name: "MTAP24 with a non-IDR slice",
        bytes: [0x7B, 0x00, 0x01, 0x00, 0x06, 0x00, 0x00, 0x00, 0x10, 0x41, 0x9A],
        isKeyFrame: false),
    .init(name: "FU-A start of an IDR", bytes: [0x7C, 0x85, 0x88, 0x84, 0x00, 0x33], isKeyFrame: true), // S=1 type=5
    .init(name: "FU-A middle of an IDR", bytes: [0x7C, 0x05, 0x12, 0x34], isKeyFrame: false), // S=0 E=0
    .init(name: "FU-A end of an IDR", bytes: [0x7C, 0x45, 0x12, 0x34], isKeyFrame: false), // E=1
    .init(name: "FU-A start of a non-IDR slice", bytes: [0x5C, 0x81, 0x9A, 0x02], isKeyFrame: false),
    .init(name: "FU-A indicator only", bytes: [0x7C], isKeyFrame: false),
    .init(name: "FU-B start of an IDR", bytes: [0x7D, 0x85, 0x00, 0x01, 0x88], isKeyFrame: true),
    .init(name: "single IDR slice", bytes: [0x65, 0x88, 0x84, 0x00, 0x33], isKeyFrame: true),
    .init(name: "single SPS", bytes: [0x67, 0x42, 0xC0, 0x1F], isKeyFrame: true),
    .init(name: "single PPS", bytes: [0x68, 0xCE, 0x3C, 0x80], isKeyFrame: false),
    .init(name: "non-IDR slice", bytes: [0x41, 0x9A, 0x02, 0x04], isKeyFrame: false),
    .init(name: "SEI", bytes: [0x06, 0x05, 0x10], isKeyFrame: false),
    .init(name: "empty", bytes: [], isKeyFrame: false),
]

@Suite("Codec payload descriptors")
struct CodecsTests {
    @Test("VP8 payload descriptor", arguments: codecsVp8Vectors)
    func vp8(vector: CodecsVp8Vector) {
        let parsed = Vp8PayloadDescriptor(parsing: packetsView(vector.bytes))
        #expect(parsed == vector.descriptor)
        #expect(KeyFrameDetector.isKeyFrame(mimeType: "video/VP8", payload: packetsView(vector.bytes)) == (vector.descriptor?.isKeyFrame ?? false))
    }

    @Test("VP9 payload descriptor", arguments: codecsVp9Vectors)
    func vp9(vector: CodecsVp9Vector) throws {
        let parsed = Vp9PayloadDescriptor(parsing: packetsView(vector.bytes))
        #expect(parsed?.headerLength == vector.headerLength)
        #expect(KeyFrameDetector.isKeyFrame(mimeType: "video/VP9", payload: packetsView(vector.bytes)) == vector.isKeyFrame)
        guard let parsed else { return }
        #expect(parsed.isKeyFrame == vector.isKeyFrame)
        #expect(parsed.pictureId == vector.pictureId)
        #expect(parsed.spatialLayer == vector.spatialLayer)
        #expect(parsed.temporalLayer == vector.temporalLayer)
        #expect(parsed.tl0PictureIndex == vector.tl0)
        #expect(parsed.referenceDiffs == vector.referenceDiffs)
        #expect(parsed.resolutions == vector.resolutions)
    }

    @Test("VP9 flags")
    func vp9Flags() throws {
        let parsed = try #require(Vp9PayloadDescriptor(parsing: packetsView([0xFF, 0x01, 0x5F, 0x02, 0x00, 0x00])))
        // I P L F B E V Z all set | picture ID=1 | TID=2 U=1 SID=7 D=1 | P_DIFF=1 N=0 | SS: 1 layer, no Y, no G
        #expect(parsed.interPicturePredicted)
        #expect(parsed.flexibleMode)
        #expect(parsed.beginningOfFrame)
        #expect(parsed.endOfFrame)
        #expect(parsed.scalabilityStructurePresent)
        #expect(parsed.notReferenceForUpperSpatialLayer)
        #expect(parsed.switchingUpPoint)
        #expect(parsed.interLayerDependency)
        #expect(parsed.spatialLayer == 7)
        #expect(parsed.temporalLayer == 2)
        #expect(parsed.tl0PictureIndex == nil)
        #expect(parsed.spatialLayerCount == 1)
        #expect(parsed.headerLength == 5)
        #expect(!parsed.isKeyFrame)
    }

    @Test("H.264 key frames", arguments: codecsH264Vectors)
    func h264(vector: CodecsH264Vector) {
        #expect(H264Payload.isKeyFrame(packetsView(vector.bytes)) == vector.isKeyFrame)
        #expect(KeyFrameDetector.isKeyFrame(mimeType: "video/H264", payload: packetsView(vector.bytes)) == vector.isKeyFrame)
    }

    @Test("H.264 NAL unit type")
    func nalUnitType() {
        #expect(H264Payload.nalUnitType(packetsView([0x67, 0x42])) == 7)
        #expect(H264Payload.nalUnitType(packetsView([0x7C, 0x85])) == 28)
        #expect(H264Payload.nalUnitType(packetsView([0xE5])) == 5) // F bit set: still type 5
        #expect(H264Payload.nalUnitType(packetsView([])) == nil)
    }

    @Test("payload views that do not start at index 0 (as from RtpPacket.payload)")
    func viewOffsets() throws {
        let packet = RtpPacket(
            payloadType: 96, sequenceNumber: 1, timestamp: 2, ssrc: 3,
            extensions: [(id: 1, value: [0xAA])], payload: [0x7C, 0x85, 0x88], paddingLength: 4)
        #expect(packet.payload.startIndex != 0)
        #expect(H264Payload.isKeyFrame(packet.payload))
        #expect(KeyFrameDetector.isKeyFrame(mimeType: "video/h264", payload: packet.payload))
        let vp8 = RtpPacket(payloadType: 96, sequenceNumber: 1, timestamp: 2, ssrc: 3, payload: [0x90, 0x80, 0x05, 0x30])
        let descriptor = try #require(Vp8PayloadDescriptor(parsing: vp8.payload))
        #expect(descriptor.pictureId == 5)
        #expect(descriptor.isKeyFrame)
    }

    @Test("MIME types, any case")
    func mimeTypes() {
        for mime in ["video/VP8", "VIDEO/vp8", "video/vp9", "Video/Vp9", "video/H264", "video/h264"] {
            #expect(KeyFrameDetector.supportsKeyFrameDetection(mimeType: mime), "\(mime)")
        }
        for mime in ["audio/opus", "audio/PCMU", "video/AV1", "video/H265", "video/rtx", "", "video/vp80", "video/vp", "vıdeo/vp8"] {
            #expect(!KeyFrameDetector.supportsKeyFrameDetection(mimeType: mime), "\(mime)")
            #expect(!KeyFrameDetector.isKeyFrame(mimeType: mime, payload: packetsView([0x65, 0x88])), "\(mime)")
        }
    }

    @Test("random payloads never crash the codec parsers")
    func fuzz() {
        var random = PacketsSeededRandom(seed: 0xC0DEC)
        for _ in 0..<10_000 {
            let bytes = random.bytes(count: Int.random(in: 0...24, using: &random))
            let view = packetsView(bytes)
            if let vp8 = Vp8PayloadDescriptor(parsing: view) { #expect(vp8.headerLength <= bytes.count) }
            if let vp9 = Vp9PayloadDescriptor(parsing: view) { #expect(vp9.headerLength <= bytes.count) }
            _ = H264Payload.isKeyFrame(view)
            _ = H264Payload.nalUnitType(view)
        }
    }
}
