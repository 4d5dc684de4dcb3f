/// H264 `profile-level-id` handling (RFC 6184 §8.1), as WebRTC implementations negotiate it.
public struct H264ProfileLevelId: Sendable, Hashable {
    public enum Profile: Sendable, Hashable {
        case constrainedBaseline, baseline, main, constrainedHigh, high, predictiveHigh444
    }

    /// Level as `level_idc`, with level 1b given its own value below level 1.
    public struct Level: Sendable, Hashable, Comparable {
        public let idc: Int
        public static let level1b = Level(idc: 0)
        public static let level3_1 = Level(idc: 31)

        static let known: Set<Int> = [0, 10, 11, 12, 13, 20, 21, 22, 30, 31, 32, 40, 41, 42, 50, 51, 52]

        public static func < (lhs: Level, rhs: Level) -> Bool {
            // 1b sits between 1 and 1.1.
            func rank(_ level: Level) -> Double { level.idc == 0 ? 10.5 : Double(level.idc) }
            return rank(lhs) < rank(rhs)
        }
    }

    public let profile: Profile
    public let level: Level

    public init(profile: Profile, level: Level) {
        self.profile = profile
        self.level = level
    }

    /// The value implied when `profile-level-id` is absent: Constrained Baseline 3.1.
    public static let `default` = H264ProfileLevelId(profile: .constrainedBaseline, level: .level3_1)

    private struct Pattern {
        let profileIdc: UInt8
        let mask: UInt8
        let maskedValue: UInt8
        let profile: Profile

        init(_ profileIdc: UInt8, _ bits: String, _ profile: Profile) {
            var mask: UInt8 = 0
            var value: UInt8 = 0
            for character in bits {
                mask <<= 1
                value <<= 1
                if character != "x" { mask |= 1 }
                if character == "1" { value |= 1 }
            }
            self.profileIdc = profileIdc
            self.mask = mask
            self.maskedValue = value
            self.profile = profile
        }

        func matches(_ idc: UInt8, _ iop: UInt8) -> Bool {
            idc == profileIdc && (iop ^ maskedValue) & mask == 0
        }
    }

    private static let patterns: [Pattern] = [
        Pattern(0x42, "x1xx0000", .constrainedBaseline),
        Pattern(0x4D, "1xxx0000", .constrainedBaseline),
        Pattern(0x58, "11xx0000", .constrainedBaseline),
        Pattern(0x42, "x0xx0000", .baseline),
        Pattern(0x58, "10xx0000", .baseline),
        Pattern(0x4D, "0x0x0000", .main),
        Pattern(0x64, "00000000", .high),
        Pattern(0x64, "00001100", .constrainedHigh),
        Pattern(0xF4, "00000000", .predictiveHigh444),
    ]

    /// Parses six hex digits; nil when malformed or naming an unknown profile or level.
    public init?(parsing string: String) {
        guard string.utf8.count == 6, let numeric = UInt32(string, radix: 16) else { return nil }
        let levelIdc = UInt8(numeric & 0xFF)
        let profileIop = UInt8((numeric >> 8) & 0xFF)
        let profileIdc = UInt8((numeric >> 16) & 0xFF)
        let level: Level
        if levelIdc == 11 && profileIop & 0x10 != 0 {
            level = .level1b
        } else if Level.known.contains(Int(levelIdc)) && levelIdc != 0 {
            level = Level(idc: Int(levelIdc))
        } else {
            return nil
        }
        guard let pattern = Self.patterns.first(where: { $0.matches(profileIdc, profileIop) }) else { return nil }
        self.init(profile: pattern.profile, level: level)
    }

    /// Parses the `profile-level-id` of codec parameters, applying the default when absent.
    public init?(parameters: CodecParameters) {
        guard let value = parameters["profile-level-id"] else {
            self = .default
            return
        }
        self.init(parsing: value.description)
    }

    /// Six lowercase hex digits, or nil for combinations that cannot be written (1b on High profiles).
    public var string: String? {
        if level == .level1b {
            switch profile {
            case .constrainedBaseline: return "42f00b"
            case .baseline: return "42100b"
            case .main: return "4d100b"
            default: return nil
            }
        }
        let prefix: String
        switch profile {
        case .constrainedBaseline: prefix = "42e0"
        case .baseline: prefix = "4200"
        case .main: prefix = "4d00"
        case .constrainedHigh: prefix = "640c"
        case .high: prefix = "6400"
        case .predictiveHigh444: prefix = "f400"
        }
        let hex = String(level.idc, radix: 16)
        return prefix + (hex.count == 1 ? "0" + hex : hex)
    }

    /// True when both parameter sets name the same profile (levels may differ).
    public static func isSameProfile(_ a: CodecParameters, _ b: CodecParameters) -> Bool {
        guard let first = H264ProfileLevelId(parameters: a), let second = H264ProfileLevelId(parameters: b) else {
            return false
        }
        return first.profile == second.profile
    }

    /// The `profile-level-id` to answer with, or nil when neither side gave one.
    ///
    /// With `level-asymmetry-allowed=1` on both sides the local level stands; otherwise the lower
    /// of the two levels is used.
    public static func answer(local: CodecParameters, remote: CodecParameters) throws(OrtcError) -> String? {
        if local["profile-level-id"] == nil && remote["profile-level-id"] == nil { return nil }
        guard let localId = H264ProfileLevelId(parameters: local) else {
            throw .unsupported("invalid local H264 profile-level-id")
        }
        guard let remoteId = H264ProfileLevelId(parameters: remote) else {
            throw .unsupported("invalid remote H264 profile-level-id")
        }
        guard localId.profile == remoteId.profile else { throw .unsupported("H264 profile mismatch") }
        let asymmetryAllowed =
            local.int("level-asymmetry-allowed", default: 0) == 1 && remote.int("level-asymmetry-allowed", default: 0) == 1
        let level = asymmetryAllowed ? localId.level : min(localId.level, remoteId.level)
        return H264ProfileLevelId(profile: localId.profile, level: level).string
    }
}
