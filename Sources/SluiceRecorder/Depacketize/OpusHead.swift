/// OpusHead (RFC 7845 §5.1) to use as codec extradata: version 1, `channels`, `preSkip`, input sample rate
/// 48000, output gain 0, channel mapping family 0.
///
/// Mapping family 0 only describes mono and stereo, so `channels` is clamped to 1...2.
public func opusHead(channels: Int = 2, preSkip: UInt16 = 0) -> [UInt8] {
    let channelCount = UInt8(min(max(channels, 1), 2))
    let inputSampleRate: UInt32 = 48000
    var head: [UInt8] = Array("OpusHead".utf8)
    head.append(1)  // version
    head.append(channelCount)
    head.append(UInt8(truncatingIfNeeded: preSkip))
    head.append(UInt8(truncatingIfNeeded: preSkip >> 8))
    for shift in stride(from: 0, to: 32, by: 8) {
        head.append(UInt8(truncatingIfNeeded: inputSampleRate >> UInt32(shift)))
    }
    head.append(contentsOf: [0, 0])  // output gain, Q7.8 dB
    head.append(0)  // channel mapping family
    return head
}
