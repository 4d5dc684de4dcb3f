/// The H.264 NAL unit types the depacketiser handles.
enum H264NALType {
    static let nonIDRSlice: UInt8 = 1
    static let idrSlice: UInt8 = 5
    static let sei: UInt8 = 6
    static let sps: UInt8 = 7
    static let pps: UInt8 = 8
    static let accessUnitDelimiter: UInt8 = 9
    static let fillerData: UInt8 = 12
    static let stapA: UInt8 = 24
    static let fuA: UInt8 = 28

    static func of(_ header: UInt8) -> UInt8 { header & 0x1F }
}

/// One H.264 RTP payload (RFC 6184, packetization modes 0 and 1).
enum H264Packet: Equatable {
    /// A single NAL unit packet or the NAL units of a STAP-A, each with its NAL header.
    case nalUnits([ArraySlice<UInt8>])
    /// A fragment of a NAL unit (FU-A); `nalHeader` is rebuilt from the FU indicator's F/NRI and the FU
    /// header's type.
    case fragment(start: Bool, end: Bool, nalHeader: UInt8, body: ArraySlice<UInt8>)

    /// `nil` for a malformed payload: empty, forbidden bit set, a STAP-A whose sizes do not tile it, an FU-A
    /// without FU header, types 0 and 30-31, and the interleaved-mode types (STAP-B, MTAP16/24, FU-B).
    init?(_ payload: [UInt8]) {
        guard let header = payload.first, header & 0x80 == 0 else { return nil }
        switch H264NALType.of(header) {
        case 1...23:
            self = .nalUnits([payload[...]])
        case H264NALType.stapA:
            var units: [ArraySlice<UInt8>] = []
            var offset = 1
            while offset < payload.count {
                guard offset + 2 <= payload.count else { return nil }
                let size = Int(payload[offset]) << 8 | Int(payload[offset + 1])
                offset += 2
                guard size > 0, size <= payload.count - offset else { return nil }
                let unit = payload[offset..<(offset + size)]
                guard let unitHeader = unit.first, unitHeader & 0x80 == 0, (1...23).contains(H264NALType.of(unitHeader))
                else { return nil }
                units.append(unit)
                offset += size
            }
            guard !units.isEmpty else { return nil }
            self = .nalUnits(units)
        case H264NALType.fuA:
            guard payload.count >= 2 else { return nil }
            let fuHeader = payload[1]
            let type = H264NALType.of(fuHeader)
            guard (1...23).contains(type) else { return nil }
            self = .fragment(
                start: fuHeader & 0x80 != 0, end: fuHeader & 0x40 != 0, nalHeader: (header & 0xE0) | type,
                body: payload[2...])
        default:
            return nil
        }
    }
}
