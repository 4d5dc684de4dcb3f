internal import CFFmpeg

/// The verbosity of FFmpeg's own messages on stderr (process-wide, FFmpeg's default is `.info`).
public enum LibavLog {
    public enum Level: Sendable {
        case quiet, error, warning, info, verbose

        var value: Int32 {
            switch self {
            case .quiet: AV_LOG_QUIET
            case .error: AV_LOG_ERROR
            case .warning: AV_LOG_WARNING
            case .info: AV_LOG_INFO
            case .verbose: AV_LOG_VERBOSE
            }
        }
    }

    public static func setLevel(_ level: Level) { av_log_set_level(level.value) }
}
