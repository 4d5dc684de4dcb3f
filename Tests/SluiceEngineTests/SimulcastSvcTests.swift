import NIOCore
import SluiceEngine
import SluiceRTP
import Testing

// SVC consumers (VP9 L3T3 and L3T3_KEY) in virtual time: one stream, each picture sent as one
// packet per spatial layer (SID 0, 1, 2; the marker on SID 2), temporal pattern TID 0, 2, 1, 2
// with the switching-up point (U) on pictures 1 and 2 of each group of four, key pictures every
// `keyFrameEvery` pictures.

final class SvcSource {
    static let ssrc: UInt32 = 4321
    static let timestampBase: UInt32 = 777_000
    static let pictureMilliseconds: UInt64 = 40

    let h: MediaHarness
    let producerId: String
    let start: MediaTime
    var picture = 0
    var keyFrameEvery = 24
    private var seq: UInt16 = 60_000

    init(h: MediaHarness, scalabilityMode: String) throws {
        self.h = h
        producerId = try h.room.produce(
            broadcasterId: MediaHarness.producerBroadcaster, transportId: h.sendTransportId,
            options: ProduceOptions(
                kind: .video,
                rtpParameters: RtpParameters(
                    codecs: [
                        RtpCodecParameters(
                            mimeType: "video/VP9", payloadType: 103, clockRate: 90000,
                            parameters: ["profile-id": .int(2)], rtcpFeedback: MediaHarness.videoFeedback)
                    ],
                    encodings: [RtpEncodingParameters(ssrc: Self.ssrc, scalabilityMode: scalabilityMode)])))
        start = h.now
    }

    static func tid(picture: Int) -> Int { [0, 2, 1, 2][picture % 4] }
    static func switchingUp(picture: Int) -> Bool { picture % 4 == 1 || picture % 4 == 2 }

    func isKeyFrame(_ picture: Int) -> Bool { picture % keyFrameEvery == 0 }

    static func payload(picture: Int, sid: Int, keyFrame: Bool) -> [UInt8] {
        let tid = keyFrame ? 0 : tid(picture: picture)
        // L, B, E; P unless a key picture; non-flexible (TL0PICIDX follows the layer byte).
        let first: UInt8 = 0x20 | 0x08 | 0x04 | (keyFrame ? 0 : 0x40)
        let u: UInt8 = switchingUp(picture: picture) ? 0x10 : 0
        let layer = UInt8(tid) << 5 | u | UInt8(sid) << 1 | (sid > 0 ? 1 : 0)
        return [first, layer, UInt8(truncatingIfNeeded: picture / 4)] + [UInt8](repeating: 0x66, count: 20)
            + [UInt8(sid), UInt8(truncatingIfNeeded: picture >> 8), UInt8(truncatingIfNeeded: picture)]
    }

    func sendPicture() {
        h.advance(to: start + UInt64(picture) * Self.pictureMilliseconds)
        let keyFrame = isKeyFrame(picture)
        for sid in 0..<3 {
            let packet = RtpPacket(
                payloadType: 103, sequenceNumber: seq, timestamp: Self.timestampBase &+ UInt32(picture) &* 3600, ssrc: Self.ssrc,
                marker: sid == 2, payload: Self.payload(picture: picture, sid: sid, keyFrame: keyFrame))
            seq &+= 1
            h.fromSender(packet)
        }
        picture += 1
    }

    func run(untilPicture target: Int) {
        while picture < target { sendPicture() }
    }

    struct Output {
        var packet: RtpPacket
        var sid: Int
        var picture: Int
        var tid: Int { SvcSource.tid(picture: picture) }
    }

    func outputs(to address: SocketAddress) -> [Output] {
        h.rtp(to: address).map { packet in
            let bytes = Array(packet.payload)
            return Output(
                packet: packet, sid: Int(bytes[bytes.count - 3]),
                picture: Int(bytes[bytes.count - 2]) << 8 | Int(bytes[bytes.count - 1]))
        }
    }

    func plis(since: MediaTime) -> [UInt32] {
        h.rtcp(to: MediaHarness.senderAddress, since: since).compactMap { entry in
            if case .pli(let pli) = entry.packet { return pli.mediaSsrc }
            return nil
        }
    }
}

struct SvcSetup {
    let h: MediaHarness
    let source: SvcSource
    let consumer: MediaConsumer

    init(seed: UInt64, scalabilityMode: String = "L3T3") throws {
        h = try MediaHarness(seed: seed)
        source = try SvcSource(h: h, scalabilityMode: scalabilityMode)
        consumer = try h.consume(source.producerId, on: try h.addReceiver(port: 5004))
    }

    var state: ConsumerState {
        get throws { try h.room.consumerState(broadcasterId: MediaHarness.consumerBroadcaster, consumerId: consumer.id) }
    }

    @discardableResult
    func setPreferred(_ spatial: Int, _ temporal: Int? = nil) throws -> ConsumerLayers {
        try h.room.setConsumerPreferredLayers(
            broadcasterId: MediaHarness.consumerBroadcaster, consumerId: consumer.id, spatialLayer: spatial, temporalLayer: temporal)
    }

    var outputs: [SvcSource.Output] { source.outputs(to: consumer.address) }

    func layerChanges() -> [ConsumerLayers?] {
        h.room.drainEvents().compactMap { event in
            if case .consumerLayersChanged(let id, _, let layers) = event, id == consumer.id { return .some(layers) }
            return nil
        }
    }
}

/// Checks the output numbering has no gap and no repeat.
private func expectContiguous(_ outputs: [SvcSource.Output], sourceLocation: SourceLocation = #_sourceLocation) {
    for index in outputs.indices.dropFirst() {
        let previous = outputs[index - 1].packet.sequenceNumber
        #expect(outputs[index].packet.sequenceNumber == previous &+ 1, "at output \(index)", sourceLocation: sourceLocation)
    }
}

@Suite("SVC consumers")
struct SimulcastSvcTests {
    @Test func svcConsumerStartsAtAKeyPictureWithEveryLayer() throws {
        let setup = try SvcSetup(seed: 51)
        let state = try setup.state
        #expect(state.type == .svc)
        #expect(state.rtpParameters.encodings.count == 1)
        #expect(state.rtpParameters.encodings.first?.scalabilityMode == "L3T3")
        #expect(state.preferredLayers == ConsumerLayers(spatialLayer: 2, temporalLayer: 2))
        setup.source.run(untilPicture: 12)
        let outputs = setup.outputs
        #expect(outputs.count == 36, "every packet of every picture")
        #expect(outputs.first?.picture == 0 && outputs.first?.sid == 0)
        #expect(outputs.filter { $0.packet.marker }.allSatisfy { $0.sid == 2 })
        expectContiguous(outputs)
        #expect(try setup.state.currentLayers == ConsumerLayers(spatialLayer: 2, temporalLayer: 2))
        #expect(setup.layerChanges() == [ConsumerLayers(spatialLayer: 2, temporalLayer: 2)])
    }

    /// Mid-GOP start: nothing is forwarded before the next key picture, which is asked for.
    @Test func lateConsumerWaitsForAKeyPicture() throws {
        let h = try MediaHarness(seed: 52)
        let source = try SvcSource(h: h, scalabilityMode: "L3T3")
        source.run(untilPicture: 5)
        let t = h.now
        let consumer = try h.consume(source.producerId, on: try h.addReceiver(port: 5004))
        source.run(untilPicture: 30)
        let outputs = source.outputs(to: consumer.address)
        #expect(outputs.first?.picture == 24)
        #expect(source.plis(since: t).first == SvcSource.ssrc)
    }

    /// Down to S1T1 (full SVC): at the next picture start SID 2 and TID 2 go, no key picture
    /// needed; the end of SID 1 carries the marker; numbering stays contiguous.
    @Test func downSwitchDropsUpperLayersAndMovesTheMarker() throws {
        let setup = try SvcSetup(seed: 53)
        let source = setup.source
        source.run(untilPicture: 5)
        _ = setup.layerChanges()
        let t = source.h.now
        #expect(try setup.setPreferred(1, 1) == ConsumerLayers(spatialLayer: 1, temporalLayer: 1))
        let before = setup.outputs.count
        source.run(untilPicture: 20)
        let after = Array(setup.outputs[before...])
        #expect(after.allSatisfy { $0.sid <= 1 && $0.tid <= 1 })
        #expect(Set(after.map(\.picture)) == Set((5..<20).filter { SvcSource.tid(picture: $0) <= 1 }))
        #expect(after.filter { $0.sid == 1 }.allSatisfy { $0.packet.marker }, "end of the highest forwarded layer")
        #expect(after.filter { $0.sid == 0 }.allSatisfy { !$0.packet.marker })
        expectContiguous(setup.outputs)
        #expect(source.plis(since: t).isEmpty)
        #expect(setup.layerChanges() == [ConsumerLayers(spatialLayer: 1, temporalLayer: 1)])
        #expect(try setup.state.currentLayers == ConsumerLayers(spatialLayer: 1, temporalLayer: 1))
    }

    /// Back up to S2T2: the temporal layer comes back at the next switching-up point, the spatial
    /// layer only at the next key picture (one is requested at once).
    @Test func upSwitchWaitsForSwitchingUpPointAndKeyPicture() throws {
        let setup = try SvcSetup(seed: 54)
        let source = setup.source
        source.run(untilPicture: 5)
        try setup.setPreferred(0, 0)
        source.run(untilPicture: 12)
        _ = setup.layerChanges()
        let t = source.h.now
        try setup.setPreferred(2, 2)
        let before = setup.outputs.count
        source.run(untilPicture: 30)
        #expect(source.plis(since: t) == [SvcSource.ssrc], "a key picture is asked for the spatial upgrade")
        let after = Array(setup.outputs[before...])
        // Picture 12 (TID 0), 13 (TID 2 with U): the temporal layer goes up at 13.
        #expect(after.filter { $0.picture < 24 }.allSatisfy { $0.sid == 0 })
        #expect(Set(after.filter { $0.picture < 24 }.map(\.picture)) == Set(12..<24))
        #expect(after.filter { $0.picture >= 24 }.count == 18, "every layer from the key picture on")
        #expect(setup.layerChanges() == [ConsumerLayers(spatialLayer: 0, temporalLayer: 2), ConsumerLayers(spatialLayer: 2, temporalLayer: 2)])
        expectContiguous(setup.outputs)
    }

    /// K-SVC (L3T3_KEY): spatial layers change only at key pictures, down as well as up.
    @Test func ksvcSpatialDownWaitsForAKeyPicture() throws {
        let setup = try SvcSetup(seed: 55, scalabilityMode: "L3T3_KEY")
        let source = setup.source
        source.run(untilPicture: 5)
        let t = source.h.now
        try setup.setPreferred(0, 2)
        let before = setup.outputs.count
        source.run(untilPicture: 30)
        let after = Array(setup.outputs[before...])
        #expect(after.filter { $0.picture < 24 }.contains { $0.sid == 2 })
        #expect(after.filter { $0.picture >= 24 }.allSatisfy { $0.sid == 0 })
        #expect(source.plis(since: t) == [SvcSource.ssrc])
        expectContiguous(setup.outputs)
    }
}
