internal import SluiceRTP
public import NIOCore

/// The packet-path state of a consumer: sequence rewriting, key-frame gating, the send stream.
///
/// Simple consumers forward their producer's one stream (``prepare(_:isKeyFrame:now:)``);
/// simulcast and SVC consumers pick layers (``layers``, see SimulcastConsumerMedia.swift).
final class ConsumerMedia {
    var sequence: SeqManager
    let stream: RtpStreamSend
    /// Set by pause/resume, connection and start: the next packet restarts the numbering.
    var syncRequired = true
    /// The codec lets us find key frames, so a resync waits for one.
    let keyFrameRequired: Bool
    var waitingForKeyFrame = false
    private var allowedExtensionIds = [Bool](repeating: false, count: 256)
    private let hasExtensions: Bool
    let nackEnabled: Bool
    var packetsDroppedWaitingForKeyFrame = 0
    /// Layer selection of a simulcast or SVC consumer; nil for simple ones.
    let layers: LayeredConsumerState?
    /// The encoding whose sender should be asked for a key frame (set by the layered path, taken
    /// by the router after each packet).
    var keyFrameRequestEncoding: Int?
    /// The current layers changed with the last packet (taken by the router, which emits the event).
    var layersChanged = false

    init(
        parameters: RtpParameters, producerParameters: RtpParameters, producerType: RtpStreamType,
        producerMappedSsrcs: [UInt32], kind: MediaKind, random: inout EngineRandom
    ) {
        let media = parameters.codecs.first { !$0.isRtx }
        let encoding = parameters.encodings.first
        let rtx = parameters.codecs.first { $0.isRtx && $0.parameters["apt"]?.intValue == media?.payloadType }
        let feedback = media?.rtcpFeedback ?? []
        nackEnabled = feedback.contains { $0.type == "nack" && $0.parameter.isEmpty }
        sequence = SeqManager(initialOutput: UInt16(random.int(in: 1000...32767)))
        stream = RtpStreamSend(
            ssrc: encoding?.ssrc ?? 0, clockRate: media?.clockRate ?? 90000, rtxSsrc: encoding?.rtx?.ssrc,
            rtxPayloadType: rtx.map { UInt8(truncatingIfNeeded: $0.payloadType) }, nackEnabled: nackEnabled,
            isVideo: kind == .video, initialRtxSequence: UInt16(random.int(in: 1000...32767)))
        keyFrameRequired = producerParameters.codecs.contains {
            !$0.isRtx && KeyFrameDetector.supportsKeyFrameDetection(mimeType: $0.mimeType)
        }
        for ext in parameters.headerExtensions where (1...255).contains(ext.id) {
            allowedExtensionIds[ext.id] = true
        }
        hasExtensions = !parameters.headerExtensions.isEmpty
        let mode = ScalabilityMode(parsing: encoding?.scalabilityMode)
        let mime = (media?.mimeType ?? "").lowercased()
        switch producerType {
        case .simulcast where kind == .video:
            layers = LayeredConsumerState(
                kind: .simulcast, mappedSsrcs: producerMappedSsrcs, spatialLayers: producerMappedSsrcs.count,
                temporalLayers: mode.temporalLayers, codec: LayeredConsumerState.Codec(mimeType: mime),
                clockRate: UInt32(clamping: max(1, media?.clockRate ?? 90000)))
        case .svc where kind == .video:
            layers = LayeredConsumerState(
                kind: .svc(ksvc: mode.ksvc), mappedSsrcs: Array(producerMappedSsrcs.prefix(1)),
                spatialLayers: mode.spatialLayers, temporalLayers: mode.temporalLayers,
                codec: LayeredConsumerState.Codec(mimeType: mime),
                clockRate: UInt32(clamping: max(1, media?.clockRate ?? 90000)))
        default:
            layers = nil
        }
    }

    enum SendDecision {
        case send(ByteBuffer)
        /// Dropped: a key frame is needed first; the caller asks the producer for one.
        case needKeyFrame
        /// Dropped while a requested key frame is on its way.
        case waitingForKeyFrame
        case drop
    }

    /// Builds this consumer's copy of a router packet: own SSRC and sequence number, only the
    /// header extensions it negotiated.
    func prepare(_ packet: RtpPacket, isKeyFrame: Bool, now: MediaTime) -> SendDecision {
        if syncRequired {
            if keyFrameRequired && !isKeyFrame {
                packetsDroppedWaitingForKeyFrame += 1
                let first = !waitingForKeyFrame
                waitingForKeyFrame = true
                return first ? .needKeyFrame : .waitingForKeyFrame
            }
            sequence.sync(packet.sequenceNumber &- 1)
            syncRequired = false
            waitingForKeyFrame = false
        }
        if packet.isPaddingOnly {
            sequence.drop(packet.sequenceNumber)
            return .drop
        }
        guard let outputSequence = sequence.input(packet.sequenceNumber) else { return .drop }
        var copy = packet
        copy.ssrc = stream.ssrc
        copy.sequenceNumber = outputSequence
        rewriteExtensions(&copy)
        stream.sent(copy.buffer, sequenceNumber: outputSequence, timestamp: copy.timestamp, now: now)
        return .send(copy.buffer)
    }

    /// Keeps only the header extensions this consumer negotiated.
    func rewriteExtensions(_ packet: inout RtpPacket) {
        if hasExtensions {
            let allowed = allowedExtensionIds
            if packet.extensionProfile != nil { packet.remapExtensionIds { allowed[Int($0)] ? $0 : nil } }
        } else if packet.extensionProfile != nil {
            packet.removeAllExtensions()
        }
    }
}
