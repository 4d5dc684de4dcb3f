import Testing
import SluiceRTP

@Suite("H264 profile-level-id")
struct H264ProfileLevelIdTests {
    typealias Profile = H264ProfileLevelId.Profile
    typealias Level = H264ProfileLevelId.Level

    struct ParseCase: Sendable, CustomTestStringConvertible {
        var input: String
        var profile: Profile
        var levelIdc: Int
        /// What `string` writes back (the canonical form for that profile and level).
        var canonical: String
        var testDescription: String { input }
    }

    static let parseCases: [ParseCase] = [
        ParseCase(input: "42e01f", profile: .constrainedBaseline, levelIdc: 31, canonical: "42e01f"),
        ParseCase(input: "42e032", profile: .constrainedBaseline, levelIdc: 50, canonical: "42e032"),
        ParseCase(input: "42E01F", profile: .constrainedBaseline, levelIdc: 31, canonical: "42e01f"),
        ParseCase(input: "42c01f", profile: .constrainedBaseline, levelIdc: 31, canonical: "42e01f"),
        ParseCase(input: "4d801f", profile: .constrainedBaseline, levelIdc: 31, canonical: "42e01f"),
        ParseCase(input: "58c01f", profile: .constrainedBaseline, levelIdc: 31, canonical: "42e01f"),
        ParseCase(input: "42001f", profile: .baseline, levelIdc: 31, canonical: "42001f"),
        ParseCase(input: "42a01f", profile: .baseline, levelIdc: 31, canonical: "42001f"),
        ParseCase(input: "58801f", profile: .baseline, levelIdc: 31, canonical: "42001f"),
        ParseCase(input: "4d0032", profile: .main, levelIdc: 50, canonical: "4d0032"),
        ParseCase(input: "4d001f", profile: .main, levelIdc: 31, canonical: "4d001f"),
        ParseCase(input: "640c1f", profile: .constrainedHigh, levelIdc: 31, canonical: "640c1f"),
        ParseCase(input: "64001f", profile: .high, levelIdc: 31, canonical: "64001f"),
        ParseCase(input: "640034", profile: .high, levelIdc: 52, canonical: "640034"),
        ParseCase(input: "f4001f", profile: .predictiveHigh444, levelIdc: 31, canonical: "f4001f"),
        ParseCase(input: "42e00a", profile: .constrainedBaseline, levelIdc: 10, canonical: "42e00a"),
        // level_idc 11 with constraint_set3 is level 1b; without it, level 1.1.
        ParseCase(input: "42f00b", profile: .constrainedBaseline, levelIdc: 0, canonical: "42f00b"),
        ParseCase(input: "42100b", profile: .baseline, levelIdc: 0, canonical: "42100b"),
        ParseCase(input: "4d100b", profile: .main, levelIdc: 0, canonical: "4d100b"),
        ParseCase(input: "42e00b", profile: .constrainedBaseline, levelIdc: 11, canonical: "42e00b"),
    ]

    @Test(arguments: parseCases)
    func parse(_ entry: ParseCase) throws {
        let parsed = try #require(H264ProfileLevelId(parsing: entry.input))
        #expect(parsed.profile == entry.profile)
        #expect(parsed.level.idc == entry.levelIdc)
        #expect(parsed.string == entry.canonical)
        // The canonical form parses back to the same value.
        #expect(H264ProfileLevelId(parsing: entry.canonical) == parsed)
    }

    static let invalid: [String] = [
        "", "42e01", "42e01f0", "zzzzzz", "42e0 f", "+42e01", "000000", "42e000", "42e0ff", "42e009", "42e035",
        "43e01f", "42e81f", "640b1f", "64100b", "4d201f", "f4101f",
    ]

    @Test(arguments: invalid)
    func invalidStringsDoNotParse(_ input: String) {
        #expect(H264ProfileLevelId(parsing: input) == nil)
    }

    @Test func levelOneBCannotBeWrittenForHighProfiles() {
        #expect(H264ProfileLevelId(profile: .high, level: .level1b).string == nil)
        #expect(H264ProfileLevelId(profile: .constrainedHigh, level: .level1b).string == nil)
    }

    @Test func absentProfileLevelIdIsConstrainedBaseline31() {
        #expect(H264ProfileLevelId(parameters: [:]) == H264ProfileLevelId(profile: .constrainedBaseline, level: .level3_1))
        #expect(H264ProfileLevelId(parameters: ["profile-level-id": .string("bogus")]) == nil)
    }

    /// The level of a constrained-baseline profile-level-id such as "42e00a".
    static func level(_ profileLevelId: String) throws -> Level {
        try #require(H264ProfileLevelId(parsing: profileLevelId)).level
    }

    @Test func levelOrderingPutsOneBBetweenOneAndOnePointOne() throws {
        let l1 = try Self.level("42e00a")
        let l1b = try Self.level("42f00b")
        let l11 = try Self.level("42e00b")
        #expect(l1b == .level1b)
        #expect(l1 < l1b)
        #expect(l1b < l11)
        #expect(!(l1b < l1))
        #expect(!(l11 < l1b))
        #expect(try Self.level("42e01f") < Self.level("42e020"))
        #expect(try min(Self.level("42e032"), .level3_1) == .level3_1)
        #expect(try Self.level("42e01f") == .level3_1)
    }

    struct SameProfileCase: Sendable, CustomTestStringConvertible {
        var a: String?
        var b: String?
        var expected: Bool
        var testDescription: String { "\(a ?? "absent") vs \(b ?? "absent")" }
    }

    static let sameProfileCases: [SameProfileCase] = [
        SameProfileCase(a: "42e01f", b: "42e032", expected: true),
        SameProfileCase(a: "42e01f", b: "4d0032", expected: false),
        SameProfileCase(a: nil, b: "42e01f", expected: true),
        SameProfileCase(a: nil, b: nil, expected: true),
        SameProfileCase(a: "64001f", b: "640c1f", expected: false),
        SameProfileCase(a: "zzzzzz", b: "42e01f", expected: false),
    ]

    @Test(arguments: sameProfileCases)
    func isSameProfile(_ entry: SameProfileCase) {
        func parameters(_ value: String?) -> CodecParameters { value.map { ["profile-level-id": .string($0)] } ?? [:] }
        #expect(H264ProfileLevelId.isSameProfile(parameters(entry.a), parameters(entry.b)) == entry.expected)
    }

    struct AnswerCase: Sendable, CustomTestStringConvertible {
        var name: String
        var local: CodecParameters
        var remote: CodecParameters
        var expected: String?
        var testDescription: String { name }
    }

    static func params(_ profileLevelId: String?, asymmetry: Int? = nil) -> CodecParameters {
        var parameters: CodecParameters = [:]
        if let profileLevelId { parameters["profile-level-id"] = .string(profileLevelId) }
        if let asymmetry { parameters["level-asymmetry-allowed"] = .int(asymmetry) }
        return parameters
    }

    static let answerCases: [AnswerCase] = [
        AnswerCase(name: "neither side gives one", local: params(nil), remote: params(nil), expected: nil),
        AnswerCase(name: "GStreamer 42e032 vs router 42e01f: lower level", local: params("42e032"), remote: params("42e01f", asymmetry: 1), expected: "42e01f"),
        AnswerCase(name: "lower local level stands", local: params("42e01f"), remote: params("42e032"), expected: "42e01f"),
        AnswerCase(
            name: "asymmetry on both sides keeps the local level", local: params("42e032", asymmetry: 1),
            remote: params("42e01f", asymmetry: 1), expected: "42e032"),
        AnswerCase(
            name: "asymmetry on one side only: minimum", local: params("42e032", asymmetry: 1), remote: params("42e01f"),
            expected: "42e01f"),
        AnswerCase(
            name: "asymmetry with a lower local level", local: params("42e00a", asymmetry: 1),
            remote: params("42e01f", asymmetry: 1), expected: "42e00a"),
        AnswerCase(name: "local absent means 3.1", local: params(nil), remote: params("42e032"), expected: "42e01f"),
        AnswerCase(name: "remote absent means 3.1", local: params("42e00a"), remote: params(nil), expected: "42e00a"),
        AnswerCase(name: "1b vs 1.2: 1b", local: params("42f00b"), remote: params("42e00c"), expected: "42f00b"),
        AnswerCase(name: "1 vs 1b: 1", local: params("42e00a"), remote: params("42f00b"), expected: "42e00a"),
        AnswerCase(name: "main 5.0 vs main 3.1", local: params("4d0032"), remote: params("4d001f"), expected: "4d001f"),
        AnswerCase(name: "profile of the local side is kept", local: params("42c01f"), remote: params("42e01f"), expected: "42e01f"),
    ]

    @Test(arguments: answerCases)
    func answer(_ entry: AnswerCase) throws {
        #expect(try H264ProfileLevelId.answer(local: entry.local, remote: entry.remote) == entry.expected)
    }

    @Test(arguments: [
        (params("42e01f"), params("4d0032")),
        (params("zzzzzz"), params("42e01f")),
        (params("42e01f"), params("zzzzzz")),
        (params(nil), params("64001f")),
    ])
    func answerRefusesMismatches(local: CodecParameters, remote: CodecParameters) {
        #expect(ortcErrorKind { _ = try H264ProfileLevelId.answer(local: local, remote: remote) } == .unsupported)
    }
}
