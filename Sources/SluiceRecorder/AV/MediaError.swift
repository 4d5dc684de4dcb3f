internal import CFFmpeg

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// A failed libavformat/libavcodec call, or a request the media layer refuses before calling one.
///
/// `code` is an FFmpeg error code (negative; `AVERROR(errno)` for system errors), so a full disk
/// or an unwritable directory can be told apart from bad media with ``isNoSpace``,
/// ``isPermission`` and ``isUnwritablePath``.
public struct MediaError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The operation that failed, e.g. `"avio_open(/rec/a.mp4)"` or `"Muxer.init"`.
    public var operation: String
    /// The FFmpeg error code (negative).
    public var code: Int32
    /// `av_strerror` text for `code`, or a more precise explanation for refusals.
    public var message: String

    public var description: String { "\(operation): \(message) (\(code))" }

    /// The device is full (ENOSPC) or a quota is exhausted (EDQUOT).
    public var isNoSpace: Bool { code == sluice_averror(ENOSPC) || code == sluice_averror(EDQUOT) }
    /// The file or directory may not be written (EACCES, EPERM, EROFS).
    public var isPermission: Bool {
        code == sluice_averror(EACCES) || code == sluice_averror(EPERM) || code == sluice_averror(EROFS)
    }
    /// The output cannot be created at that path: permission refused, read-only file system,
    /// missing directory (ENOENT), or a path component that is not a directory.
    public var isUnwritablePath: Bool {
        isPermission || code == sluice_averror(ENOENT) || code == sluice_averror(ENOTDIR)
            || code == sluice_averror(EISDIR)
    }
    /// The input is not valid media (AVERROR_INVALIDDATA).
    public var isInvalidData: Bool { code == sluice_averror_invaliddata() }

    /// An FFmpeg return code, with its `av_strerror` text.
    public init(operation: String, code: Int32) {
        self.operation = operation
        self.code = code
        self.message = MediaError.text(for: code)
    }

    /// A refusal or failure with an explicit explanation.
    public init(operation: String, code: Int32, message: String) {
        self.operation = operation
        self.code = code
        self.message = message
    }

    /// `av_strerror` text for a code.
    public static func text(for code: Int32) -> String {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 256) { buffer -> String in
            guard let base = buffer.baseAddress else { return "error \(code)" }
            base.initialize(repeating: 0, count: buffer.count)
            _ = av_strerror(code, base, buffer.count)
            return String(cString: base)
        }
    }

    // MARK: - Internal constructors

    static func invalidArgument(_ operation: String, _ message: String) -> MediaError {
        MediaError(operation: operation, code: sluice_averror(EINVAL), message: message)
    }

    static func outOfMemory(_ operation: String) -> MediaError {
        MediaError(operation: operation, code: sluice_averror(ENOMEM))
    }

    static func system(_ operation: String, errno value: Int32) -> MediaError {
        MediaError(operation: operation, code: sluice_averror(value))
    }

    var isAgain: Bool { code == sluice_averror_eagain() }
    var isEndOfFile: Bool { code == sluice_averror_eof() }
}

/// Turns a negative FFmpeg return code into a ``MediaError``; passes non-negative values through.
@discardableResult
func avCheck(_ result: Int32, _ operation: @autoclosure () -> String) throws(MediaError) -> Int32 {
    if result < 0 { throw MediaError(operation: operation(), code: result) }
    return result
}
