/// Coalesces key-frame requests towards a producer: one pending request per SSRC for 1000 ms.
struct KeyFrameRequestManager {
    static let window: UInt64 = 1000
    private var pending: [UInt32: (requestedAt: MediaTime, retried: Bool)] = [:]
    private(set) var coalesced = 0

    /// Whether a request for `ssrc` should go upstream now.
    mutating func request(ssrc: UInt32, now: MediaTime) -> Bool {
        if let entry = pending[ssrc], now.milliseconds(since: entry.requestedAt) < Self.window {
            coalesced += 1
            return false
        }
        pending[ssrc] = (now, false)
        return true
    }

    mutating func keyFrameReceived(ssrc: UInt32) {
        pending[ssrc] = nil
    }

    /// SSRCs whose request went unanswered for a window: asked once more, then forgotten.
    mutating func expired(now: MediaTime) -> [UInt32] {
        guard !pending.isEmpty else { return [] }
        var retry: [UInt32] = []
        for (ssrc, entry) in pending where now.milliseconds(since: entry.requestedAt) >= Self.window {
            if entry.retried {
                pending[ssrc] = nil
            } else {
                pending[ssrc] = (now, true)
                retry.append(ssrc)
            }
        }
        return retry
    }
}
