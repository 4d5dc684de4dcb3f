import Foundation
import Testing
import SluiceEngine
import SluiceRTP

/// Room.swift promises that a refused request leaves the room as it was.
@Suite("Failed requests leave the room unchanged")
struct FailedRequestTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var expected: EngineErrorKind
        var request: @Sendable (TwoBroadcasters) throws(EngineError) -> Void
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "duplicate broadcaster", expected: .conflict) { setup throws(EngineError) in
            _ = try setup.room.createBroadcaster(EngineFixtures.broadcaster("A", capabilities: EngineFixtures.routerCapabilities))
        },
        Case(name: "broadcaster with invalid capabilities", expected: .invalid) { setup throws(EngineError) in
            let bad = RtpCapabilities(headerExtensions: [RtpHeaderExtension(kind: .video, uri: "", preferredId: 1)])
            _ = try setup.room.createBroadcaster(EngineFixtures.broadcaster("C", capabilities: bad))
        },
        Case(name: "produce with a duplicate SSRC", expected: .conflict) { setup throws(EngineError) in
            _ = try setup.room.produce(broadcasterId: "A", transportId: setup.sendTransport, options: EngineFixtures.video(ssrc: 1111))
        },
        Case(name: "produce with an unsupported codec", expected: .unsupported) { setup throws(EngineError) in
            var options = EngineFixtures.video(ssrc: 9)
            options.rtpParameters.codecs[0].mimeType = "video/H265"
            _ = try setup.room.produce(broadcasterId: "A", transportId: setup.sendTransport, options: options)
        },
        Case(name: "produce with RTX pointing nowhere", expected: .invalid) { setup throws(EngineError) in
            var options = EngineFixtures.video(ssrc: 9)
            options.rtpParameters.codecs.append(
                RtpCodecParameters(mimeType: "video/rtx", payloadType: 102, clockRate: 90000, parameters: ["apt": .int(55)]))
            _ = try setup.room.produce(broadcasterId: "A", transportId: setup.sendTransport, options: options)
        },
        Case(name: "consume an unknown producer", expected: .notFound) { setup throws(EngineError) in
            _ = try setup.room.consume(broadcasterId: "B", transportId: setup.recvTransport, options: ConsumeOptions(producerId: "x"))
        },
        Case(name: "consume without capabilities", expected: .invalid) { setup throws(EngineError) in
            _ = try setup.room.consume(
                broadcasterId: "A", transportId: setup.sendTransport, options: ConsumeOptions(producerId: setup.audioProducer))
        },
        Case(name: "consume with incompatible capabilities", expected: .unsupported) { setup throws(EngineError) in
            let caps = RtpCapabilities(codecs: [RtpCodecCapability(kind: .video, mimeType: "video/VP8", preferredPayloadType: 96, clockRate: 90000)])
            _ = try setup.room.consume(
                broadcasterId: "B", transportId: setup.recvTransport,
                options: ConsumeOptions(producerId: setup.audioProducer, rtpCapabilities: caps))
        },
        Case(name: "connect with a bad ip", expected: .invalid) { setup throws(EngineError) in
            try setup.room.connectPlainTransport(
                broadcasterId: "B", transportId: setup.recvTransport, options: .init(ip: "999.1.1.1", port: 5004))
        },
        Case(name: "connect comedia with an address", expected: .invalid) { setup throws(EngineError) in
            try setup.room.connectPlainTransport(
                broadcasterId: "A", transportId: setup.sendTransport, options: .init(ip: "127.0.0.1", port: 5004, rtcpPort: 5005))
        },
        Case(name: "connect a plain transport with DTLS", expected: .invalid) { setup throws(EngineError) in
            try setup.room.connectWebRtcTransport(
                broadcasterId: "A", transportId: setup.sendTransport, dtlsParameters: EngineFixtures.remoteDtls)
        },
        Case(name: "close another broadcaster's producer", expected: .notFound) { setup throws(EngineError) in
            try setup.room.closeProducer(broadcasterId: "B", producerId: setup.videoProducer)
        },
        Case(name: "pause another broadcaster's producer", expected: .notFound) { setup throws(EngineError) in
            _ = try setup.room.setProducerPaused(true, broadcasterId: "B", producerId: setup.videoProducer)
        },
        Case(name: "delete an unknown broadcaster", expected: .notFound) { setup throws(EngineError) in
            try setup.room.deleteBroadcaster("Z")
        },
        Case(name: "transport for an unknown broadcaster", expected: .notFound) { setup throws(EngineError) in
            _ = try setup.room.createWebRtcTransport(
                broadcasterId: "Z", options: WebRtcTransportOptions(), binding: EngineFixtures.webRtcBinding)
        },
    ]

    @Test(arguments: cases)
    func refusedRequestChangesNothing(_ entry: Case) throws {
        let setup = try TwoBroadcasters()
        _ = try setup.consume(setup.videoProducer)
        _ = setup.room.drainEvents()
        let before = setup.room.broadcasterStates()
        let summary = setup.room.summary(worker: 0)

        #expect(engineErrorKind { try entry.request(setup) } == entry.expected)

        #expect(setup.room.broadcasterStates() == before)
        #expect(setup.room.summary(worker: 0) == summary)
        #expect(setup.room.drainEvents().isEmpty)
    }
}
