public import NIOCore
internal import SluiceCrypto
internal import SluiceRTP

/// Which socket of a transport a datagram came in on or goes out of. With rtcp-mux (and on
/// WebRTC transports) everything uses `.rtp`.
public enum TransportSocket: Sendable, Hashable {
    case rtp, rtcp
}

/// A datagram the engine wants sent; the network layer owns the sockets.
public struct OutgoingDatagram {
    public let transport: Transport
    public let socket: TransportSocket
    /// Where it goes: a UDP address, or an ICE-TCP connection (the network layer adds the
    /// RFC 4571 length prefix there).
    public let tuple: RemoteTuple
    public let data: ByteBuffer

    /// The peer's address, whichever protocol the tuple uses.
    public var destination: SocketAddress { tuple.address }

    init(transport: Transport, socket: TransportSocket, tuple: RemoteTuple, data: ByteBuffer) {
        self.transport = transport
        self.socket = socket
        self.tuple = tuple
        self.data = data
    }

    /// To an address of the transport's peer: over the ICE-selected TCP connection when that is
    /// where the address is, else over UDP.
    init(transport: Transport, socket: TransportSocket, destination: SocketAddress, data: ByteBuffer) {
        if let selected = transport.media.selectedTuple, selected.tcpConnectionId != nil, selected.address == destination {
            self.init(transport: transport, socket: socket, tuple: selected, data: data)
        } else {
            self.init(transport: transport, socket: socket, tuple: .udp(destination), data: data)
        }
    }
}

/// Why datagrams were dropped, per transport, for stats: incoming ones by fault, and outgoing
/// RTP held back while a consumer on this transport waits for a key frame.
public struct TransportDropCounters: Sendable, Hashable, Codable {
    public var notRtpOrRtcp = 0
    public var malformedRtp = 0
    public var malformedRtcp = 0
    public var unknownSsrc = 0
    public var wrongSource = 0
    public var notConnected = 0
    public var srtpFailure = 0
    public var unknownPayloadType = 0
    public var waitingForKeyFrame = 0
    /// RTP too old (or too far ahead) for its stream.
    public var stale = 0
    /// STUN that does not parse or is not a binding request.
    public var malformedStun = 0
    /// Binding requests with a wrong ufrag, integrity or fingerprint (no answer is sent).
    public var stunAuthFailure = 0
    /// DTLS datagrams not taken: before connect or ICE selection, from another tuple, after a
    /// failed handshake, or records DTLS could not parse.
    public var dtls = 0
}

/// Packet-path state of a transport: remote tuples, RTCP timing, counters.
final class TransportMedia {
    var rtpRemote: SocketAddress?
    var rtcpRemote: SocketAddress?
    /// SSRC we use as the sender of RTCP feedback (RR, NACK, PLI) on this transport.
    let rtcpSsrc: UInt32
    var nextRtcpAt: MediaTime?
    var drops = TransportDropCounters()
    var rtpPacketsReceived = 0
    var rtcpPacketsReceived = 0
    var bytesReceived = 0
    var rtpPacketsSent = 0
    var rtcpPacketsSent = 0
    var bytesSent = 0
    /// Consumers on this transport by their SSRC (and RTX SSRC), for incoming RTCP.
    var consumersBySsrc: [UInt32: Consumer] = [:]
    var srtp: SrtpContext?
    /// Created with SRTP: nothing passes in or out until connect supplies the keys.
    var srtpRequired = false
    /// Receiver reference times (XR RRT) from the remote, for DLRR in our reports.
    var lastReceiverReferenceTime: (ntpCompact: UInt32, at: MediaTime)?
    /// Last valid ICE connectivity check, for consent freshness.
    var lastConsentAt: MediaTime?
    /// The tuple ICE selected (USE-CANDIDATE) on a WebRTC transport; `rtpRemote` is its address.
    var selectedTuple: RemoteTuple?
    /// The worker's shared WebRTC port this transport is registered with, if it uses one.
    var webRtcServer: WebRtcServer?
    /// The DTLS handshake of a connected WebRTC transport (it yields the SRTP keys).
    var dtls: DtlsSession?
    /// Malformed records the session had counted at the last look.
    var dtlsMalformedSeen = 0
    /// Transport-wide sequence number of the next packet we send (WebRTC).
    var nextWideSequence: UInt16 = 1
    /// Transport-wide sequence numbers received since the last feedback, with arrival times.
    var wideArrivals: [TransportLayerCC.Arrival] = []
    var transportFeedbackCount: UInt8 = 0
    var lastTransportFeedbackAt = MediaTime(nanoseconds: 0)
    var lastRembAt = MediaTime(nanoseconds: 0)

    init(rtcpSsrc: UInt32) {
        self.rtcpSsrc = rtcpSsrc
    }
}
