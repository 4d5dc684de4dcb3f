/// The VP9 payload descriptor (RFC 9628, formerly draft-ietf-payload-vp9) of one RTP packet:
///
///     I|P|L|F|B|E|V|Z, [M|PictureID(7 or 15)], [TID|U|SID|D, [TL0PICIDX if F=0]],
///     [P_DIFF|N ... up to 3 if F=1 and P=1], [scalability structure if V=1]
struct VP9PayloadDescriptor: Equatable {
    /// P: inter-picture predicted.
    var interPicture: Bool
    /// B: the packet begins a frame (of its spatial layer).
    var beginsFrame: Bool
    /// E: the packet ends a frame (of its spatial layer).
    var endsFrame: Bool
    var pictureID: UInt16?
    /// SID from the layer indices; 0 without them.
    var spatialLayer: UInt8
    /// Width and height of spatial layer 0 from the scalability structure, when present with Y=1.
    var scalabilityDimensions: VideoDimensions?
    /// Bytes of descriptor before the VP9 payload.
    var length: Int

    /// `nil` when the payload is too short for the descriptor its flags announce, or when a flexible-mode
    /// reference list runs past three entries.
    init?(_ payload: [UInt8]) {
        guard let first = payload.first else { return nil }
        let hasPictureID = first & 0x80 != 0
        interPicture = first & 0x40 != 0
        let hasLayerIndices = first & 0x20 != 0
        let flexible = first & 0x10 != 0
        beginsFrame = first & 0x08 != 0
        endsFrame = first & 0x04 != 0
        let hasScalabilityStructure = first & 0x02 != 0
        pictureID = nil
        spatialLayer = 0
        scalabilityDimensions = nil

        var offset = 1
        func byte() -> UInt8? {
            guard offset < payload.count else { return nil }
            defer { offset += 1 }
            return payload[offset]
        }
        if hasPictureID {
            guard let high = byte() else { return nil }
            if high & 0x80 != 0 {
                guard let low = byte() else { return nil }
                pictureID = UInt16(high & 0x7F) << 8 | UInt16(low)
            } else {
                pictureID = UInt16(high)
            }
        }
        if hasLayerIndices {
            guard let layers = byte() else { return nil }
            spatialLayer = (layers >> 1) & 0x07
            if !flexible {
                guard byte() != nil else { return nil }  // TL0PICIDX
            }
        }
        if flexible && interPicture {
            var references = 0
            while true {
                guard let reference = byte() else { return nil }
                references += 1
                if reference & 0x01 == 0 { break }  // N: another P_DIFF follows
                if references == 3 { return nil }
            }
        }
        if hasScalabilityStructure {
            guard let header = byte() else { return nil }
            let layerCount = Int(header >> 5) + 1  // N_S + 1
            if header & 0x10 != 0 {  // Y: resolutions present
                for layer in 0..<layerCount {
                    guard let w1 = byte(), let w0 = byte(), let h1 = byte(), let h0 = byte() else { return nil }
                    let width = Int(w1) << 8 | Int(w0)
                    let height = Int(h1) << 8 | Int(h0)
                    if layer == 0, width > 0, height > 0 {
                        scalabilityDimensions = VideoDimensions(width: width, height: height)
                    }
                }
            }
            if header & 0x08 != 0 {  // G: picture group description
                guard let groupSize = byte() else { return nil }
                for _ in 0..<groupSize {
                    guard let picture = byte() else { return nil }
                    let referenceCount = Int(picture >> 2) & 0x03
                    for _ in 0..<referenceCount {
                        guard byte() != nil else { return nil }
                    }
                }
            }
        }
        length = offset
    }
}

/// The start of a VP9 uncompressed header (VP9 bitstream specification §6.2): frame type and, for key
/// frames, the frame size.
struct VP9FrameHeader: Equatable {
    var profile: Int
    /// show_existing_frame: the frame only re-shows an earlier one.
    var showsExistingFrame: Bool
    var isKeyFrame: Bool
    /// Key frames only.
    var dimensions: VideoDimensions?

    /// `nil` when the bytes are not a VP9 uncompressed header (frame marker, sync code) or end too early.
    init?(_ frame: [UInt8]) {
        var reader = BitReader(frame)
        guard reader.bits(2) == 2,  // frame_marker
            let profileLow = reader.bits(1), let profileHigh = reader.bits(1)
        else { return nil }
        profile = Int(profileHigh << 1 | profileLow)
        if profile == 3 {
            guard reader.bits(1) == 0 else { return nil }  // reserved_zero
        }
        guard let showExisting = reader.bit() else { return nil }
        showsExistingFrame = showExisting
        dimensions = nil
        if showExisting {
            isKeyFrame = false
            return
        }
        guard let frameType = reader.bit(),
            reader.skip(2)  // show_frame, error_resilient_mode
        else { return nil }
        isKeyFrame = !frameType  // KEY_FRAME is 0
        guard isKeyFrame else { return }
        guard reader.bits(8) == 0x49, reader.bits(8) == 0x83, reader.bits(8) == 0x42 else { return nil }
        // color_config()
        if profile >= 2 {
            guard reader.skip(1) else { return nil }  // ten_or_twelve_bit
        }
        guard let colorSpace = reader.bits(3) else { return nil }
        if colorSpace != 7 {  // not CS_RGB
            guard reader.skip(1) else { return nil }  // color_range
            if profile == 1 || profile == 3 {
                guard reader.skip(2), reader.bits(1) == 0 else { return nil }  // subsampling_x/y, reserved_zero
            }
        } else if profile == 1 || profile == 3 {
            guard reader.bits(1) == 0 else { return nil }  // reserved_zero
        }
        // frame_size()
        guard let widthMinus1 = reader.bits(16), let heightMinus1 = reader.bits(16) else { return nil }
        dimensions = VideoDimensions(width: Int(widthMinus1) + 1, height: Int(heightMinus1) + 1)
    }
}
