public import NIOCore
public import SluiceRTP

/// Receives a producer's media inside the process, for recording.
///
/// Called on the worker loop that owns the router, for every packet: implementations must not
/// block (a recorder hands the item to its own thread through a bounded queue).
public protocol ProducerTap: AnyObject {
    func tapped(_ media: TappedMedia, producerId: String)
}

/// What a tap sees of a producer, in router terms (mapped payload types and SSRC).
public enum TappedMedia: Sendable {
    /// First item for every attached producer.
    case attached(TappedProducer)
    /// One RTP packet of the producer's first encoding, after mapping; `arrival` is worker time.
    case rtp(ByteBuffer, isKeyFrame: Bool, arrival: MediaTime)
    /// The sender's NTP ↔ RTP mapping from its latest sender report.
    case senderReport(ntp: UInt64, rtpTimestamp: UInt32, arrival: MediaTime)
    case paused
    case resumed
    /// The producer is gone; nothing follows.
    case closed
}

/// The description of a tapped producer a recorder needs to set up a track.
public struct TappedProducer: Sendable, Hashable {
    public var id: String
    public var broadcasterId: String
    public var kind: MediaKind
    /// The consumable codecs (router payload types), media codecs first.
    public var codecs: [RtpCodecParameters]
    /// Router SSRC of the first encoding: the stream a recorder records.
    public var ssrc: UInt32
    /// Producers sharing a CNAME share a sender clock (lip sync by sender reports).
    public var cname: String
    public var paused: Bool
}

/// Which producers a tap follows.
public enum TapSelection: Sendable, Hashable {
    /// Exactly these producers.
    case producers([String])
    /// Every current and future producer of the room.
    case room
    /// Every current and future producer of one broadcaster.
    case broadcaster(String)

    func matches(_ producer: Producer) -> Bool {
        switch self {
        case .producers(let ids): return ids.contains(producer.id)
        case .room: return true
        case .broadcaster(let id): return producer.broadcasterId == id
        }
    }

    var followsNewProducers: Bool {
        if case .producers = self { return false }
        return true
    }
}
