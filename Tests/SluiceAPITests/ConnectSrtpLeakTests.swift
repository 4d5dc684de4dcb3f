import Foundation
import NIOCore
import NIOPosix
import Testing

/// What a refused SRTP connect does to real media (see ConnectTests.refusedSrtpConnectLeavesNoRemoteAddress).
@Suite("Transport connect: media after a refused SRTP connect")
struct ConnectSrtpLeakTests {
    /// Collects datagrams arriving on a local UDP socket.
    final class Inbox: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        private let lock = NSLock()
        private var received: [[UInt8]] = []
        var datagrams: [[UInt8]] { lock.withLock { received } }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = unwrapInboundIn(data)
            lock.withLock { received.append(Array(envelope.data.readableBytesView)) }
        }
    }

    /// One opus RTP packet: PT 100, SSRC 1111, a recognisable payload.
    static func rtpPacket(sequence: UInt16) -> [UInt8] {
        [0x80, 100, UInt8(sequence >> 8), UInt8(sequence & 0xFF), 0, 0, 0x03, 0xC0, 0, 0, 0x04, 0x57]
            + Array("PLAINTEXT-OPUS".utf8)
    }

    @Test
    func refusedSrtpConnectSendsNoMedia() async throws {
        try await withSluice { api in
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let inbox = Inbox()
            let receiver = try await DatagramBootstrap(group: group)
                .channelInitializer { $0.pipeline.addHandler(inbox) }
                .bind(host: "127.0.0.1", port: 0).get()
            let sender = try await DatagramBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
            do {
                let room = "leak"
                try await api.makeBroadcaster(room, "sender")
                let ingress = try await api.ok(try await api.post(Paths.transports(room, "sender"), Bodies.plainTransport))
                let ingressPort = try #require(ingress["port"].int)
                let producer = try await api.makeProducer(room, "sender", try #require(ingress["id"].string))
                try await api.makeBroadcaster(room, "receiver", withCapabilities: true)
                let egress = try await api.makeTransport(room, "receiver", #"{"type":"plain","comedia":false,"rtcpMux":true,"enableSrtp":true}"#)
                let consumer = try await api.post(Paths.consume(room, "receiver", egress, producer: producer))
                try #require(consumer.code == 200)
                let port = try #require(receiver.localAddress?.port)
                // No srtpParameters: refused.
                expectProblem(
                    try await api.post(Paths.transport(room, "receiver", egress) + "/connect", #"{"ip":"127.0.0.1","port":\#(port)}"#),
                    400, detailContains: "srtpParameters")
                let target = try SocketAddress(ipAddress: "127.0.0.1", port: ingressPort)
                for sequence in UInt16(1)...20 {
                    let packet = ByteBuffer(bytes: Self.rtpPacket(sequence: sequence))
                    try await sender.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: packet)).get()
                    try await Task.sleep(for: .milliseconds(10))
                }
                try await Task.sleep(for: .milliseconds(300))
                let plaintext = inbox.datagrams.filter { $0.count > 12 && $0[1] & 0x7F == 100 && $0.suffix(14) == Array("PLAINTEXT-OPUS".utf8) }
                #expect(inbox.datagrams.isEmpty, "received \(inbox.datagrams.count) datagrams, \(plaintext.count) plaintext RTP")
            } catch {
                try? await receiver.close()
                try? await sender.close()
                try? await group.shutdownGracefully()
                throw error
            }
            try await receiver.close()
            try await sender.close()
            try await group.shutdownGracefully()
        }
    }
}
