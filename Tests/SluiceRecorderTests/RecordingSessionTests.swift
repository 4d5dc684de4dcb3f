import Foundation
import NIOCore
import SluiceRTP
import Testing

@testable import SluiceRecorder

/// Whole recording sessions: real encoded media, packetised into RTP here, offered to a ``Recording``
/// on a virtual clock, and the outputs checked with ffprobe and ffmpeg.
@Suite("RecordingSession")
struct RecordingSessionTests {
    /// Arrival time of capture instant 0: arrival = `arrivalBase` + capture time (+ network delay).
    static let arrivalBase = RecordingHarness.startTime + 0.5
    /// The senders' wall clock (NTP seconds) at capture instant 0.
    static let ntpBase = 3_945_000_000.0

    @Test("webm from VP8 + Opus starts on the first key frame with audio in sync")
    func webmStartsOnKeyFrame() throws {
        let source = try RecordingSources.get().vp8Opus
        let harness = try RecordingHarness("webm", format: .webm)
        var video = TestProducer.vp8(), audio = TestProducer.opus()
        // Video joins 10 delta frames before a key frame; audio 300 ms before that key frame.
        let key = try #require(source.video.indices.first { $0 >= 10 && source.video[$0].isKeyFrame })
        let keyTime = source.video[key].time
        let videoFrames = source.video[(key - 10)...]
        let audioFrames = source.audio.filter { $0.time >= keyTime - 0.3 }
        #expect(videoFrames.prefix(10).allSatisfy { !$0.isKeyFrame })

        harness.start()
        harness.offer(.trackAdded(video.info))
        harness.offer(.trackAdded(audio.info))
        let reportTimes = { (first: Double) in Array(stride(from: first, to: 4, by: 1)) }
        harness.feed(
            schedule(
                video.senderReports(at: reportTimes(videoFrames.first!.time), ntpBase: Self.ntpBase, arrivalBase: Self.arrivalBase),
                audio.senderReports(at: reportTimes(audioFrames.first!.time), ntpBase: Self.ntpBase, arrivalBase: Self.arrivalBase),
                video.rtp(videoFrames, arrivalBase: Self.arrivalBase),
                audio.rtp(audioFrames, arrivalBase: Self.arrivalBase)))
        #expect(harness.stop())

        let status = harness.recording.status
        #expect(status.state == .stopped)
        #expect(status.errors.isEmpty)
        #expect(status.files.map(\.name) == ["recording.webm"])
        #expect(status.files.first?.finalized == true)
        #expect(status.tracks.first { $0.producerId == video.id }?.framesWritten == source.video.count - key)
        let events = harness.log.events
        #expect(events.contains(.started(recordingId: "rec-webm", file: "recording.webm")))
        #expect(events.last == .stopped(recordingId: "rec-webm"))

        let output = try ProbedOutput(harness.outputPath)
        #expect(output.codecs == ["vp8", "opus"])
        #expect(output.packets(of: output.video).first?.isKeyFrame == true)
        let videoStart = try #require(output.video?.startTime), audioStart = try #require(output.audio?.startTime)
        #expect(abs(videoStart - audioStart) < 0.04, "video starts at \(videoStart), audio at \(audioStart)")
        let expectedDuration = source.video.last!.time + 1.0 / 30 - keyTime
        expectClose(output.duration, expectedDuration, "duration")
        let delay = output.audioDelay(lastVideoCapture: source.video.last!.time, lastAudioCapture: source.audio.last!.time)
        #expect(abs(delay ?? 1) < 0.04, "audio delay \(String(describing: delay))")
        try expectDecodesCleanly(harness.outputPath)
    }

    @Test("sender reports line up tracks that arrive with different network delays")
    func senderReportsSynchroniseTracks() throws {
        let source = try RecordingSources.get().vp8Opus
        let synchronised = try #require(try Self.audioDelay(source: source, videoNetworkDelay: 0.15, senderReports: true))
        #expect(abs(synchronised) < 0.04, "with sender reports audio is \(synchronised) s late")
        // Without sender reports the only clue is arrival: video arriving 150 ms later is placed 150 ms
        // later, so audio plays 150 ms ahead of the picture captured with it.
        let byArrival = try #require(try Self.audioDelay(source: source, videoNetworkDelay: 0.15, senderReports: false))
        #expect(abs(byArrival + 0.15) < 0.04, "without sender reports audio is \(byArrival) s late")
    }

    /// Records all of `source` with video arriving `videoNetworkDelay` later than audio captured at the
    /// same instant; returns how late audio plays relative to video in the output.
    private static func audioDelay(source: SourceMedia, videoNetworkDelay: Double, senderReports: Bool) throws -> Double? {
        let harness = try RecordingHarness("sync-\(senderReports)", format: .webm)
        var video = TestProducer.vp8(), audio = TestProducer.opus()
        harness.start()
        harness.offer(.trackAdded(video.info))
        harness.offer(.trackAdded(audio.info))
        let videoArrival = arrivalBase + videoNetworkDelay
        let times = [0.0, 1, 2, 3]
        harness.feed(
            schedule(
                senderReports ? video.senderReports(at: times, ntpBase: ntpBase, arrivalBase: videoArrival) : [],
                senderReports ? audio.senderReports(at: times, ntpBase: ntpBase, arrivalBase: arrivalBase) : [],
                video.rtp(source.video, arrivalBase: videoArrival),
                audio.rtp(source.audio, arrivalBase: arrivalBase)))
        #expect(harness.stop())
        #expect(harness.recording.status.state == .stopped)
        try expectDecodesCleanly(harness.outputPath)
        return try ProbedOutput(harness.outputPath)
            .audioDelay(lastVideoCapture: source.video.last!.time, lastAudioCapture: source.audio.last!.time)
    }

    @Test("mp4 from H264 + Opus takes its avcC from the STAP-A parameter sets")
    func mp4FromH264() throws {
        let source = try RecordingSources.get().h264Opus
        let harness = try RecordingHarness("mp4", format: .mp4)
        var video = TestProducer.h264(source: source), audio = TestProducer.opus()
        harness.start()
        harness.offer(.trackAdded(video.info))
        harness.offer(.trackAdded(audio.info))
        harness.feed(schedule(video.rtp(source.video, arrivalBase: Self.arrivalBase), audio.rtp(source.audio, arrivalBase: Self.arrivalBase)))
        #expect(harness.stop())

        let status = harness.recording.status
        #expect(status.state == .stopped)
        #expect(status.errors.isEmpty)
        #expect(status.tracks.first { $0.producerId == video.id }?.framesWritten == source.video.count)
        let output = try ProbedOutput(harness.outputPath)
        #expect(output.codecs.sorted() == ["h264", "opus"])
        #expect(output.video?.width == 320)
        #expect(output.video?.profile?.contains("Baseline") == true)
        #expect(output.packets(of: output.video).first?.isKeyFrame == true)
        expectClose(output.duration, 4, "duration")
        try expectDecodesCleanly(harness.outputPath)

        let written = try Demuxer(path: harness.outputPath)
        let avcC = try #require(written.streams.first { $0.codec == .h264 }?.extradata)
        let sets = try #require(AvcConfiguration.parameterSets(avcC))
        #expect(sets.sps == source.sps)
        #expect(sets.pps == source.pps)
    }

    @Test("hls transcodes Opus to AAC and VP8 to H264 into 2 s segments")
    func hlsWithTranscodes() throws {
        let source = try RecordingSources.get().vp8Opus
        let harness = try RecordingHarness("hls", format: .hls)
        var video = TestProducer.vp8(), audio = TestProducer.opus()
        harness.start()
        harness.offer(.trackAdded(audio.info))
        harness.offer(.trackAdded(video.info))
        harness.feed(schedule(video.rtp(source.video, arrivalBase: Self.arrivalBase), audio.rtp(source.audio, arrivalBase: Self.arrivalBase)))
        #expect(harness.recording.status.transcodes == ["opus→aac", "vp8→h264"])
        #expect(harness.stop())

        let status = harness.recording.status
        #expect(status.state == .stopped)
        #expect(status.errors.isEmpty)
        #expect(status.transcodes == ["opus→aac", "vp8→h264"])
        #expect(status.files.map(\.name) == ["hls/index.m3u8"])
        let playlist = try String(contentsOfFile: harness.outputPath, encoding: .utf8)
        #expect(playlist.contains("#EXT-X-PLAYLIST-TYPE:VOD"))
        #expect(playlist.contains("#EXT-X-ENDLIST"))
        let segments = Muxer.hlsSegments(inPlaylist: playlist)
        #expect(segments.count == 2, "\(segments)")
        for segment in segments.dropLast() {
            #expect(abs(segment.duration - 2) < 0.25, "\(segment.name): \(segment.duration) s")
        }
        #expect((segments.last?.duration ?? 0) < 2.25)
        let output = try ProbedOutput(harness.outputPath)
        #expect(output.codecs.sorted() == ["aac", "h264"])
        expectClose(output.duration, 4, "duration")
        try expectDecodesCleanly(harness.outputPath)
    }

    @Test("hls asks a long-GOP H264 sender for key frames at segment pace")
    func hlsKeyFramePacing() throws {
        let source = try RecordingSources.get().h264LongGop
        #expect(source.video.filter { $0.isKeyFrame }.count == 2)  // at 0 s and 4 s of 6 s
        let harness = try RecordingHarness("hls-pacing", format: .hls)
        var video = TestProducer.h264(source: source)
        harness.start()
        harness.offer(.trackAdded(video.info))
        harness.feed(video.rtp(source.video, arrivalBase: Self.arrivalBase))
        // The sender does not react; the recording keeps asking about once per target duration.
        let requests = harness.log.keyFrameRequests
        #expect(harness.stop())

        let mediaAfterFirstKey = source.video.last!.time - source.video.first { $0.isKeyFrame }!.time
        let perSegment = Int((mediaAfterFirstKey / 2).rounded())
        #expect(requests.count >= perSegment && requests.count <= 3 * perSegment, "\(requests.count) key frame requests")
        #expect(requests.allSatisfy { $0 == video.id })
        #expect(harness.recording.status.tracks.first?.keyFrameRequests == requests.count)
        #expect(harness.recording.status.state == .stopped)
        try expectDecodesCleanly(harness.outputPath)
    }

    /// How the producer's sender comes back after restarting (same SSRC, no pause around it).
    enum SenderRestart: String, CaseIterable, Sendable {
        /// New random sequence number and timestamp bases.
        case randomBases
        /// Sequence numbers far off, timestamps 2 s behind the previous ones.
        case timestampsTwoSecondsBack
        /// Sequence numbers 500 ahead (within the reorder window), random timestamps.
        case sequenceSlightlyAhead
    }

    @Test("pause, resume and a sender restart keep the output decodable", arguments: SenderRestart.allCases)
    func pauseResumeAndRestart(restart: SenderRestart) throws {
        let source = try RecordingSources.get().vp8Opus
        let frames = source.video
        #expect(frames.count == 120 && frames[60].isKeyFrame && frames[90].isKeyFrame)
        let harness = try RecordingHarness("pause-\(restart)", format: .webm)
        var video = TestProducer.vp8()
        harness.start()
        harness.offer(.trackAdded(video.info))
        // Frames 0-44, a pause of 1 s, frames 45-89 (the recording waits for the key frame at 60),
        // then the same producer restarts with new sequence numbers and timestamps for frames 90-119.
        let pauseAt = Self.arrivalBase + frames[45].time
        let beforePause = video.rtp(frames[..<45], arrivalBase: Self.arrivalBase)
        let afterResume = video.rtp(frames[45..<90], arrivalBase: Self.arrivalBase + 1)
        var random = DepacketizeRandom(seed: 6)
        switch restart {
        case .randomBases:
            video.sender.nextSequence &+= UInt16.random(in: 4000...60000, using: &random)
            video.sender.timestampBase = UInt32.random(in: .min ... .max, using: &random)
        case .timestampsTwoSecondsBack:
            video.sender.nextSequence &+= 20000
            video.sender.timestampBase &-= UInt32(frames[90].pts - frames[89].pts) + 2 * 90000
        case .sequenceSlightlyAhead:
            video.sender.nextSequence &+= 500
            video.sender.timestampBase = UInt32.random(in: .min ... .max, using: &random)
        }
        let afterRestart = video.rtp(frames[90...], arrivalBase: Self.arrivalBase + 1)
        harness.feed(
            schedule(
                beforePause,
                [TimedInput(arrival: pauseAt, input: .paused(producerId: video.id))],
                [TimedInput(arrival: pauseAt + 1, input: .resumed(producerId: video.id))],
                afterResume, afterRestart))
        #expect(harness.stop())

        let status = harness.recording.status
        #expect(status.state == .stopped)
        #expect(status.errors.isEmpty)
        #expect(status.tracks.first?.framesWritten == 45 + 30 + 30)
        let output = try ProbedOutput(harness.outputPath)
        let packets = output.packets(of: output.video)
        #expect(packets.count == 105)
        let gaps = zip(packets, packets.dropFirst()).map { $1.pts - $0.pts }
        let pause = gaps.max() ?? 0
        // Frame 44 to frame 60 (0.53 s of media) plus the 1 s pause.
        #expect(abs(pause - (frames[60].time - frames[44].time + 1)) < 0.05, "longest gap \(pause) s")
        #expect(gaps.filter { $0 > 0.1 }.count == 1, "\(gaps)")
        expectClose(output.duration, frames.last!.time + 1.0 / 30 - frames[0].time + 1, "duration")
        try expectDecodesCleanly(harness.outputPath)
    }

    @Test("garbage, unknown payload types, truncated packets and unknown producers are ignored")
    func badInputIsIgnored() throws {
        let source = try RecordingSources.get().vp8Opus
        let harness = try RecordingHarness("bad-input", format: .webm)
        var video = TestProducer.vp8(), audio = TestProducer.opus()
        harness.start()
        harness.offer(.trackAdded(video.info))
        harness.offer(.trackAdded(audio.info))
        let media = schedule(video.rtp(source.video, arrivalBase: Self.arrivalBase), audio.rtp(source.audio, arrivalBase: Self.arrivalBase))
        var random = DepacketizeRandom(seed: 7)
        var inputs: [TimedInput] = []
        for (index, item) in media.enumerated() {
            inputs.append(item)
            guard index % 5 == 0, case .rtp(let producerId, let packet, let arrival) = item.input else { continue }
            let bad = BadInput.make(kind: index / 5, from: packet, producerId: producerId, arrival: arrival, using: &random)
            inputs.append(TimedInput(arrival: arrival, input: bad))
        }
        harness.feed(inputs)
        #expect(harness.stop())

        let status = harness.recording.status
        #expect(status.state == .stopped)
        #expect(status.errors.isEmpty)
        #expect(status.tracks.map(\.producerId) == [video.id, audio.id])
        #expect(status.tracks.allSatisfy { $0.packetsLost == 0 })
        #expect(status.tracks.first { $0.producerId == video.id }?.framesWritten == source.video.count)
        #expect((status.tracks.first { $0.producerId == audio.id }?.framesWritten ?? 0) >= source.audio.count - 1)
        let output = try ProbedOutput(harness.outputPath)
        #expect(output.codecs == ["vp8", "opus"])
        expectClose(output.duration, 4, "duration")
        try expectDecodesCleanly(harness.outputPath)
    }

    @Test("a full queue refuses media, counts it, and still takes control items")
    func queueOverflow() throws {
        let source = try RecordingSources.get().vp8Opus
        let harness = try RecordingHarness("overflow", format: .webm, queueCapacity: 16)
        var audio = TestProducer.opus()
        let packets = (0..<10_000).flatMap { index in
            var frame = source.audio[index % source.audio.count]
            frame.pts = Int64(index) * 960
            return audio.sender.opusPackets(frame)
        }
        harness.start()
        #expect(harness.offer(.trackAdded(audio.info)))
        var refused = 0
        for (index, packet) in packets.enumerated() {
            let arrival = Self.arrivalBase + Double(index) * 0.02
            harness.clock.advance(to: arrival)
            if !harness.offer(.rtp(producerId: audio.id, packet: packet, arrival: arrival)) { refused += 1 }
        }
        // With the recording thread parked in its loop: fill the queue, then control items still go in,
        // and what was queued before the stop is still handled.
        #expect(harness.clock.hold())
        while harness.offer(.rtp(producerId: audio.id, packet: packets[0], arrival: Self.arrivalBase + 200)) {}
        refused += 1
        #expect(harness.offer(.trackAdded(TestProducer.vp8().info)))
        #expect(harness.offer(.closed(producerId: audio.id)))
        harness.recording.stop()
        harness.clock.release()
        #expect(harness.recording.waitUntilFinished(timeout: 20))

        #expect(refused > 0)
        let status = harness.recording.status
        #expect(status.packetsDropped == refused)
        #expect(status.state == .stopped)
        #expect(status.tracks.map(\.producerId) == [audio.id, "video"])
        #expect(status.tracks.first?.closed == true)
        if FileManager.default.fileExists(atPath: harness.outputPath) { try expectDecodesCleanly(harness.outputPath) }
    }

    @Test("an unwritable directory fails the recording")
    func unwritableDirectory() throws {
        let root = try AVTool.temporaryDirectory("session-unwritable")
        defer { AVTool.remove(root) }
        let file = root + "/file"
        #expect(FileManager.default.createFile(atPath: file, contents: Data("not a directory".utf8)))
        let harness = try RecordingHarness("unwritable", format: .webm, directory: file + "/recording")
        harness.start()
        #expect(harness.recording.waitUntilFinished(timeout: 10))

        let status = harness.recording.status
        #expect(status.state == .failed)
        #expect(!status.errors.isEmpty)
        #expect(harness.log.events.contains { if case .failed(let id, _) = $0 { id == "rec-unwritable" } else { false } })
        #expect(!harness.offer(.trackAdded(TestProducer.vp8().info)))
    }

    @Test("without followsNewProducers the recording stops once every producer closed")
    func stopsWhenProducersClose() throws {
        let source = try RecordingSources.get().vp8Opus
        let harness = try RecordingHarness("closing", format: .webm, followsNewProducers: false)
        var video = TestProducer.vp8(), audio = TestProducer.opus()
        harness.start()
        harness.offer(.trackAdded(video.info))
        harness.offer(.trackAdded(audio.info))
        harness.feed(schedule(video.rtp(source.video, arrivalBase: Self.arrivalBase), audio.rtp(source.audio, arrivalBase: Self.arrivalBase)))
        harness.offer(.closed(producerId: video.id))
        #expect(!harness.recording.isDone)
        harness.offer(.closed(producerId: audio.id))
        #expect(harness.recording.waitUntilFinished(timeout: 10))

        let status = harness.recording.status
        #expect(status.state == .stopped)
        #expect(status.errors.isEmpty)
        #expect(status.files.count == 1 && status.files.allSatisfy { $0.finalized })
        #expect(status.tracks.allSatisfy { $0.closed })
        #expect(harness.log.events.contains { if case .fileFinalized = $0 { true } else { false } })
        let output = try ProbedOutput(harness.outputPath)
        #expect(output.codecs == ["vp8", "opus"])
        expectClose(output.duration, 4, "duration")
        try expectDecodesCleanly(harness.outputPath)
    }
}

/// Inputs a recording must shrug off.
enum BadInput {
    /// One of several kinds of bad input, chosen by `kind`, shaped after a real packet of `producerId`.
    static func make(
        kind: Int, from packet: ByteBuffer, producerId: String, arrival: Double, using random: inout DepacketizeRandom
    ) -> RecorderInput {
        let bytes = Array(packet.readableBytesView)
        switch kind % 6 {
        case 0:  // Random bytes that are not RTP (version 0).
            var garbage = (0..<Int.random(in: 1...300, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            garbage[0] &= 0x3F
            return .rtp(producerId: producerId, packet: ByteBuffer(bytes: garbage), arrival: arrival)
        case 1:  // Valid RTP with a payload type the producer does not use.
            var unknown = bytes
            unknown[1] = (unknown[1] & 0x80) | 100
            return .rtp(producerId: producerId, packet: ByteBuffer(bytes: unknown), arrival: arrival)
        case 2:  // Cut inside the fixed header.
            return .rtp(producerId: producerId, packet: ByteBuffer(bytes: bytes.prefix(Int.random(in: 0..<12, using: &random))), arrival: arrival)
        case 3:  // A header announcing 15 CSRCs that are not there.
            var csrcs = Array(bytes.prefix(20))
            csrcs[0] = 0x8F
            return .rtp(producerId: producerId, packet: ByteBuffer(bytes: csrcs), arrival: arrival)
        case 4:  // The header alone: no payload.
            return .rtp(producerId: producerId, packet: ByteBuffer(bytes: bytes.prefix(12)), arrival: arrival)
        default:  // A real packet for a producer the recording does not know.
            return .rtp(producerId: "unknown-\(producerId)", packet: packet, arrival: arrival)
        }
    }
}
