internal import NIOCore
internal import NIOPosix
internal import SluiceEngine

/// Binds a worker's shared WebRTC port: one UDP socket and one ICE-TCP listening socket with the
/// same number, either the configured one or the first free one of the RTC range.
struct WebRtcPortBinder: Sendable {
    let allocator: PortAllocator
    let listenIp: String
    let maxAttempts = 128

    struct Bound: Sendable {
        let udp: any Channel
        let tcp: any Channel
        let port: Int
    }

    /// Binds `port`, or a free port of the RTC range when it is nil.
    func bind(on worker: Worker, port: Int?) async throws -> Bound {
        if let port {
            // A fixed port inside the RTC range must not be handed to a transport later.
            let reserved = allocator.range.contains(port) ? allocator.reserve(port) : false
            do {
                return try await bindBoth(on: worker, port: port, releaseOnClose: reserved)
            } catch {
                if reserved { allocator.release(port) }
                throw NetError.bindFailed(host: listenIp, underlying: "WebRTC port \(port) (UDP and TCP): \(error)")
            }
        }
        var lastError: (any Error)?
        for _ in 0..<min(maxAttempts, allocator.range.count) {
            guard let candidate = allocator.reserve() else { throw NetError.portRangeExhausted(allocator.range) }
            do {
                return try await bindBoth(on: worker, port: candidate, releaseOnClose: true)
            } catch {
                allocator.release(candidate)
                lastError = error
            }
        }
        throw NetError.bindFailed(
            host: listenIp, underlying: "no port of the RTC range free for UDP and TCP: \(lastError.map { "\($0)" } ?? "none")")
    }

    private func bindBoth(on worker: Worker, port: Int, releaseOnClose: Bool) async throws -> Bound {
        let state = worker.state
        let udp = try await DatagramBootstrap(group: worker.eventLoop)
            .channelOption(.socketOption(.so_reuseaddr), value: 0)
            .channelOption(.datagramVectorReadMessageCount, value: UdpSocketBinder.vectorReadCount)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: UdpSocketBinder.vectorReadCount * 2048))
            .channelOption(.socketOption(.so_rcvbuf), value: 8 << 20)
            .channelOption(.socketOption(.so_sndbuf), value: 8 << 20)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(SharedPortDatagramHandler(state: state))
                }
            }
            .bind(host: listenIp, port: port).get()
        let tcp: any Channel
        do {
            tcp = try await ServerBootstrap(group: worker.eventLoop)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelOption(.writeBufferWaterMark, value: .init(low: 64 << 10, high: 512 << 10))
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(IceTcpConnectionHandler(state: state))
                    }
                }
                .bind(host: listenIp, port: port).get()
        } catch {
            try? await udp.close()
            throw error
        }
        if releaseOnClose {
            let allocator = self.allocator
            udp.closeFuture.whenComplete { _ in allocator.release(port) }
        }
        return Bound(udp: udp, tcp: tcp, port: port)
    }
}

/// Datagrams on a worker's shared UDP port, handed to its ``WebRtcServer``.
final class SharedPortDatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    private let state: NIOLoopBound<WorkerState>

    init(state: NIOLoopBound<WorkerState>) {
        self.state = state
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        state.value.receivedOnSharedPort(unwrapInboundIn(data), now: MediaTime(nanoseconds: NIODeadline.now().uptimeNanoseconds))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        state.value.flush()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ICMP port-unreachable and similar surface here; a UDP socket stays usable.
    }
}

/// One accepted ICE-TCP connection (RFC 6544 passive): its bytes go to the worker's
/// ``WebRtcServer``, which de-frames them (RFC 4571) and routes each packet.
final class IceTcpConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let state: NIOLoopBound<WorkerState>
    private var connectionId: UInt64?

    init(state: NIOLoopBound<WorkerState>) {
        self.state = state
    }

    func channelActive(context: ChannelHandlerContext) {
        connectionId = state.value.tcpConnectionOpened(context.channel, now: Self.now)
        if connectionId == nil { context.close(promise: nil) }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let connectionId else { return }
        state.value.tcpReceived(unwrapInboundIn(data), connection: connectionId, now: Self.now)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        state.value.flush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let connectionId {
            self.connectionId = nil
            state.value.tcpConnectionClosed(connectionId)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Resets and the like: the connection is gone.
        context.close(promise: nil)
    }

    private static var now: MediaTime { MediaTime(nanoseconds: NIODeadline.now().uptimeNanoseconds) }
}
