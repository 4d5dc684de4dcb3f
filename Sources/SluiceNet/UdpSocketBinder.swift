public import NIOCore
internal import NIOPosix
internal import Logging
internal import SluiceEngine

/// A bound UDP socket of a transport.
public struct BoundSocket: Sendable {
    public let channel: any Channel
    public let port: Int
}

/// Binds transport sockets on a worker's loop from the RTC port range.
struct UdpSocketBinder: Sendable {
    let allocator: PortAllocator
    let listenIp: String
    /// Give up after this many ports that were free for us but taken by another process.
    let maxAttempts = 128
    static let vectorReadCount = 32

    func bind(on worker: Worker) async throws -> BoundSocket {
        var lastError: (any Error)?
        for _ in 0..<min(maxAttempts, allocator.range.count) {
            guard let port = allocator.reserve() else { throw NetError.portRangeExhausted(allocator.range) }
            let state = worker.state
            let bootstrap = DatagramBootstrap(group: worker.eventLoop)
                .channelOption(.socketOption(.so_reuseaddr), value: 0)
                // Vector reads split one receive buffer between the messages: size it for
                // 32 full-MTU datagrams, or packets get truncated.
                .channelOption(.datagramVectorReadMessageCount, value: Self.vectorReadCount)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: Self.vectorReadCount * 2048))
                .channelOption(.socketOption(.so_rcvbuf), value: 4 << 20)
                .channelOption(.socketOption(.so_sndbuf), value: 4 << 20)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(TransportDatagramHandler(state: state))
                    }
                }
            do {
                let channel = try await bootstrap.bind(host: listenIp, port: port).get()
                let allocator = self.allocator
                channel.closeFuture.whenComplete { _ in allocator.release(port) }
                return BoundSocket(channel: channel, port: port)
            } catch {
                allocator.release(port)
                lastError = error
            }
        }
        throw NetError.bindFailed(host: listenIp, underlying: lastError.map { "\($0)" } ?? "no port available")
    }
}

/// Receives datagrams on a transport socket and hands them to the worker's engine.
final class TransportDatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    private let state: NIOLoopBound<WorkerState>

    init(state: NIOLoopBound<WorkerState>) {
        self.state = state
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        state.value.received(envelope, on: context.channel, now: MediaTime(nanoseconds: NIODeadline.now().uptimeNanoseconds))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // One flush per read burst: writes of the whole batch leave together.
        state.value.flush()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ICMP port-unreachable and similar surface here; a UDP socket stays usable.
    }
}
