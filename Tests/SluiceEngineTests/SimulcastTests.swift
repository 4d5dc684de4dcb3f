import NIOCore
import SluiceEngine
import SluiceRTP
import Testing

// Simulcast consumers in virtual time: a VP8 producer with three SSRC encodings on the media
// harness's send transport, fed frame by frame (one packet per layer per frame, interleaved
// 0, 1, 2), key frames on each stream every `keyFrameEvery` frames at staggered offsets, and an
// L1T3 temporal pattern (TID 0, 2, 1, 2) in the VP8 descriptors.

/// One packet the simulcast source sent.
struct SimulcastInput {
    var layer: Int
    var frame: Int
    var seq: UInt16
    var timestamp: UInt32
    var keyFrame: Bool
    var tid: Int
}

/// What a consumer received, decoded from the test payload's trailer.
struct SimulcastOutput {
    var packet: RtpPacket
    var layer: Int
    var frame: Int
    var at: MediaTime
}

final class SimulcastSource {
    static let ssrcs: [UInt32] = [1001, 1002, 1003]
    /// Distinct random-looking bases per stream, as real encoders have.
    static let timestampBases: [UInt32] = [100_000, 5_000_000, 4_000_000_000]
    static let sequenceBases: [UInt16] = [100, 20_000, 65_500]
    static let frameMilliseconds: UInt64 = 40
    static let ticksPerFrame: UInt32 = 3600

    let h: MediaHarness
    let producerId: String
    let start: MediaTime
    var frame = 0
    var keyFrameEvery = 12
    /// Frame (mod keyFrameEvery) of each stream's key frames.
    var keyFrameOffsets = [0, 4, 8]
    var activeLayers: Set<Int> = [0, 1, 2]
    /// Packets per frame and layer (the last carries the marker).
    var packetsPerFrame = 1
    private(set) var inputs: [SimulcastInput] = []
    private var nextSeq: [UInt16] = SimulcastSource.sequenceBases
    /// Key frames requested by the test, by layer (answering a PLI).
    var forceKeyFrame: Set<Int> = []

    init(h: MediaHarness, scalabilityMode: String? = "L1T3", layers: Int = 3) throws {
        self.h = h
        producerId = try h.room.produce(
            broadcasterId: MediaHarness.producerBroadcaster, transportId: h.sendTransportId,
            options: ProduceOptions(
                kind: .video,
                rtpParameters: RtpParameters(
                    codecs: [
                        RtpCodecParameters(
                            mimeType: "video/VP8", payloadType: 101, clockRate: 90000, rtcpFeedback: MediaHarness.videoFeedback)
                    ],
                    encodings: Self.ssrcs.prefix(layers).map { RtpEncodingParameters(ssrc: $0, scalabilityMode: scalabilityMode) })))
        start = h.now
    }

    static func tid(frame: Int) -> Int { [0, 2, 1, 2][frame % 4] }

    /// Layer sync (Y): the first TL2 after a TL0 and every TL1 can be switched up to.
    static func layerSync(frame: Int) -> Bool { frame % 4 == 1 || frame % 4 == 2 }

    func isKeyFrame(layer: Int, frame: Int) -> Bool {
        frame % keyFrameEvery == keyFrameOffsets[layer] || forceKeyFrame.contains(layer)
    }

    func time(ofFrame frame: Int) -> MediaTime { start + UInt64(frame) * Self.frameMilliseconds }

    func timestamp(layer: Int, frame: Int) -> UInt32 {
        Self.timestampBases[layer] &+ UInt32(frame) &* Self.ticksPerFrame
    }

    static func payload(layer: Int, frame: Int, keyFrame: Bool, tid: Int, first: Bool, y: Bool) -> [UInt8] {
        let descriptor: [UInt8] = [first ? 0x90 : 0x80, 0x20, UInt8(tid) << 6 | (y ? 0x20 : 0)]
        let header: [UInt8] = first ? (keyFrame ? [0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A] : [0x11, 0x02, 0x00]) : []
        return descriptor + header + [UInt8](repeating: 0x55, count: 20)
            + [UInt8(layer), UInt8(truncatingIfNeeded: frame >> 8), UInt8(truncatingIfNeeded: frame)]
    }

    /// Sends the next frame on every active layer at its time.
    func sendFrame() {
        h.advance(to: time(ofFrame: frame))
        for layer in 0..<Self.ssrcs.count where activeLayers.contains(layer) {
            let keyFrame = isKeyFrame(layer: layer, frame: frame)
            forceKeyFrame.remove(layer)
            let tid = keyFrame ? 0 : Self.tid(frame: frame)
            for index in 0..<packetsPerFrame {
                let seq = nextSeq[layer]
                nextSeq[layer] &+= 1
                let packet = RtpPacket(
                    payloadType: 101, sequenceNumber: seq, timestamp: timestamp(layer: layer, frame: frame),
                    ssrc: Self.ssrcs[layer], marker: index == packetsPerFrame - 1,
                    payload: Self.payload(
                        layer: layer, frame: frame, keyFrame: keyFrame && index == 0, tid: tid, first: index == 0,
                        y: Self.layerSync(frame: frame)))
                inputs.append(
                    SimulcastInput(
                        layer: layer, frame: frame, seq: seq, timestamp: packet.timestamp, keyFrame: keyFrame && index == 0,
                        tid: tid))
                h.fromSender(packet)
            }
        }
        frame += 1
    }

    func run(frames: Int) {
        for _ in 0..<frames { sendFrame() }
    }

    /// Runs until (not including) frame `target`.
    func run(untilFrame target: Int) {
        while frame < target { sendFrame() }
    }

    /// The next frame ≥ `from` where `layer` has a scheduled key frame.
    func nextKeyFrame(layer: Int, from: Int) -> Int {
        var frame = from
        while frame % keyFrameEvery != keyFrameOffsets[layer] { frame += 1 }
        return frame
    }

    /// Sender reports for every stream, all describing the same capture clock: frame n was
    /// captured at `time(ofFrame: n)`.
    func sendSenderReports() {
        let clock = NtpClock(offset: 0)
        var packets: [RtcpPacket] = []
        for layer in 0..<Self.ssrcs.count {
            let elapsed = h.now.milliseconds(since: start)
            let rtp = Self.timestampBases[layer] &+ UInt32(truncatingIfNeeded: elapsed * 90)
            packets.append(
                .senderReport(SenderReport(ssrc: Self.ssrcs[layer], ntpTimestamp: clock.ntp(h.now), rtpTimestamp: rtp, packetCount: 1, octetCount: 1)))
        }
        h.fromSender(RtcpCompound.serialize(packets))
    }

    /// Sends again a packet sent before (a late duplicate or retransmission from the sender).
    func resend(_ input: SimulcastInput) {
        let packet = RtpPacket(
            payloadType: 101, sequenceNumber: input.seq, timestamp: input.timestamp, ssrc: Self.ssrcs[input.layer], marker: true,
            payload: Self.payload(
                layer: input.layer, frame: input.frame, keyFrame: input.keyFrame, tid: input.tid, first: true,
                y: Self.layerSync(frame: input.frame)))
        h.fromSender(packet)
    }

    /// What a consumer received, in order.
    func outputs(to address: SocketAddress) -> [SimulcastOutput] {
        h.sent.filter { $0.destination == address }.compactMap { datagram -> SimulcastOutput? in
            guard let packet = datagram.rtp else { return nil }
            let bytes = Array(packet.payload)
            guard bytes.count >= 3 else { return nil }
            let frame = Int(bytes[bytes.count - 2]) << 8 | Int(bytes[bytes.count - 1])
            return SimulcastOutput(packet: packet, layer: Int(bytes[bytes.count - 3]), frame: frame, at: datagram.at)
        }
    }

    /// PLIs that went upstream, with the media SSRC they name.
    func plis(since: MediaTime? = nil) -> [(at: MediaTime, ssrc: UInt32)] {
        h.rtcp(to: MediaHarness.senderAddress, since: since).compactMap { entry in
            if case .pli(let pli) = entry.packet { return (entry.at, pli.mediaSsrc) }
            return nil
        }
    }
}

/// Checks the output numbering has no gap and no repeat.
func expectContiguous(_ outputs: [SimulcastOutput], sourceLocation: SourceLocation = #_sourceLocation) {
    for index in outputs.indices.dropFirst() {
        let previous = outputs[index - 1].packet.sequenceNumber
        let current = outputs[index].packet.sequenceNumber
        #expect(current == previous &+ 1, "seq \(previous) → \(current) at output \(index)", sourceLocation: sourceLocation)
    }
}

/// Checks timestamps never go back (same frame may repeat) and step forward by `maxStep` at most.
func expectMonotonic(_ outputs: [SimulcastOutput], maxStep: UInt32 = 4 * 3600, sourceLocation: SourceLocation = #_sourceLocation) {
    for index in outputs.indices.dropFirst() {
        let previous = outputs[index - 1].packet.timestamp
        let current = outputs[index].packet.timestamp
        let step = current &- previous
        #expect(step < 0x8000_0000 && step <= maxStep, "ts \(previous) → \(current) at output \(index)", sourceLocation: sourceLocation)
    }
}

struct SimulcastSetup {
    let h: MediaHarness
    let source: SimulcastSource
    let consumer: MediaConsumer
    var events: [EngineEvent] = []

    init(seed: UInt64, scalabilityMode: String? = "L1T3", layers: Int = 3) throws {
        h = try MediaHarness(seed: seed)
        source = try SimulcastSource(h: h, scalabilityMode: scalabilityMode, layers: layers)
        let receiver = try h.addReceiver(port: 5004)
        consumer = try h.consume(source.producerId, on: receiver)
    }

    var state: ConsumerState {
        get throws { try h.room.consumerState(broadcasterId: MediaHarness.consumerBroadcaster, consumerId: consumer.id) }
    }

    func setPreferred(_ spatial: Int, _ temporal: Int? = nil) throws -> ConsumerLayers {
        try h.room.setConsumerPreferredLayers(
            broadcasterId: MediaHarness.consumerBroadcaster, consumerId: consumer.id, spatialLayer: spatial, temporalLayer: temporal)
    }

    /// `layerschange` events of this consumer since the last call.
    mutating func layerChanges() -> [ConsumerLayers?] {
        events += h.room.drainEvents()
        defer { events.removeAll() }
        return events.compactMap { event in
            if case .consumerLayersChanged(let id, _, let layers) = event, id == consumer.id { return .some(layers) }
            return nil
        }
    }

    var outputs: [SimulcastOutput] { source.outputs(to: consumer.address) }
}

@Suite("Simulcast consumers")
struct SimulcastTests {
    @Test func consumeAnswerIsSimulcastWithOneEncodingAndScalabilityMode() throws {
        let setup = try SimulcastSetup(seed: 31)
        let state = try setup.state
        #expect(state.type == .simulcast)
        #expect(state.rtpParameters.encodings.count == 1)
        let encoding = try #require(state.rtpParameters.encodings.first)
        #expect(encoding.scalabilityMode == "L3T3")
        #expect(encoding.ssrc != nil && !SimulcastSource.ssrcs.contains(encoding.ssrc ?? 0))
        #expect(encoding.rtx?.ssrc == (encoding.ssrc ?? 0) &+ 1)
        #expect(state.preferredLayers == ConsumerLayers(spatialLayer: 2, temporalLayer: 2))
        #expect(state.currentLayers == nil)
    }

    /// The consumer settles on the highest layer at its key frame; only stream 2 is forwarded
    /// from then on, with one SSRC and contiguous numbering.
    @Test func startsOnTheHighestLayer() throws {
        var setup = try SimulcastSetup(seed: 32)
        let source = setup.source
        source.run(untilFrame: 24)
        let outputs = setup.outputs
        let firstFromTop = try #require(outputs.firstIndex { $0.layer == 2 })
        #expect(outputs[firstFromTop].frame == 8, "stream 2's first key frame is frame 8")
        #expect(outputs[firstFromTop...].allSatisfy { $0.layer == 2 })
        #expect(Set(outputs.map { $0.packet.ssrc }) == [setup.consumer.ssrc])
        #expect(outputs.allSatisfy { Int($0.packet.payloadType) == setup.consumer.payloadType })
        expectContiguous(outputs)
        expectMonotonic(outputs)
        #expect(try setup.state.currentLayers == ConsumerLayers(spatialLayer: 2, temporalLayer: 2))
        let changes = setup.layerChanges()
        #expect(changes.last == ConsumerLayers(spatialLayer: 2, temporalLayer: 2))
        #expect(source.plis().contains { $0.ssrc == SimulcastSource.ssrcs[2] }, "a key frame was asked of stream 2")
    }

    /// Preferred 2 → 0: a PLI for stream 0 goes upstream at once, stream 2 keeps flowing until
    /// stream 0's next key frame, which is exactly where the output switches.
    @Test(arguments: [false, true])
    func switchDownHappensAtTheNextKeyFrameOfTheTarget(withSenderReports: Bool) throws {
        var setup = try SimulcastSetup(seed: 33)
        let source = setup.source
        source.run(untilFrame: 26)
        if withSenderReports { source.sendSenderReports() }
        _ = setup.layerChanges()
        #expect(try setup.setPreferred(0) == ConsumerLayers(spatialLayer: 0, temporalLayer: 2))
        let askedAt = source.h.now
        let before = setup.outputs.count
        source.run(untilFrame: 60)
        let switchFrame = source.nextKeyFrame(layer: 0, from: 26)
        #expect(switchFrame == 36)
        let plis = source.plis(since: askedAt)
        #expect(plis.first?.ssrc == SimulcastSource.ssrcs[0], "PLI for stream 0 goes upstream")
        #expect(plis.first?.at == source.time(ofFrame: 26), "with the first packet after the change")
        let outputs = setup.outputs
        let after = Array(outputs[before...])
        let firstLow = try #require(after.firstIndex { $0.layer == 0 })
        #expect(after[firstLow].frame == switchFrame)
        #expect(MediaVp8.isKeyFrame(after[firstLow].packet))
        #expect(after[..<firstLow].allSatisfy { $0.layer == 2 })
        #expect(after[firstLow...].allSatisfy { $0.layer == 0 })
        // Stream 2 ran up to the frame before; stream 0 takes over with the next frame.
        #expect(after[firstLow - 1].frame == switchFrame - 1 || after[firstLow - 1].frame == switchFrame - 2)
        expectContiguous(outputs)
        expectMonotonic(outputs)
        let last = after[firstLow - 1].packet.timestamp
        let first = after[firstLow].packet.timestamp
        let frames = UInt32(after[firstLow].frame - after[firstLow - 1].frame)
        if withSenderReports {
            // Same capture clock on both streams: exactly the frame distance.
            #expect(first &- last == frames * SimulcastSource.ticksPerFrame)
        } else {
            // One frame interval (3000 at 90 kHz) after the last sent timestamp.
            #expect(first &- last == 3000)
        }
        // Within stream 0 the spacing is the source's own.
        #expect(after[firstLow + 1].packet.timestamp &- first == SimulcastSource.ticksPerFrame * UInt32(after[firstLow + 1].frame - after[firstLow].frame))
        #expect(setup.layerChanges() == [ConsumerLayers(spatialLayer: 0, temporalLayer: 2)])
        #expect(try setup.state.currentLayers == ConsumerLayers(spatialLayer: 0, temporalLayer: 2))
    }

    /// Up and down again (2 → 0 → 1): every switch lands on the target's key frame and the output
    /// stays one contiguous, monotonic stream; the consumer's SR follows the forwarded stream.
    @Test func switchesUpAndDownKeepOneTimeline() throws {
        var setup = try SimulcastSetup(seed: 34)
        let source = setup.source
        // Reports at whole seconds of the sender's clock (frames 0 and 75).
        source.run(untilFrame: 1)
        source.sendSenderReports()
        source.run(untilFrame: 14)
        _ = try setup.setPreferred(0)
        source.run(untilFrame: 40)
        _ = try setup.setPreferred(1)
        source.run(untilFrame: 76)
        source.sendSenderReports()
        source.run(untilFrame: 110)
        let outputs = setup.outputs
        var switches: [(layer: Int, frame: Int)] = []
        for (index, output) in outputs.enumerated() where index == 0 || outputs[index - 1].layer != output.layer {
            switches.append((output.layer, output.frame))
            #expect(MediaVp8.isKeyFrame(output.packet), "switch to \(output.layer) at frame \(output.frame) is a key frame")
        }
        #expect(switches.map(\.layer) == [0, 2, 0, 1])
        #expect(switches.dropFirst().map(\.frame) == [8, 24, 40])
        expectContiguous(outputs)
        expectMonotonic(outputs)
        // Within a stream the source's spacing is kept; at each switch the output moves on by at
        // least one frame interval (3000) and at most one more source frame (3600): switching up
        // to a stream whose frame the lower stream already sent (2 at frame 8, 1 at frame 40)
        // cannot reuse that instant, and a switch landing less than an interval after the last
        // frame moves on to one interval.
        for index in outputs.indices.dropFirst() {
            let step = outputs[index].packet.timestamp &- outputs[index - 1].packet.timestamp
            if outputs[index].layer == outputs[index - 1].layer {
                #expect(step == UInt32(outputs[index].frame - outputs[index - 1].frame) * SimulcastSource.ticksPerFrame)
            } else {
                #expect((3000...6600).contains(step), "switch at output \(index): step \(step)")
            }
        }
        // The consumer's sender reports describe the output timeline: the NTP↔RTP mapping of a
        // late report (while stream 1 is forwarded) predicts every later frame's timestamp from
        // its capture time (the harness sends frames at capture time).
        let srs = source.h.rtcp(to: setup.consumer.address).compactMap { entry -> (MediaTime, SenderReport)? in
            if case .senderReport(let sr) = entry.packet { return (entry.at, sr) }
            return nil
        }
        let late = try #require(srs.first { $0.0 > source.time(ofFrame: 78) })
        for output in outputs where output.frame > 78 {
            let captured = source.time(ofFrame: output.frame)
            let predicted = late.1.rtpTimestamp &+ UInt32(truncatingIfNeeded: (Int64(captured.milliseconds) - Int64(late.0.milliseconds)) * 90)
            #expect(output.packet.timestamp == predicted, "frame \(output.frame)")
        }
        #expect(late.1.ssrc == setup.consumer.ssrc)
    }

    /// Temporal layer 0 only: TID 1 and 2 frames are dropped at once (no key frame needed) and
    /// the numbering stays contiguous; going back up waits for a frame with the sync (Y) bit.
    @Test func temporalLayersDropAndRecover() throws {
        var setup = try SimulcastSetup(seed: 35)
        let source = setup.source
        source.run(untilFrame: 12)
        // No more key frames: every temporal change below comes from the descriptors alone.
        source.keyFrameEvery = 1000
        _ = setup.layerChanges()
        #expect(try setup.setPreferred(2, 0) == ConsumerLayers(spatialLayer: 2, temporalLayer: 0))
        let before = setup.outputs.count
        source.run(untilFrame: 30)
        let low = Array(setup.outputs[before...])
        #expect(!low.isEmpty)
        #expect(low.allSatisfy { SimulcastSource.tid(frame: $0.frame) == 0 })
        #expect(low.map(\.frame) == Array(stride(from: 12, to: 30, by: 4)))
        #expect(setup.layerChanges() == [ConsumerLayers(spatialLayer: 2, temporalLayer: 0)])
        #expect(source.plis(since: source.time(ofFrame: 12)).isEmpty, "temporal changes need no key frame")
        #expect(try setup.state.currentLayers == ConsumerLayers(spatialLayer: 2, temporalLayer: 0))

        // Frame 30 is TID 1 with Y: the switch up to 1 happens there; TID 2 waits for frame 33
        // (TID 2 with Y), frame 31 (TID 2 without Y) is dropped.
        _ = try setup.setPreferred(2, 2)
        let mark = setup.outputs.count
        source.run(untilFrame: 34)
        let up = Array(setup.outputs[mark...])
        #expect(up.map(\.frame) == [30, 32, 33], "frame 31 (TID 2 without Y) is still dropped")
        #expect(setup.layerChanges() == [ConsumerLayers(spatialLayer: 2, temporalLayer: 1), ConsumerLayers(spatialLayer: 2, temporalLayer: 2)])
        expectContiguous(setup.outputs)
        expectMonotonic(setup.outputs, maxStep: 4 * SimulcastSource.ticksPerFrame)
    }

    /// Two packets per frame: temporal drops take whole frames, numbering stays contiguous.
    @Test func temporalDropWithMultiPacketFrames() throws {
        let setup = try SimulcastSetup(seed: 36)
        let source = setup.source
        source.packetsPerFrame = 2
        source.run(untilFrame: 12)
        _ = try setup.setPreferred(2, 1)
        let before = setup.outputs.count
        source.run(untilFrame: 40)
        let outputs = Array(setup.outputs[before...])
        #expect(outputs.allSatisfy { SimulcastSource.tid(frame: $0.frame) <= 1 || $0.frame % 12 == 8 })
        var perFrame: [Int: Int] = [:]
        for output in outputs { perFrame[output.frame, default: 0] += 1 }
        #expect(perFrame.values.allSatisfy { $0 == 2 }, "frames are forwarded whole")
        expectContiguous(setup.outputs)
        let markers = outputs.filter { $0.packet.marker }.map(\.frame)
        #expect(markers == Array(Set(outputs.map(\.frame))).sorted())
    }

    /// Stream 2 stops: after about a second the consumer falls back to stream 1 at its key frame
    /// (asking for one); when stream 2 returns it goes back up at stream 2's key frame.
    @Test func inactiveStreamFallsBackToTheHighestActiveBelow() throws {
        var setup = try SimulcastSetup(seed: 37)
        let source = setup.source
        source.run(untilFrame: 20)
        #expect(try setup.state.currentLayers?.spatialLayer == 2)
        _ = setup.layerChanges()
        source.activeLayers = [0, 1]
        let stoppedAt = source.time(ofFrame: 20)
        source.run(untilFrame: 80)
        let outputs = setup.outputs
        let firstFallback = try #require(outputs.first { $0.layer == 1 })
        // Inactive after 1000 ms; stream 1's next key frame after that.
        let inactiveFrame = 20 + Int(1000 / SimulcastSource.frameMilliseconds)
        #expect(firstFallback.frame == source.nextKeyFrame(layer: 1, from: inactiveFrame))
        #expect(MediaVp8.isKeyFrame(firstFallback.packet))
        #expect(source.plis(since: stoppedAt).contains { $0.ssrc == SimulcastSource.ssrcs[1] })
        let changes = setup.layerChanges()
        #expect(changes.last == ConsumerLayers(spatialLayer: 1, temporalLayer: 2))
        // Stream 2 returns.
        source.activeLayers = [0, 1, 2]
        let back = source.frame
        source.run(untilFrame: 120)
        let resumed = try #require(setup.outputs.first { $0.layer == 2 && $0.frame >= back })
        #expect(resumed.frame == source.nextKeyFrame(layer: 2, from: back))
        expectContiguous(setup.outputs)
        expectMonotonic(setup.outputs, maxStep: 60 * SimulcastSource.ticksPerFrame)
    }

    /// A late packet of the new stream from before the switch point would repeat sequence
    /// numbers already used by the old stream: it is dropped.
    @Test func packetsFromBeforeTheSwitchAreDropped() throws {
        let setup = try SimulcastSetup(seed: 44)
        let source = setup.source
        source.run(untilFrame: 26)
        _ = try setup.setPreferred(0)
        source.run(untilFrame: 38)
        let count = setup.outputs.count
        let late = try #require(source.inputs.last { $0.layer == 0 && $0.frame == 35 })
        source.resend(late)
        #expect(setup.outputs.count == count)
        source.run(untilFrame: 42)
        expectContiguous(setup.outputs)
        expectMonotonic(setup.outputs)
    }

    /// While nothing at all arrives the consumer sends nothing and says so.
    @Test func quietProducerClearsCurrentLayers() throws {
        var setup = try SimulcastSetup(seed: 38)
        let source = setup.source
        source.run(untilFrame: 20)
        _ = setup.layerChanges()
        source.h.advance(by: 3000)
        #expect(setup.layerChanges() == [nil])
        #expect(try setup.state.currentLayers == nil)
    }

    /// A PLI from the receiver asks only the forwarded stream's sender.
    @Test func receiverPliGoesToTheForwardedStreamOnly() throws {
        let setup = try SimulcastSetup(seed: 39)
        let source = setup.source
        source.run(untilFrame: 20)
        let t = source.h.now
        source.h.fromReceiver([.pli(PictureLossIndication(senderSsrc: 0x77, mediaSsrc: setup.consumer.ssrc))], consumer: setup.consumer)
        #expect(source.plis(since: t).map(\.ssrc) == [SimulcastSource.ssrcs[2]])
    }

    /// Pause clears the current layers (event with no layers); resume starts again at a key frame.
    @Test func pauseAndResume() throws {
        var setup = try SimulcastSetup(seed: 40)
        let source = setup.source
        source.run(untilFrame: 20)
        _ = setup.layerChanges()
        _ = try source.h.room.setConsumerPaused(true, broadcasterId: MediaHarness.consumerBroadcaster, consumerId: setup.consumer.id)
        #expect(setup.layerChanges() == [nil])
        #expect(try setup.state.currentLayers == nil)
        source.run(untilFrame: 26)
        let before = setup.outputs.count
        _ = try source.h.room.setConsumerPaused(false, broadcasterId: MediaHarness.consumerBroadcaster, consumerId: setup.consumer.id)
        source.run(untilFrame: 50)
        let after = Array(setup.outputs[before...])
        #expect(after.first?.frame == 32, "stream 2's next key frame")
        #expect(after.first.map { MediaVp8.isKeyFrame($0.packet) } == true)
        #expect(setup.layerChanges() == [ConsumerLayers(spatialLayer: 2, temporalLayer: 2)])
        expectContiguous(setup.outputs)
    }

    /// Preferred layers are clamped; a missing temporal layer means the highest; a simple
    /// consumer accepts any and answers 0/0.
    @Test func preferredLayersAreClamped() throws {
        let setup = try SimulcastSetup(seed: 41)
        #expect(try setup.setPreferred(7, 9) == ConsumerLayers(spatialLayer: 2, temporalLayer: 2))
        #expect(try setup.setPreferred(1) == ConsumerLayers(spatialLayer: 1, temporalLayer: 2))
        #expect(try setup.setPreferred(-3, -1) == ConsumerLayers(spatialLayer: 0, temporalLayer: 0))
        #expect(try setup.state.preferredLayers == ConsumerLayers(spatialLayer: 0, temporalLayer: 0))

        let h = setup.h
        let receiver = try h.addReceiver(port: 5010)
        let simple = try h.consume(h.videoProducerId, on: receiver)
        let layers = try h.room.setConsumerPreferredLayers(
            broadcasterId: MediaHarness.consumerBroadcaster, consumerId: simple.id, spatialLayer: 2, temporalLayer: 1)
        #expect(layers == ConsumerLayers(spatialLayer: 0, temporalLayer: 0))
        let state = try h.room.consumerState(broadcasterId: MediaHarness.consumerBroadcaster, consumerId: simple.id)
        #expect(state.type == .simple)
        #expect(state.preferredLayers == nil && state.currentLayers == nil)
        #expect(throws: EngineError.self) {
            try h.room.setConsumerPreferredLayers(
                broadcasterId: MediaHarness.consumerBroadcaster, consumerId: "nope", spatialLayer: 0, temporalLayer: nil)
        }
    }

    /// Without temporal layers (no scalabilityMode) TIDs are not looked at and the consumer
    /// reports temporal layer 0.
    @Test func withoutTemporalLayersEveryFrameIsForwarded() throws {
        let setup = try SimulcastSetup(seed: 42, scalabilityMode: nil)
        let source = setup.source
        #expect(try setup.state.rtpParameters.encodings.first?.scalabilityMode == "L3T1")
        source.run(untilFrame: 30)
        let outputs = setup.outputs.filter { $0.layer == 2 }
        #expect(outputs.map(\.frame) == Array(8..<30))
        #expect(try setup.state.currentLayers == ConsumerLayers(spatialLayer: 2, temporalLayer: 0))
    }
}
