internal import CSRTP

/// Errors raised by `SrtpSession`.
public enum SrtpError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `keyAndSalt` does not have `SrtpProfile.keyAndSaltLength` bytes.
    case badKeyLength(expected: Int, got: Int)
    /// Any other libsrtp failure: the `srtp_err_status_t` name and the call,
    /// e.g. `"srtp_err_status_bad_param in srtp_unprotect"`.
    case library(String)
    /// The packet's authentication tag did not verify (tampered, wrong key, or
    /// not SRTP at all).
    case authenticationFailed
    /// The packet index was already seen, or is too old for the replay window.
    case replay
    /// Too short to be an (S)RTP/(S)RTCP packet of this profile.
    case tooShort
    /// A raw buffer lacked room: `needed` bytes (packet length plus, when
    /// protecting, `SrtpSession.maxTrailerLength`) but only `available`.
    case bufferTooSmall(needed: Int, available: Int)

    public var description: String {
        switch self {
        case let .badKeyLength(expected, got):
            return "SRTP master key and salt must be \(expected) bytes, got \(got)"
        case let .library(message):
            return "libsrtp error: \(message)"
        case .authenticationFailed:
            return "SRTP authentication failed"
        case .replay:
            return "SRTP replay check failed"
        case .tooShort:
            return "packet too short for SRTP processing"
        case let .bufferTooSmall(needed, available):
            return "SRTP buffer too small: needs \(needed) bytes, has \(available)"
        }
    }
}

// MARK: - libsrtp status plumbing (the single place srtp_err_status_t is interpreted)

extension SrtpError {
    /// Throws the typed error for a libsrtp status returned by `operation`
    /// (e.g. `"srtp_protect"`); returns for `srtp_err_status_ok`.
    ///
    /// Every libsrtp status in this module must be checked through this function.
    static func check(_ status: srtp_err_status_t, _ operation: String) throws(SrtpError) {
        switch status {
        case srtp_err_status_ok:
            return
        case srtp_err_status_auth_fail:
            throw .authenticationFailed
        case srtp_err_status_replay_fail, srtp_err_status_replay_old:
            throw .replay
        default:
            throw .library("\(name(of: status)) in \(operation)")
        }
    }

    /// The C enumerator's name, e.g. `"srtp_err_status_bad_param"`.
    static func name(of status: srtp_err_status_t) -> String {
        switch status {
        case srtp_err_status_ok: "srtp_err_status_ok"
        case srtp_err_status_fail: "srtp_err_status_fail"
        case srtp_err_status_bad_param: "srtp_err_status_bad_param"
        case srtp_err_status_alloc_fail: "srtp_err_status_alloc_fail"
        case srtp_err_status_dealloc_fail: "srtp_err_status_dealloc_fail"
        case srtp_err_status_init_fail: "srtp_err_status_init_fail"
        case srtp_err_status_terminus: "srtp_err_status_terminus"
        case srtp_err_status_auth_fail: "srtp_err_status_auth_fail"
        case srtp_err_status_cipher_fail: "srtp_err_status_cipher_fail"
        case srtp_err_status_replay_fail: "srtp_err_status_replay_fail"
        case srtp_err_status_replay_old: "srtp_err_status_replay_old"
        case srtp_err_status_algo_fail: "srtp_err_status_algo_fail"
        case srtp_err_status_no_such_op: "srtp_err_status_no_such_op"
        case srtp_err_status_no_ctx: "srtp_err_status_no_ctx"
        case srtp_err_status_cant_check: "srtp_err_status_cant_check"
        case srtp_err_status_key_expired: "srtp_err_status_key_expired"
        case srtp_err_status_socket_err: "srtp_err_status_socket_err"
        case srtp_err_status_signal_err: "srtp_err_status_signal_err"
        case srtp_err_status_nonce_bad: "srtp_err_status_nonce_bad"
        case srtp_err_status_read_fail: "srtp_err_status_read_fail"
        case srtp_err_status_write_fail: "srtp_err_status_write_fail"
        case srtp_err_status_parse_err: "srtp_err_status_parse_err"
        case srtp_err_status_encode_err: "srtp_err_status_encode_err"
        case srtp_err_status_semaphore_err: "srtp_err_status_semaphore_err"
        case srtp_err_status_pfkey_err: "srtp_err_status_pfkey_err"
        case srtp_err_status_bad_mki: "srtp_err_status_bad_mki"
        case srtp_err_status_pkt_idx_old: "srtp_err_status_pkt_idx_old"
        case srtp_err_status_pkt_idx_adv: "srtp_err_status_pkt_idx_adv"
        default: "srtp_err_status \(status.rawValue)"
        }
    }
}
