import Foundation
import NIOCore
import SluiceRTP
import Testing

@testable import SluiceRecorder

// MARK: - Source media

/// Media files made once per test process with the ffmpeg CLI for the recording session tests.
struct RecordingSources: Sendable {
    /// VP8 320x240 30 fps (key frame every 30 frames) + Opus stereo in 20 ms frames, 4 s.
    let vp8Opus: SourceMedia
    /// H.264 constrained baseline 320x240 30 fps (key frame every 30 frames) + Opus stereo, 4 s.
    let h264Opus: SourceMedia
    /// H.264 constrained baseline 320x240 30 fps with one key frame every 4 s, 6 s, no audio.
    let h264LongGop: SourceMedia

    static let shared: Result<RecordingSources, FixtureError> = Result { () throws(FixtureError) in try make() }

    static func get() throws -> RecordingSources { try shared.get() }

    private static func make() throws(FixtureError) -> RecordingSources {
        LibavLog.setLevel(.error)
        let directory = try AVTool.temporaryDirectory("session-sources")
        defer { AVTool.remove(directory) }
        let video = ["-f", "lavfi", "-i", "testsrc=size=320x240:rate=30"]
        let audio = ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]
        let opus = ["-c:a", "libopus", "-frame_duration", "20", "-ac", "2"]
        let x264 = ["-c:v", "libx264", "-profile:v", "baseline", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-sc_threshold", "0"]
        try AVTool.ffmpeg(
            video + audio + ["-t", "4", "-c:v", "libvpx", "-g", "30", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "400k"]
                + opus + [directory + "/vp8opus.webm"])
        try AVTool.ffmpeg(video + audio + ["-t", "4"] + x264 + ["-g", "30"] + opus + [directory + "/h264opus.mp4"])
        try AVTool.ffmpeg(video + ["-t", "6"] + x264 + ["-g", "120", "-keyint_min", "120", directory + "/h264long.mp4"])
        do {
            return RecordingSources(
                vp8Opus: try SourceMedia(path: directory + "/vp8opus.webm"),
                h264Opus: try SourceMedia(path: directory + "/h264opus.mp4"),
                h264LongGop: try SourceMedia(path: directory + "/h264long.mp4"))
        } catch {
            throw FixtureError(description: "demuxing the sources: \(error)")
        }
    }
}

/// One encoded frame of a source file: Opus packet, VP8 frame, or H.264 access unit (AVCC).
struct SourceFrame: Sendable {
    var data: [UInt8]
    /// In the track's clock (90000 video, 48000 audio), as demuxed.
    var pts: Int64
    /// Capture time in seconds (the source file's timeline).
    var time: Double
    var isKeyFrame: Bool
}

/// The demuxed frames of a source file, in presentation order per track.
struct SourceMedia: Sendable {
    var video: [SourceFrame] = []
    var audio: [SourceFrame] = []
    var videoCodec: TrackCodec?
    /// H.264: the SPS and PPS from the file's avcC.
    var sps: [UInt8] = []
    var pps: [UInt8] = []

    init(path: String) throws {
        let demuxer = try Demuxer(path: path)
        let videoStream = demuxer.streams.first(where: \.isVideo)
        let audioStream = demuxer.streams.first(where: \.isAudio)
        videoCodec = videoStream?.codec
        if videoCodec == .h264 {
            guard let sets = AvcConfiguration.parameterSets(videoStream?.extradata ?? []) else {
                throw FixtureError(description: "\(path): no SPS/PPS in avcC")
            }
            (sps, pps) = sets
        }
        for packet in try demuxer.readAll() {
            let isVideo = packet.streamIndex == videoStream?.index
            guard isVideo || packet.streamIndex == audioStream?.index else { continue }
            let clockRate = Double(isVideo ? 90000 : 48000)
            let frame = SourceFrame(data: packet.data, pts: packet.pts, time: Double(packet.pts) / clockRate, isKeyFrame: packet.isKeyFrame)
            if isVideo { video.append(frame) } else { audio.append(frame) }
        }
        video.sort { $0.pts < $1.pts }
        audio.sort { $0.pts < $1.pts }
    }
}

/// Reading an `avcC` record (ISO 14496-15 §5.3.3.1).
enum AvcConfiguration {
    /// The first SPS and PPS.
    static func parameterSets(_ record: [UInt8]) -> (sps: [UInt8], pps: [UInt8])? {
        guard record.count > 7, record[0] == 1 else { return nil }
        var offset = 5
        func next() -> [UInt8]? {
            guard offset + 2 <= record.count else { return nil }
            let size = Int(record[offset]) << 8 | Int(record[offset + 1])
            offset += 2
            guard size > 0, offset + size <= record.count else { return nil }
            defer { offset += size }
            return Array(record[offset..<(offset + size)])
        }
        guard record[offset] & 0x1F >= 1 else { return nil }
        offset += 1
        guard let sps = next() else { return nil }
        guard offset < record.count, record[offset] >= 1 else { return nil }
        offset += 1
        guard let pps = next() else { return nil }
        return (sps, pps)
    }

    /// The NAL units of an AVCC access unit (4-byte lengths).
    static func nalUnits(_ accessUnit: [UInt8]) -> [[UInt8]] {
        var units: [[UInt8]] = []
        var offset = 0
        while offset + 4 <= accessUnit.count {
            let size = accessUnit[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
            offset += 4
            guard size > 0, offset + size <= accessUnit.count else { break }
            units.append(Array(accessUnit[offset..<(offset + size)]))
            offset += size
        }
        return units
    }
}

// MARK: - RTP packetisation

/// One RTP sender: packetises frames with its own sequence numbers and timestamp base.
struct RtpSender {
    static let maximumPayload = 1200

    let payloadType: UInt8
    let ssrc: UInt32
    var nextSequence: UInt16
    var timestampBase: UInt32
    /// H.264: send SPS and PPS in one STAP-A (else as two single NAL unit packets) before each IDR.
    var parameterSetsAsStapA = true

    /// The RTP timestamp of a source pts.
    func timestamp(_ pts: Int64) -> UInt32 { timestampBase &+ UInt32(truncatingIfNeeded: pts) }

    mutating func packet(_ payload: [UInt8], pts: Int64, marker: Bool) -> ByteBuffer {
        defer { nextSequence &+= 1 }
        return RtpPacket(payloadType: payloadType, sequenceNumber: nextSequence, timestamp: timestamp(pts), ssrc: ssrc, marker: marker, payload: payload)
            .buffer
    }

    /// Opus (RFC 7587): one packet per frame.
    mutating func opusPackets(_ frame: SourceFrame) -> [ByteBuffer] {
        [packet(frame.data, pts: frame.pts, marker: false)]
    }

    /// VP8 (RFC 7741): a 1-byte descriptor, S=1 on the frame's first packet, marker on its last.
    mutating func vp8Packets(_ frame: SourceFrame) -> [ByteBuffer] {
        let chunks = Self.split(frame.data, size: Self.maximumPayload - 1)
        return chunks.enumerated().map { index, chunk in
            packet([index == 0 ? 0x10 : 0x00] + chunk, pts: frame.pts, marker: index == chunks.count - 1)
        }
    }

    /// H.264 (RFC 6184, packetization mode 1): SPS+PPS before each IDR, single NAL unit packets, FU-A
    /// for NAL units over the payload size, marker on the access unit's last packet.
    mutating func h264Packets(_ frame: SourceFrame, sps: [UInt8], pps: [UInt8]) -> [ByteBuffer] {
        var payloads: [[UInt8]] = []
        if frame.isKeyFrame {
            if parameterSetsAsStapA {
                payloads.append([0x78] + Self.lengthPrefixed16(sps) + Self.lengthPrefixed16(pps))  // STAP-A, NRI 3
            } else {
                payloads += [sps, pps]
            }
        }
        for unit in AvcConfiguration.nalUnits(frame.data) {
            guard unit.count > Self.maximumPayload, let header = unit.first else {
                payloads.append(unit)
                continue
            }
            let chunks = Self.split(Array(unit.dropFirst()), size: Self.maximumPayload - 2)
            for (index, chunk) in chunks.enumerated() {
                let start: UInt8 = index == 0 ? 0x80 : 0
                let end: UInt8 = index == chunks.count - 1 ? 0x40 : 0
                payloads.append([(header & 0xE0) | 28, start | end | (header & 0x1F)] + chunk)
            }
        }
        return payloads.enumerated().map { index, payload in packet(payload, pts: frame.pts, marker: index == payloads.count - 1) }
    }

    static func split(_ bytes: [UInt8], size: Int) -> [[UInt8]] {
        stride(from: 0, to: bytes.count, by: size).map { Array(bytes[$0..<min($0 + size, bytes.count)]) }
    }

    static func lengthPrefixed16(_ unit: [UInt8]) -> [UInt8] {
        [UInt8(truncatingIfNeeded: unit.count >> 8), UInt8(truncatingIfNeeded: unit.count)] + unit
    }
}

// MARK: - Schedules

/// An input and the virtual time it reaches the recording.
struct TimedInput {
    var arrival: Double
    var input: RecorderInput
}

/// A producer as the tests send it: its track, its RTP sender and the source frames it carries.
struct TestProducer {
    static let cname = "sender-1"

    var info: RecorderTrackInfo
    var sender: RtpSender
    var codec: RecordedCodec
    var sps: [UInt8] = []
    var pps: [UInt8] = []

    static func vp8(_ id: String = "video", sequence: UInt16 = 65000, timestampBase: UInt32 = 0x1234_5678, cname: String = cname) -> TestProducer {
        TestProducer(
            info: RecorderTrackInfo(
                producerId: id, isVideo: true, mimeType: "video/VP8", payloadType: 96, clockRate: 90000, channels: 1, cname: cname, paused: false),
            sender: RtpSender(payloadType: 96, ssrc: 0x1111_1111, nextSequence: sequence, timestampBase: timestampBase), codec: .vp8)
    }

    static func h264(_ id: String = "video", source: SourceMedia, cname: String = cname) -> TestProducer {
        TestProducer(
            info: RecorderTrackInfo(
                producerId: id, isVideo: true, mimeType: "video/H264", payloadType: 102, clockRate: 90000, channels: 1, cname: cname, paused: false),
            sender: RtpSender(payloadType: 102, ssrc: 0x2222_2222, nextSequence: 40000, timestampBase: 0xFFF0_0000), codec: .h264,
            sps: source.sps, pps: source.pps)
    }

    /// Timestamps start close to the 32-bit wrap so the recording has to extend them.
    static func opus(_ id: String = "audio", cname: String = cname) -> TestProducer {
        TestProducer(
            info: RecorderTrackInfo(
                producerId: id, isVideo: false, mimeType: "audio/opus", payloadType: 111, clockRate: 48000, channels: 2, cname: cname, paused: false),
            sender: RtpSender(payloadType: 111, ssrc: 0x3333_3333, nextSequence: 1, timestampBase: 0xFFFF_0000), codec: .opus)
    }

    var id: String { info.producerId }

    /// The RTP packets of `frames`; each frame arrives at `arrivalBase + frame.time`.
    mutating func rtp(_ frames: some Sequence<SourceFrame>, arrivalBase: Double) -> [TimedInput] {
        var inputs: [TimedInput] = []
        for frame in frames {
            let packets: [ByteBuffer]
            switch codec {
            case .opus: packets = sender.opusPackets(frame)
            case .vp8: packets = sender.vp8Packets(frame)
            case .h264: packets = sender.h264Packets(frame, sps: sps, pps: pps)
            case .vp9: packets = []
            }
            for packet in packets {
                inputs.append(TimedInput(arrival: arrivalBase + frame.time, input: .rtp(producerId: id, packet: packet, arrival: arrivalBase + frame.time)))
            }
        }
        return inputs
    }

    /// Sender reports at capture times `times` (seconds on the source timeline): the sender's wall clock
    /// reads `ntpBase + time` then, so every producer using the same `ntpBase` is in sync.
    func senderReports(at times: some Sequence<Double>, ntpBase: Double, arrivalBase: Double) -> [TimedInput] {
        let clockRate = Double(info.clockRate)
        return times.map { time in
            TimedInput(
                arrival: arrivalBase + time,
                input: .senderReport(
                    producerId: id, ntpSeconds: ntpBase + time, rtpTimestamp: sender.timestamp(Int64((time * clockRate).rounded())),
                    arrival: arrivalBase + time))
        }
    }
}

/// Inputs in arrival order; inputs arriving together keep their order in the arguments.
func schedule(_ parts: [TimedInput]...) -> [TimedInput] {
    parts.joined().enumerated().sorted { ($0.element.arrival, $0.offset) < ($1.element.arrival, $1.offset) }.map(\.element)
}

// MARK: - The recording under test

/// A clock the test moves: the recording's "now" is the arrival time of the latest input offered.
/// Counting reads tells the test when the recording thread has gone round its loop; holding the
/// clock parks the recording thread in its next read.
final class VirtualClock: @unchecked Sendable {
    private let condition = NSCondition()
    private var current: Double
    private var readCount = 0
    private var held = false
    private var parkedReaders = 0

    init(_ start: Double) { current = start }

    func read() -> Double {
        condition.lock()
        defer { condition.unlock() }
        parkedReaders += 1
        while held { condition.wait() }
        parkedReaders -= 1
        readCount += 1
        return current
    }

    var reads: Int {
        condition.lock()
        defer { condition.unlock() }
        return readCount
    }

    func advance(to time: Double) {
        condition.lock()
        current = max(current, time)
        condition.unlock()
    }

    /// Parks the next reader; returns once one is parked (false after `timeout` seconds).
    func hold(timeout: Double = 2) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        held = true
        let deadline = Date().addingTimeInterval(timeout)
        while parkedReaders == 0 {
            condition.unlock()
            usleep(200)
            condition.lock()
            if Date() >= deadline { return false }
        }
        return true
    }

    func release() {
        condition.lock()
        held = false
        condition.broadcast()
        condition.unlock()
    }
}

/// Events and key-frame requests a recording reports, collected across threads.
final class RecordingLog: @unchecked Sendable {
    private let lock = NSLock()
    private var recordedEvents: [RecordingEvent] = []
    private var requests: [String] = []

    func add(_ event: RecordingEvent) {
        lock.lock()
        recordedEvents.append(event)
        lock.unlock()
    }

    func keyFrameRequested(_ producerId: String) {
        lock.lock()
        requests.append(producerId)
        lock.unlock()
    }

    var events: [RecordingEvent] {
        lock.lock()
        defer { lock.unlock() }
        return recordedEvents
    }

    var keyFrameRequests: [String] {
        lock.lock()
        defer { lock.unlock() }
        return requests
    }
}

/// A ``Recording`` into a temporary directory, driven by a ``VirtualClock``.
final class RecordingHarness {
    static let startTime = 1000.0

    /// A temporary directory removed with the harness.
    let root: String
    /// The recording's directory: `root/recording` unless given.
    let directory: String
    let clock: VirtualClock
    let log: RecordingLog
    let recording: Recording
    private var started = false

    init(
        _ label: String, format: ContainerFormat, followsNewProducers: Bool = true, queueCapacity: Int = 8192,
        directory: String? = nil
    ) throws {
        root = try AVTool.temporaryDirectory("session-\(label)")
        self.directory = directory ?? root + "/recording"
        let clock = VirtualClock(Self.startTime), log = RecordingLog()
        self.clock = clock
        self.log = log
        recording = Recording(
            configuration: RecordingConfiguration(
                id: "rec-\(label)", format: format, directory: self.directory, followsNewProducers: followsNewProducers,
                queueCapacity: queueCapacity),
            clock: { clock.read() }, requestKeyFrame: { log.keyFrameRequested($0) }, onEvent: { log.add($0) })
    }

    deinit {
        if started {
            recording.stop()
            recording.waitUntilFinished(timeout: 10)
        }
        AVTool.remove(root)
    }

    /// The main output of part 1.
    var outputPath: String {
        let format = recording.configuration.format
        return directory + "/" + OutputPart.names(number: 1, format: format).file
    }

    /// Starts the thread and waits until it has read its epoch from the clock.
    func start() {
        recording.start()
        started = true
        waitForLoop(after: 0)
    }

    /// Offers `inputs` in order, moving the clock to each one's arrival first. Every `tickEvery`
    /// seconds of arrival time, waits for the recording to handle what it was given and go round its
    /// loop, as it would with live input.
    func feed(_ inputs: [TimedInput], tickEvery step: Double = 0.1) {
        var nextTick = inputs.first?.arrival ?? 0
        for item in inputs {
            if item.arrival >= nextTick {
                waitForLoop(after: clock.reads)
                nextTick = item.arrival + step
            }
            clock.advance(to: item.arrival)
            recording.offer(item.input)
        }
        waitForLoop(after: clock.reads)
    }

    /// Offers one input at the clock's current time.
    @discardableResult
    func offer(_ input: RecorderInput) -> Bool { recording.offer(input) }

    /// Stops and waits for the files to be finalised.
    func stop() -> Bool {
        recording.stop()
        return recording.waitUntilFinished(timeout: 20)
    }

    private func waitForLoop(after reads: Int) {
        let deadline = Date().addingTimeInterval(2)
        while clock.reads <= reads, Date() < deadline { usleep(200) }
    }
}

// MARK: - Checking outputs

/// What ffprobe sees in an output: streams, packets and duration.
struct ProbedOutput {
    struct Stream {
        var index: Int
        var codecType: String
        var codecName: String
        var profile: String?
        var width: Int?
        var startTime: Double?
    }

    struct Packet {
        var streamIndex: Int
        var pts: Double
        var isKeyFrame: Bool
    }

    var streams: [Stream]
    var packets: [Packet]
    var duration: Double?

    init(_ path: String) throws {
        let output = try AVTool.run(
            "ffprobe", ["-v", "error", "-show_streams", "-show_packets", "-show_format", "-of", "json", path])
        guard output.status == 0, let json = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any] else {
            throw FixtureError(description: "ffprobe \(path): \(output.stderr)")
        }
        streams = (json["streams"] as? [[String: Any]] ?? []).map { stream in
            Stream(
                index: stream["index"] as? Int ?? -1, codecType: stream["codec_type"] as? String ?? "",
                codecName: stream["codec_name"] as? String ?? "", profile: stream["profile"] as? String,
                width: stream["width"] as? Int, startTime: (stream["start_time"] as? String).flatMap(Double.init))
        }
        packets = (json["packets"] as? [[String: Any]] ?? []).compactMap { packet in
            guard let pts = (packet["pts_time"] as? String).flatMap(Double.init) else { return nil }
            return Packet(
                streamIndex: packet["stream_index"] as? Int ?? -1, pts: pts, isKeyFrame: (packet["flags"] as? String ?? "").hasPrefix("K"))
        }
        duration = ((json["format"] as? [String: Any])?["duration"] as? String).flatMap(Double.init)
    }

    var video: Stream? { streams.first { $0.codecType == "video" } }
    var audio: Stream? { streams.first { $0.codecType == "audio" } }

    /// Packets of one stream in presentation order.
    func packets(of stream: Stream?) -> [Packet] {
        packets.filter { $0.streamIndex == stream?.index }.sorted { $0.pts < $1.pts }
    }

    var codecs: [String] { streams.map(\.codecName) }

    /// How much later audio plays than the video captured with it, in seconds: the distance between
    /// the last audio and last video packets in the output, minus the same distance at capture.
    func audioDelay(lastVideoCapture: Double, lastAudioCapture: Double) -> Double? {
        guard let videoEnd = packets(of: video).last?.pts, let audioEnd = packets(of: audio).last?.pts else { return nil }
        return (audioEnd - videoEnd) - (lastAudioCapture - lastVideoCapture)
    }
}

/// Fails the test unless ffmpeg decodes `path` without an error message.
func expectDecodesCleanly(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let errors = try AVTool.decodeErrors(path)
    #expect(errors.isEmpty, "decoding \(path): \(errors)", sourceLocation: sourceLocation)
}

/// Fails the test unless `value` is within `tolerance` (a fraction) of `expected`.
func expectClose(_ value: Double?, _ expected: Double, tolerance: Double = 0.1, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
    guard let value else {
        Issue.record("\(what): missing", sourceLocation: sourceLocation)
        return
    }
    #expect(abs(value - expected) <= expected * tolerance, "\(what): \(value), expected \(expected)", sourceLocation: sourceLocation)
}
