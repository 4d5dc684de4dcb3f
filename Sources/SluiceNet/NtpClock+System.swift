public import SluiceEngine
internal import NIOCore
internal import Foundation

extension NtpClock {
    /// Seconds between the NTP epoch (1900) and the Unix epoch (1970).
    static let unixToNtpSeconds: UInt64 = 2_208_988_800

    /// Maps the NIO monotonic clock to wall-clock NTP time, read once at start-up.
    public static func systemClock() -> NtpClock {
        let unix = Date().timeIntervalSince1970
        let monotonic = NIODeadline.now().uptimeNanoseconds
        let seconds = UInt64(unix) + unixToNtpSeconds
        let fraction = UInt64((unix - unix.rounded(.down)) * 4_294_967_296)
        let wall = seconds << 32 | fraction
        let monotonicFixed = (monotonic / 1_000_000_000) << 32 | ((monotonic % 1_000_000_000) << 32) / 1_000_000_000
        return NtpClock(offset: wall &- monotonicFixed)
    }
}

extension MediaTime {
    /// The worker clock now (NIO's monotonic clock).
    public static var now: MediaTime { MediaTime(nanoseconds: NIODeadline.now().uptimeNanoseconds) }
}
