/// Collects H.264 packets (RFC 6184) into access units: an access unit ends at the marker bit or when the
/// timestamp changes. SPS and PPS are kept aside as parameter sets; AUD and filler data are dropped; the
/// other NAL units (slices, SEI, ...) become AVCC data with 4-byte lengths.
struct H264Assembler {
    private(set) var malformed = 0
    private(set) var sps: [UInt8]?
    private(set) var pps: [UInt8]?

    private struct AccessUnit {
        var frame: PartialFrame
        var containsIDR = false
        /// first_mb_in_slice == 0 on the access unit's first slice; `nil` before any slice.
        var firstSliceStartsPicture: Bool?
        /// Something in it was lost or malformed; dropped when finished.
        var broken = false
    }

    private var unit: AccessUnit?
    /// The NAL unit an FU-A is reassembling.
    private var fragment: [UInt8]?

    var parameterSets: H264ParameterSets? {
        guard let sps, let pps else { return nil }
        return H264ParameterSets(sps: sps, pps: pps)
    }

    mutating func push(_ packet: RecorderPacket) -> [AssemblyEvent] {
        var events: [AssemblyEvent] = []
        if let unit, unit.frame.timestamp != packet.timestamp {
            finish(into: &events)  // marker lost
        }
        if unit == nil {
            unit = AccessUnit(frame: PartialFrame(timestamp: packet.timestamp, arrival: packet.arrival))
        }
        switch H264Packet(packet.payload) {
        case nil:
            malformed += 1
            fragment = nil
            unit?.broken = true
        case .nalUnits(let nalUnits)?:
            if fragment != nil {  // the fragmented NAL unit never ended
                fragment = nil
                unit?.broken = true
            }
            for nalUnit in nalUnits { add(nalUnit) }
        case .fragment(let start, let end, let nalHeader, let body)?:
            if start {
                if fragment != nil { unit?.broken = true }
                fragment = [nalHeader] + body
            } else if let first = fragment?.first, H264NALType.of(first) == H264NALType.of(nalHeader) {
                fragment?.append(contentsOf: body)
            } else {
                // Continuation without its start (lost, or the stream was joined mid-NAL unit).
                fragment = nil
                unit?.broken = true
            }
            if end, let nalUnit = fragment {
                fragment = nil
                add(nalUnit[...])
            }
        }
        if packet.marker { finish(into: &events) }
        return events
    }

    /// Drops the partial access unit (after a gap).
    mutating func discard() {
        unit = nil
        fragment = nil
    }

    private mutating func add(_ nalUnit: ArraySlice<UInt8>) {
        guard let header = nalUnit.first else { return }
        switch H264NALType.of(header) {
        case H264NALType.sps:
            sps = Array(nalUnit)
        case H264NALType.pps:
            pps = Array(nalUnit)
        case H264NALType.accessUnitDelimiter, H264NALType.fillerData:
            break
        case let type:
            if type == H264NALType.idrSlice || type == H264NALType.nonIDRSlice {
                if type == H264NALType.idrSlice { unit?.containsIDR = true }
                if unit?.firstSliceStartsPicture == nil {
                    // first_mb_in_slice is ue(v), 0 is the single bit 1.
                    let sliceHeader = nalUnit.dropFirst().first ?? 0
                    unit?.firstSliceStartsPicture = sliceHeader & 0x80 != 0
                }
            }
            let length = UInt32(truncatingIfNeeded: nalUnit.count)
            unit?.frame.data.append(contentsOf: [
                UInt8(truncatingIfNeeded: length >> 24), UInt8(truncatingIfNeeded: length >> 16),
                UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length),
            ])
            unit?.frame.data.append(contentsOf: nalUnit)
        }
    }

    private mutating func finish(into events: inout [AssemblyEvent]) {
        guard let finished = unit else { return }
        unit = nil
        if fragment != nil {  // the last NAL unit never ended
            fragment = nil
            events.append(.broken)
            return
        }
        if finished.broken || finished.firstSliceStartsPicture == false {
            events.append(.broken)
            return
        }
        guard !finished.frame.data.isEmpty else { return }  // parameter sets only
        var dimensions: VideoDimensions?
        if finished.containsIDR {
            // Without SPS and PPS a key frame cannot be decoded.
            guard let parameterSets else {
                events.append(.broken)
                return
            }
            dimensions = parameterSets.dimensions
        }
        let encoded = EncodedFrame(
            data: finished.frame.data, timestamp: finished.frame.timestamp, isKeyFrame: finished.containsIDR,
            arrival: finished.frame.arrival)
        events.append(.frame(encoded, dimensions: dimensions))
    }
}
