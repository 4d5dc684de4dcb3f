internal import COpenSSL

/// Errors raised by the SluiceCrypto module.
public enum CryptoError: Error, CustomStringConvertible, Sendable, Hashable {
    /// An OpenSSL call failed. `operation` names the call (e.g. `"X509_sign"`);
    /// `message` is the drained OpenSSL error queue for the current thread.
    case openSSL(operation: String, message: String)
    /// A caller-supplied argument was rejected before reaching OpenSSL.
    case invalidArgument(String)

    public var description: String {
        switch self {
        case let .openSSL(operation, message):
            return "OpenSSL call \(operation) failed: \(message)"
        case let .invalidArgument(message):
            return "invalid argument: \(message)"
        }
    }
}

// MARK: - OpenSSL error plumbing (the single place the error queue is read)

extension CryptoError {
    /// Builds a `.openSSL` error for `operation`, draining (and thereby clearing)
    /// the calling thread's OpenSSL error queue into the message.
    ///
    /// Every OpenSSL failure in this module must be reported through this function.
    static func openSSL(_ operation: String) -> CryptoError {
        .openSSL(operation: operation, message: drainOpenSSLErrorQueue())
    }

    /// Pops every entry off the thread-local OpenSSL error queue and joins their
    /// human-readable strings with "; ".
    private static func drainOpenSSLErrorQueue() -> String {
        var messages: [String] = []
        var buffer = [CChar](repeating: 0, count: 256)
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            let text = buffer.withUnsafeMutableBufferPointer { bytes -> String in
                guard let base = bytes.baseAddress else { return "error code \(code)" }
                ERR_error_string_n(code, base, bytes.count)
                return String(cString: base)
            }
            messages.append(text)
        }
        return messages.isEmpty ? "no OpenSSL error reported" : messages.joined(separator: "; ")
    }
}

// MARK: - Checking helpers for OpenSSL return conventions

/// Checks an OpenSSL status return where `1` (or, with `success`, another
/// predicate) means success; otherwise throws via `CryptoError.openSSL(_:)`.
@inline(__always)
func checkOpenSSL(_ result: Int32, _ operation: String, success: (Int32) -> Bool = { $0 == 1 }) throws {
    guard success(result) else { throw CryptoError.openSSL(operation) }
}

/// Unwraps a pointer returned by OpenSSL; a `nil` result throws via
/// `CryptoError.openSSL(_:)`.
@inline(__always) @discardableResult
func checkOpenSSL<Pointer>(_ result: Pointer?, _ operation: String) throws -> Pointer {
    guard let result else { throw CryptoError.openSSL(operation) }
    return result
}
