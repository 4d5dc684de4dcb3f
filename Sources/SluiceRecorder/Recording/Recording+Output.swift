internal import Foundation

extension Recording {
    /// Runs on every loop turn: opens an output once tracks are ready, keeps HLS segments paced
    /// and the live playlist current, publishes status.
    func tick(now: Double) {
        if part == nil {
            openIfReady(now: now, force: false)
        } else if let part, activeTracks.contains(where: { $0.isReady && !part.producerIds.contains($0.info.producerId) }) {
            // A producer joined (or was late): its track needs a new part.
            closePart(failed: false)
            waitingSince = now
            openIfReady(now: now, force: false)
        }
        if let part {
            paceHlsKeyFrames(part, now: now)
            updateLivePlaylist(part)
        }
        if now - lastPublish >= 0.5 {
            lastPublish = now
            publish()
        }
    }

    var activeTracks: [RecordingTrack] {
        trackOrder.compactMap { tracks[$0] }.filter { !$0.closed && $0.error == nil && !$0.paused }
    }

    /// Opens a part when every active track is ready, or, after the key-frame wait, with those
    /// that are. Asks late video senders for key frames meanwhile.
    func openIfReady(now: Double, force: Bool) {
        let active = activeTracks
        let ready = active.filter(\.isReady)
        let late = active.filter { !$0.isReady }
        for track in late where track.isVideo { requestKeyFrame(track, now: now, minimumInterval: 1) }
        guard !ready.isEmpty else { return }
        guard late.isEmpty || force || now - waitingSince >= configuration.keyFrameWait else { return }
        openPart(with: ready)
    }

    private func openPart(with ready: [RecordingTrack]) {
        // Video starts on its first key frame; the earliest one is the part's time zero, and audio
        // before it is dropped so every track starts together.
        for track in ready where track.isVideo {
            if let key = track.pending.firstIndex(where: \.isKeyFrame), key > 0 { track.pending.removeFirst(key) }
        }
        let videoStarts = ready.filter(\.isVideo).compactMap { $0.pending.first?.time }
        let audioStarts = ready.filter { !$0.isVideo }.compactMap { $0.pending.first?.time }
        guard let anchor = videoStarts.min() ?? audioStarts.min() else { return }
        var descriptions: [TrackDescription] = []
        var members: [RecordingTrack] = []
        for track in ready {
            guard let description = track.description() else { continue }
            descriptions.append(description)
            members.append(track)
        }
        guard !members.isEmpty else { return }
        partCount += 1
        let names = OutputPart.names(number: partCount, format: configuration.format)
        let path = configuration.directory + "/" + names.file
        let muxer: Muxer
        do {
            if let directory = names.directory {
                try FileManager.default.createDirectory(atPath: configuration.directory + "/" + directory, withIntermediateDirectories: true)
            }
            muxer = try Muxer(
                format: configuration.format, path: path, tracks: descriptions,
                options: MuxerOptions(hlsTargetDuration: configuration.hlsTargetDuration, hlsLiveWindow: configuration.hlsLiveWindow))
            try muxer.start()
        } catch {
            fail("cannot open \(names.file): \(error)")
            return
        }
        let opened = OutputPart(
            number: partCount, name: names.file, path: path, format: configuration.format, muxer: muxer,
            producerIds: members.map(\.info.producerId), anchor: anchor)
        part = opened
        for (index, track) in members.enumerated() {
            track.outputIndex = index
            track.lastPts = .min
            track.needsKeyFrameInOutput = track.isVideo
        }
        state = .recording
        publish()
        eventSink(.started(recordingId: id, file: names.file))
        for track in members { writePending(track) }
    }

    /// Writes what a track has pending when it belongs to the open part.
    func writePending(_ track: RecordingTrack) {
        guard let part, let index = track.outputIndex, !track.pending.isEmpty else { return }
        let anchorPts = part.anchorPts(timeBase: track.timeBase, epoch: epoch)
        let packets = track.pending
        track.pending.removeAll(keepingCapacity: true)
        for packet in packets {
            var pts = packet.pts - anchorPts
            if pts < 0 { continue }
            if track.needsKeyFrameInOutput {
                guard packet.isKeyFrame else { continue }
                track.needsKeyFrameInOutput = false
            }
            // Never overlap the previous packet (an anchor moved back); audio keeps its length.
            let minimumStep = max(track.isVideo ? 90 : 48, track.lastDuration)
            if track.lastPts != .min, pts < track.lastPts + minimumStep { pts = track.lastPts + minimumStep }
            do {
                try part.muxer.write(
                    track: index, data: packet.data, pts: pts, dts: pts, isKeyFrame: packet.isKeyFrame, duration: packet.duration)
            } catch {
                fail("writing \(part.name): \(error)")
                return
            }
            track.lastPts = pts
            track.lastDuration = packet.duration
            track.framesWritten += 1
            track.lastWrittenTime = packet.time
            if packet.isKeyFrame && track.isVideo { track.lastKeyFrameTime = packet.time }
        }
    }

    /// HLS cuts segments on key frames: when the source's GOP is longer than the target
    /// duration, ask for key frames at segment pace (transcoded video forces its own).
    private func paceHlsKeyFrames(_ part: OutputPart, now: Double) {
        guard part.format == .hls else { return }
        let target = configuration.hlsTargetDuration
        for producerId in part.producerIds {
            guard let track = tracks[producerId], track.isVideo, track.videoTranscoder == nil, !track.closed,
                let lastKey = track.lastKeyFrameTime, let written = track.lastWrittenTime
            else { continue }
            if written - lastKey >= target * 0.8 { requestKeyFrame(track, now: now, minimumInterval: target * 0.5) }
        }
    }

    /// Keeps `live.m3u8` (a sliding window) next to the complete `index.m3u8`.
    private func updateLivePlaylist(_ part: OutputPart) {
        guard part.format == .hls else { return }
        let segments = part.muxer.hlsSegments
        guard segments.count != part.hlsSegmentsSeen else { return }
        part.hlsSegmentsSeen = segments.count
        let text = Muxer.rollingPlaylist(
            from: segments, window: configuration.hlsLiveWindow, targetDuration: configuration.hlsTargetDuration)
        writeAtomically(text, to: livePlaylistPath(part))
    }

    private func livePlaylistPath(_ part: OutputPart) -> String {
        (part.path as NSString).deletingLastPathComponent + "/live.m3u8"
    }

    private func writeAtomically(_ text: String, to path: String) {
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8)) else { return }
        _ = rename(temporary, path)
    }

    /// Finalises the open part (its trailer, or HLS's complete playlist).
    func closePart(failed: Bool) {
        guard let closing = part else { return }
        part = nil
        for track in tracks.values where track.outputIndex != nil {
            track.outputIndex = nil
            track.needsKeyFrameInOutput = true
            if track.isVideo && !track.closed { track.pending.removeAll() }
        }
        do {
            try closing.muxer.finish()
        } catch {
            if !failed { errors.append("finalising \(closing.name): \(error)") }
        }
        if closing.format == .hls, let complete = try? String(contentsOfFile: closing.path, encoding: .utf8) {
            writeAtomically(complete, to: livePlaylistPath(closing))
        }
        if let file = closing.fileStatus(finalized: true) {
            files.append(file)
            eventSink(.fileFinalized(recordingId: id, file: file))
        }
        publish()
    }

    /// A producer closed: its part ends once no producer in it is left.
    func trackClosed(_ track: RecordingTrack) {
        if let part, part.producerIds.allSatisfy({ tracks[$0]?.closed ?? true }) {
            closePart(failed: false)
            waitingSince = clock()
        }
        if !configuration.followsNewProducers, tracks.values.allSatisfy({ $0.closed || $0.error != nil }) {
            stop()
        }
        publish()
    }

    /// At stop: drains every track, opens an output if none was (short recordings still produce
    /// a file), and finalises it.
    func finishAll() {
        for producerId in trackOrder {
            guard let track = tracks[producerId], !track.closed, track.error == nil else { continue }
            for frame in track.drain() { accept(frame, on: track) }
            flushTranscoder(track)
        }
        if part == nil, state != .failed { openIfReady(now: clock(), force: true) }
        closePart(failed: false)
    }
}
