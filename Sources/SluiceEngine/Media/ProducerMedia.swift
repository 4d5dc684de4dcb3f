internal import SluiceRTP

/// The packet-path state of a producer: its receive streams and how its packets are rewritten
/// into router terms (payload types, SSRCs, header extension ids).
final class ProducerMedia {
    /// Producer payload type → router payload type; -1 where the producer declared none.
    private var payloadTypeMap = [Int16](repeating: -1, count: 128)
    /// Producer RTX payload type → producer media payload type.
    private var rtxApt = [Int16](repeating: -1, count: 128)
    /// Producer header extension id → router id; 0 drops the element.
    private var extensionIdMap = [UInt8](repeating: 0, count: 256)
    /// Router payload type → whether key frames of that codec can be detected, and its mime type.
    private var keyFrameMime = [String?](repeating: nil, count: 128)
    private(set) var streams: [RtpStreamRecv?]
    private var streamBySsrc: [UInt32: RtpStreamRecv] = [:]
    var keyFrameRequests = KeyFrameRequestManager()
    let useFir: Bool
    let nackEnabled: Bool
    private var firSequence: [UInt32: UInt8] = [:]
    let midExtensionId: UInt8?
    let ridExtensionId: UInt8?
    let repairedRidExtensionId: UInt8?
    private let parameters: RtpParameters
    private let mapping: RtpMapping
    private(set) var packetsDroppedUnknownPayloadType = 0

    init(parameters: RtpParameters, mapping: RtpMapping, routerCapabilities: RtpCapabilities) {
        self.parameters = parameters
        self.mapping = mapping
        for codec in mapping.codecs where (0..<128).contains(codec.payloadType) {
            payloadTypeMap[codec.payloadType] = Int16(codec.mappedPayloadType)
        }
        for codec in parameters.codecs where codec.isRtx {
            if let apt = codec.parameters["apt"]?.intValue, (0..<128).contains(codec.payloadType), (0..<128).contains(apt) {
                rtxApt[codec.payloadType] = Int16(apt)
            }
        }
        for codec in parameters.codecs where !codec.isRtx {
            guard let mapped = mapping.mappedPayloadType(for: codec.payloadType), (0..<128).contains(mapped),
                KeyFrameDetector.supportsKeyFrameDetection(mimeType: codec.mimeType)
            else { continue }
            keyFrameMime[mapped] = codec.mimeType
        }
        for ext in parameters.headerExtensions where (1...255).contains(ext.id) {
            if let routerExt = routerCapabilities.headerExtensions.first(where: { $0.uri == ext.uri }) {
                extensionIdMap[ext.id] = UInt8(routerExt.preferredId)
            }
        }
        func extensionId(_ uri: String) -> UInt8? {
            parameters.headerExtensions.first { $0.uri == uri }.map { UInt8(truncatingIfNeeded: $0.id) }
        }
        midExtensionId = extensionId(RtpHeaderExtensionUri.mid)
        ridExtensionId = extensionId(RtpHeaderExtensionUri.rtpStreamId)
        repairedRidExtensionId = extensionId(RtpHeaderExtensionUri.repairedRtpStreamId)
        let feedback = parameters.codecs.first { !$0.isRtx }?.rtcpFeedback ?? []
        let hasPli = feedback.contains { $0.type == "nack" && $0.parameter == "pli" }
        let hasFir = feedback.contains { $0.type == "ccm" && $0.parameter == "fir" }
        useFir = !hasPli && hasFir
        nackEnabled = feedback.contains { $0.type == "nack" && $0.parameter.isEmpty }
        streams = [RtpStreamRecv?](repeating: nil, count: parameters.encodings.count)
        let clockRate = parameters.codecs.first { !$0.isRtx }?.clockRate ?? 90000
        for (index, encoding) in parameters.encodings.enumerated() {
            guard let ssrc = encoding.ssrc, index < mapping.encodings.count else { continue }
            createStream(index: index, ssrc: ssrc, rtxSsrc: encoding.rtx?.ssrc, clockRate: clockRate)
        }
    }

    @discardableResult
    private func createStream(index: Int, ssrc: UInt32, rtxSsrc: UInt32?, clockRate: Int) -> RtpStreamRecv {
        let stream = RtpStreamRecv(
            ssrc: ssrc, mappedSsrc: mapping.encodings[index].mappedSsrc, clockRate: clockRate, rtxSsrc: rtxSsrc,
            nackEnabled: nackEnabled)
        streams[index] = stream
        streamBySsrc[ssrc] = stream
        if let rtxSsrc { streamBySsrc[rtxSsrc] = stream }
        return stream
    }

    /// Binds a newly seen SSRC to an encoding found by RID (or the only encoding), for MID/RID
    /// based producers. Returns false when nothing fits.
    func learn(ssrc: UInt32, rid: String?, isRepair: Bool) -> Bool {
        let index: Int?
        if let rid {
            index = parameters.encodings.firstIndex { $0.rid == rid }
        } else {
            index = parameters.encodings.count == 1 ? 0 : nil
        }
        guard let index, index < mapping.encodings.count else { return false }
        let clockRate = parameters.codecs.first { !$0.isRtx }?.clockRate ?? 90000
        if isRepair {
            guard let stream = streams[index] else { return false }
            streamBySsrc[ssrc] = stream
            return true
        }
        guard streams[index] == nil else { return false }
        createStream(index: index, ssrc: ssrc, rtxSsrc: nil, clockRate: clockRate)
        return true
    }

    func stream(forSsrc ssrc: UInt32) -> RtpStreamRecv? { streamBySsrc[ssrc] }

    enum Ingest {
        /// Forward it. `requestKeyFrame`: losses were beyond repair, ask the sender now.
        case forward(isKeyFrame: Bool, requestKeyFrame: Bool)
        case unknownPayloadType
        /// Too old (or too far ahead) to belong to the stream.
        case stale
    }

    /// Rewrites a received packet into router terms.
    func ingest(_ packet: inout RtpPacket, now: MediaTime) -> Ingest {
        guard let stream = streamBySsrc[packet.ssrc] else { return .unknownPayloadType }
        var retransmitted = false
        if packet.ssrc != stream.ssrc {
            // RTX: restore the original packet (payload type via apt).
            let rtxPayloadType = Int(packet.payloadType)
            guard rtxPayloadType < 128, rtxApt[rtxPayloadType] >= 0,
                let original = packet.rtxDecoded(payloadType: UInt8(rtxApt[rtxPayloadType]), ssrc: stream.ssrc)
            else {
                packetsDroppedUnknownPayloadType += 1
                return .unknownPayloadType
            }
            packet = original
            retransmitted = true
        }
        let payloadType = Int(packet.payloadType)
        guard payloadType < 128, payloadTypeMap[payloadType] >= 0 else {
            packetsDroppedUnknownPayloadType += 1
            return .unknownPayloadType
        }
        let mappedPayloadType = Int(payloadTypeMap[payloadType])
        guard stream.received(
            sequenceNumber: packet.sequenceNumber, timestamp: packet.timestamp, bytes: packet.buffer.readableBytes,
            now: now, retransmitted: retransmitted)
        else { return .stale }
        var isKeyFrame = false
        if let mime = keyFrameMime[mappedPayloadType], !packet.isPaddingOnly {
            isKeyFrame = KeyFrameDetector.isKeyFrame(mimeType: mime, payload: packet.payload)
        }
        var requestKeyFrame = false
        if var nack = stream.nack {
            requestKeyFrame = nack.received(packet.sequenceNumber, isKeyFrame: isKeyFrame, now: now)
            stream.nack = nack
        }
        if isKeyFrame {
            keyFrameRequests.keyFrameReceived(ssrc: stream.ssrc)
        }
        packet.payloadType = UInt8(mappedPayloadType)
        packet.ssrc = stream.mappedSsrc
        let map = extensionIdMap
        if packet.extensionProfile != nil {
            packet.remapExtensionIds { map[Int($0)] == 0 ? nil : map[Int($0)] }
        }
        return .forward(isKeyFrame: isKeyFrame, requestKeyFrame: requestKeyFrame)
    }

    /// The next FIR sequence number for an SSRC.
    func nextFirSequence(ssrc: UInt32) -> UInt8 {
        let value = (firSequence[ssrc] ?? 0) &+ 1
        firSequence[ssrc] = value
        return value
    }
}
