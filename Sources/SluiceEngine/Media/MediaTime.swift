/// A point on the worker's monotonic clock, given to the engine with every input.
///
/// The engine never reads a clock itself; tests drive it with virtual time.
public struct MediaTime: Sendable, Hashable, Comparable {
    public var nanoseconds: UInt64

    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }
    public init(milliseconds: UInt64) { self.nanoseconds = milliseconds &* 1_000_000 }

    public var milliseconds: UInt64 { nanoseconds / 1_000_000 }
    public var microseconds: UInt64 { nanoseconds / 1_000 }

    public static func < (lhs: MediaTime, rhs: MediaTime) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    public static func + (lhs: MediaTime, milliseconds: UInt64) -> MediaTime {
        MediaTime(nanoseconds: lhs.nanoseconds &+ milliseconds &* 1_000_000)
    }

    /// Milliseconds from `earlier` to `self`, zero when `earlier` is later.
    public func milliseconds(since earlier: MediaTime) -> UInt64 {
        nanoseconds > earlier.nanoseconds ? (nanoseconds - earlier.nanoseconds) / 1_000_000 : 0
    }
}

/// Converts monotonic time to NTP time (RFC 3550 §4) with an offset fixed at start-up.
public struct NtpClock: Sendable {
    /// Wall-clock seconds since 1900 at monotonic zero, as a 32.32 fixed-point value.
    public var offset: UInt64

    public init(offset: UInt64) { self.offset = offset }

    public func ntp(_ time: MediaTime) -> UInt64 {
        let seconds = time.nanoseconds / 1_000_000_000
        let fraction = ((time.nanoseconds % 1_000_000_000) << 32) / 1_000_000_000
        return offset &+ (seconds << 32 | fraction)
    }

    /// The middle 32 bits of the NTP timestamp, as LSR/DLSR use them.
    public func compact(_ time: MediaTime) -> UInt32 {
        UInt32(truncatingIfNeeded: ntp(time) >> 16)
    }
}
