internal import NIOCore
internal import SluiceEngine
internal import SluiceRecorder

/// Connects a router's producer tap to a recording: runs on the worker loop and only queues.
final class RecorderTapAdapter: ProducerTap {
    let recording: Recording

    init(recording: Recording) { self.recording = recording }

    func tapped(_ media: TappedMedia, producerId: String) {
        switch media {
        case .attached(let producer):
            guard let codec = producer.codecs.first else { return }
            recording.offer(
                .trackAdded(
                    RecorderTrackInfo(
                        producerId: producer.id, isVideo: producer.kind == .video, mimeType: codec.mimeType,
                        payloadType: codec.payloadType, clockRate: codec.clockRate, channels: codec.channels ?? 1,
                        cname: producer.cname, paused: producer.paused)))
        case .rtp(let buffer, _, let arrival):
            recording.offer(.rtp(producerId: producerId, packet: buffer, arrival: arrival.seconds))
        case .senderReport(let ntp, let rtpTimestamp, let arrival):
            recording.offer(
                .senderReport(producerId: producerId, ntpSeconds: ntp.ntpSeconds, rtpTimestamp: rtpTimestamp, arrival: arrival.seconds))
        case .paused:
            recording.offer(.paused(producerId: producerId))
        case .resumed:
            recording.offer(.resumed(producerId: producerId))
        case .closed:
            recording.offer(.closed(producerId: producerId))
        }
    }
}

extension UInt64 {
    /// A 32.32 NTP timestamp in seconds.
    var ntpSeconds: Double { Double(self >> 32) + Double(self & 0xFFFF_FFFF) / 4_294_967_296 }
}
