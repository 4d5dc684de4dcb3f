/// The VP8 payload descriptor (RFC 7741 §4.2) of one RTP packet.
struct VP8PayloadDescriptor: Equatable {
    /// S: the packet starts a VP8 partition.
    var startOfPartition: Bool
    /// PID: the partition index.
    var partitionIndex: UInt8
    var pictureID: UInt16?
    /// Bytes of descriptor before the VP8 payload.
    var length: Int

    /// A frame starts with the first packet of partition 0.
    var startsFrame: Bool { startOfPartition && partitionIndex == 0 }

    /// `nil` when the payload is too short for the descriptor its flags announce.
    init?(_ payload: [UInt8]) {
        guard let first = payload.first else { return nil }
        startOfPartition = first & 0x10 != 0
        partitionIndex = first & 0x07
        pictureID = nil
        var offset = 1
        if first & 0x80 != 0 {  // X: extension byte
            guard offset < payload.count else { return nil }
            let extensions = payload[offset]
            offset += 1
            if extensions & 0x80 != 0 {  // I: PictureID, 7 or 15 bits (M)
                guard offset < payload.count else { return nil }
                if payload[offset] & 0x80 != 0 {
                    guard offset + 1 < payload.count else { return nil }
                    pictureID = UInt16(payload[offset] & 0x7F) << 8 | UInt16(payload[offset + 1])
                    offset += 2
                } else {
                    pictureID = UInt16(payload[offset])
                    offset += 1
                }
            }
            if extensions & 0x40 != 0 { offset += 1 }  // L: TL0PICIDX
            if extensions & 0x30 != 0 { offset += 1 }  // T or K: TID|Y|KEYIDX
            guard offset <= payload.count else { return nil }
        }
        length = offset
    }
}

/// The start of a VP8 frame (RFC 6386 §9.1): key frame flag and, for key frames, the picture size.
enum VP8FrameHeader {
    /// P (bit 0 of the first byte) is 0 on key frames.
    static func isKeyFrame(_ frame: [UInt8]) -> Bool {
        guard let first = frame.first else { return false }
        return first & 0x01 == 0
    }

    /// Width and height of a key frame: 3-byte frame tag, start code 9d 01 2a, then 14-bit width and
    /// height (little endian, top two scaling bits ignored). `nil` when too short, without start code or
    /// with a zero size.
    static func keyFrameDimensions(_ frame: [UInt8]) -> VideoDimensions? {
        guard frame.count >= 10, frame[3] == 0x9D, frame[4] == 0x01, frame[5] == 0x2A else { return nil }
        let width = (Int(frame[6]) | Int(frame[7]) << 8) & 0x3FFF
        let height = (Int(frame[8]) | Int(frame[9]) << 8) & 0x3FFF
        guard width > 0, height > 0 else { return nil }
        return VideoDimensions(width: width, height: height)
    }
}
