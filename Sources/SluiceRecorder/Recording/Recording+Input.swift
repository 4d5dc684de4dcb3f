internal import NIOCore

extension Recording {
    func handle(_ input: RecorderInput) {
        switch input {
        case .trackAdded(let info):
            addTrack(info)
        case .rtp(let producerId, let packet, let arrival):
            guard let track = tracks[producerId], track.error == nil, !track.closed else { return }
            let frames = track.receive(packet, arrival: arrival)
            for frame in frames { accept(frame, on: track) }
            if track.isVideo && track.depacketizer.needsKeyFrame { requestKeyFrame(track, now: arrival, minimumInterval: 1) }
        case .senderReport(let producerId, let ntpSeconds, let rtpTimestamp, let arrival):
            guard let track = tracks[producerId] else { return }
            track.clock.senderReportReceived(ntpSeconds: ntpSeconds, rtpTimestamp: rtpTimestamp, arrival: arrival)
            if groupOffsets[track.info.cname] == nil { groupOffsets[track.info.cname] = arrival - ntpSeconds }
        case .paused(let producerId):
            guard let track = tracks[producerId] else { return }
            for frame in track.drain() { accept(frame, on: track) }
            track.paused = true
        case .resumed(let producerId):
            guard let track = tracks[producerId] else { return }
            track.restart()
            track.paused = false
            track.needsKeyFrameInOutput = true
        case .closed(let producerId):
            guard let track = tracks[producerId], !track.closed else { return }
            for frame in track.drain() { accept(frame, on: track) }
            flushTranscoder(track)
            track.closed = true
            trackClosed(track)
        }
    }

    private func addTrack(_ info: RecorderTrackInfo) {
        guard tracks[info.producerId] == nil else { return }
        trackOrder.append(info.producerId)
        guard let codec = RecordedCodec(mimeType: info.mimeType) else {
            let track = RecordingTrack(info: info, codec: info.isVideo ? .vp8 : .opus, outputCodec: .opus)
            track.error = "\(info.mimeType) cannot be recorded"
            tracks[info.producerId] = track
            publish()
            return
        }
        let format = configuration.format
        let output = Self.outputCodec(for: codec, format: format)
        let track = RecordingTrack(info: info, codec: codec, outputCodec: output ?? .opus)
        tracks[info.producerId] = track
        if output == nil {
            track.error = "\(codec.rawValue) cannot be recorded to \(format.rawValue)"
        } else if format == .hls, tracks.values.contains(where: { $0 !== track && $0.isVideo == track.isVideo && !$0.closed && $0.error == nil }) {
            track.error = "hls records one \(track.isVideo ? "video" : "audio") producer at a time"
        } else if track.transcodes {
            do throws(MediaError) {
                switch output {
                case .aac?: track.audioTranscoder = try OpusToAacTranscoder()
                case .h264?: track.videoTranscoder = try Vp8ToH264Transcoder()
                default: break
                }
            } catch {
                track.error = "transcoder: \(error.description)"
            }
        }
        if track.error != nil { errors.append("producer \(info.producerId): \(track.error ?? "")") }
        publish()
    }

    /// The codec written for a source codec, nil when the format cannot take it.
    static func outputCodec(for codec: RecordedCodec, format: ContainerFormat) -> TrackCodec? {
        switch (format, codec) {
        case (.hls, .opus): return .aac
        case (.hls, .vp8): return .h264
        case (.hls, .vp9): return nil
        default:
            guard let direct = TrackCodec(rawValue: codec.rawValue), format.allowedCodecs.contains(direct) else { return nil }
            return direct
        }
    }

    /// Places a frame on the timeline, transcodes it if needed, and queues it for the output.
    func accept(_ frame: EncodedFrame, on track: RecordingTrack) {
        let extended = track.clock.extend(frame.timestamp)
        let time = track.clock.localTime(extended: extended, arrival: frame.arrival, groupOffset: groupOffsets[track.info.cname])
        let pts = Int64(((time - epoch) * Double(track.timeBase)).rounded())
        var packets: [OutputPacket] = []
        do throws(MediaError) {
            if let transcoder = track.audioTranscoder {
                for packet in try transcoder.transcode(opus: frame.data, pts: pts) {
                    packets.append(OutputPacket(data: packet.data, pts: packet.pts, isKeyFrame: true, duration: packet.duration, time: time))
                }
            } else if let transcoder = track.videoTranscoder {
                let force = forceKeyFrame(track, pts: pts)
                for packet in try transcoder.transcode(vp8: frame.data, pts: pts, forceKeyFrame: force) {
                    packets.append(OutputPacket(data: packet.data, pts: packet.pts, isKeyFrame: packet.isKeyFrame, time: epoch + Double(packet.pts) / 90000))
                }
            } else {
                let duration = track.isVideo ? 0 : OpusToc.samples(frame.data)
                packets.append(OutputPacket(data: frame.data, pts: pts, isKeyFrame: frame.isKeyFrame, duration: duration, time: time))
            }
        } catch {
            // A frame the decoder refuses is skipped; the stream recovers on its next key frame.
            track.malformedPackets += 1
            return
        }
        track.pending.append(contentsOf: packets)
        trimPending(track)
        writePending(track)
    }

    /// Before an output opens, keeps a bounded backlog: video from its latest key frame, audio
    /// the last few seconds.
    private func trimPending(_ track: RecordingTrack) {
        guard track.outputIndex == nil, let last = track.pending.last else { return }
        let horizon = last.time - max(configuration.keyFrameWait, 2) - 1
        if track.isVideo {
            guard let firstKey = track.pending.firstIndex(where: \.isKeyFrame) else {
                track.pending.removeAll()
                return
            }
            if firstKey > 0 { track.pending.removeFirst(firstKey) }
            if track.pending.count > 600, let lastKey = track.pending.lastIndex(where: \.isKeyFrame), lastKey > 0 {
                track.pending.removeFirst(lastKey)
            }
        } else if let keep = track.pending.firstIndex(where: { $0.time >= horizon }), keep > 0 {
            track.pending.removeFirst(keep)
        }
    }

    /// HLS with a transcoded video track: a key frame every target duration starts a segment.
    private func forceKeyFrame(_ track: RecordingTrack, pts: Int64) -> Bool {
        let interval = Int64(configuration.hlsTargetDuration * 90000)
        if track.needsKeyFrameInOutput || track.lastForcedKeyFramePts == nil || pts - (track.lastForcedKeyFramePts ?? 0) >= interval {
            track.lastForcedKeyFramePts = pts
            return true
        }
        return false
    }

    func flushTranscoder(_ track: RecordingTrack) {
        do throws(MediaError) {
            if let transcoder = track.audioTranscoder {
                for packet in try transcoder.flush() {
                    track.pending.append(
                        OutputPacket(data: packet.data, pts: packet.pts, isKeyFrame: true, duration: packet.duration, time: epoch + Double(packet.pts) / 48000))
                }
            } else if let transcoder = track.videoTranscoder {
                for packet in try transcoder.flush() {
                    track.pending.append(OutputPacket(data: packet.data, pts: packet.pts, isKeyFrame: packet.isKeyFrame, time: epoch + Double(packet.pts) / 90000))
                }
            }
        } catch {
            track.malformedPackets += 1
        }
        writePending(track)
    }

    func requestKeyFrame(_ track: RecordingTrack, now: Double, minimumInterval: Double) {
        guard track.isVideo, now - track.lastKeyFrameRequestAt >= minimumInterval else { return }
        track.lastKeyFrameRequestAt = now
        track.keyFrameRequests += 1
        keyFrameRequester(track.info.producerId)
    }
}

/// The length of an Opus packet from its TOC byte (RFC 6716 §3.1), in 48 kHz samples.
enum OpusToc {
    static func samples(_ packet: [UInt8]) -> Int64 {
        guard let toc = packet.first else { return 0 }
        let config = Int(toc >> 3)
        let frame: Int64
        switch config {
        case 0...11: frame = [480, 960, 1920, 2880][config % 4]
        case 12...15: frame = [480, 960][config % 2]
        default: frame = [120, 240, 480, 960][config % 4]
        }
        let count: Int64
        switch toc & 0x03 {
        case 0: count = 1
        case 1, 2: count = 2
        default: count = packet.count > 1 ? Int64(packet[1] & 0x3F) : 0
        }
        return frame * count
    }
}
