internal import COpenSSL

/// The OpenSSL `SSL_CTX` shared by every `DtlsSession` that uses one local
/// certificate: DTLS 1.2 only, ECDHE cipher suites, a peer certificate
/// required (any chain accepted; sessions pin it by fingerprint), no session
/// tickets/cache, no renegotiation, no compression.
///
/// Create it once per certificate (typically once per process) and pass it to
/// each session. It is never modified after `init` (per-session settings such
/// as SRTP profiles, MTU and timers live on the session's `SSL`), so sharing it
/// between threads is safe: OpenSSL reference-counts it, and `SSL_new` on a
/// configured context is thread-safe.
public final class DtlsContext: @unchecked Sendable {
    /// The local identity presented in every handshake.
    public let certificate: DtlsCertificate

    /// ECDHE with ECDSA first (our certificates are ECDSA P-256, which is what
    /// a server picks from), RSA variants only so that we can be the client of
    /// a server with an RSA certificate.
    static let cipherList = [
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-RSA-CHACHA20-POLY1305",
        "ECDHE-ECDSA-AES128-SHA",
        "ECDHE-ECDSA-AES256-SHA",
        "ECDHE-RSA-AES128-SHA",
        "ECDHE-RSA-AES256-SHA",
    ].joined(separator: ":")

    /// Key-exchange groups (OpenSSL picks them automatically from this list).
    static let groupList = "X25519:P-256:P-384"

    /// The `SSL_CTX *`; owned.
    let pointer: OpaquePointer

    /// - Throws: `CryptoError.openSSL` if OpenSSL rejects any setting.
    public init(certificate: DtlsCertificate) throws(CryptoError) {
        ERR_clear_error()
        guard let method = DTLS_method(), let context = SSL_CTX_new(method) else {
            throw CryptoError.openSSL("SSL_CTX_new(DTLS_method)")
        }
        do {
            try Self.configure(context, certificate: certificate)
        } catch {
            SSL_CTX_free(context)
            throw error
        }
        self.certificate = certificate
        self.pointer = context
    }

    deinit {
        SSL_CTX_free(pointer)
    }

    private static func configure(_ context: OpaquePointer, certificate: DtlsCertificate) throws(CryptoError) {
        // Both take their own reference; the certificate object stays the owner of ours.
        try dtlsCheck(SSL_CTX_use_certificate(context, certificate.x509Pointer), "SSL_CTX_use_certificate")
        try dtlsCheck(SSL_CTX_use_PrivateKey(context, certificate.privateKeyPointer), "SSL_CTX_use_PrivateKey")
        try dtlsCheck(SSL_CTX_check_private_key(context), "SSL_CTX_check_private_key")

        try dtlsCheck(sluice_SSL_CTX_set_min_proto_version(context, DTLS1_2_VERSION), "SSL_CTX_set_min_proto_version")
        try dtlsCheck(sluice_SSL_CTX_set_max_proto_version(context, DTLS1_2_VERSION), "SSL_CTX_set_max_proto_version")

        // NO_QUERY_MTU: the BIOs are memory BIOs, so the MTU is set explicitly per session.
        let options = sluice_SSL_OP_NO_QUERY_MTU() | sluice_SSL_OP_NO_TICKET() | sluice_SSL_OP_NO_COMPRESSION()
            | sluice_SSL_OP_NO_RENEGOTIATION() | sluice_SSL_OP_CIPHER_SERVER_PREFERENCE()
        _ = SSL_CTX_set_options(context, options)
        _ = sluice_SSL_CTX_set_session_cache_mode(context, Int(SSL_SESS_CACHE_OFF))

        try dtlsCheck(SSL_CTX_set_cipher_list(context, cipherList), "SSL_CTX_set_cipher_list")
        // ECDH "auto" is the only behaviour since OpenSSL 1.1.0; this just limits the groups.
        try dtlsCheck(sluice_SSL_CTX_set1_groups_list(context, groupList), "SSL_CTX_set1_groups_list")

        // Default SRTP profiles; sessions replace them with their own list.
        let profiles = SrtpProfile.defaultDtlsPreference.map(\.openSSLName).joined(separator: ":")
        // Returns 0 on success (unlike most of OpenSSL).
        try dtlsCheck(SSL_CTX_set_tlsext_use_srtp(context, profiles), "SSL_CTX_set_tlsext_use_srtp", success: { $0 == 0 })

        // Require a peer certificate; the chain is not judged here (self-signed
        // is the norm). Sessions install their own callback that pins the
        // fingerprint; this default only matters for an SSL without one.
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT) { _, _ in 1 }
        SSL_CTX_set_verify_depth(context, 4)
    }
}

// MARK: - SRTP profile names as OpenSSL knows them

extension SrtpProfile {
    /// mediasoup's preference order: AEAD GCM first, then AES-CM.
    static let defaultDtlsPreference: [SrtpProfile] = [.aeadAes256Gcm, .aeadAes128Gcm, .aesCm128HmacSha1_80, .aesCm128HmacSha1_32]

    /// The name `SSL_CTX_set_tlsext_use_srtp` understands.
    var openSSLName: String {
        switch self {
        case .aesCm128HmacSha1_80: "SRTP_AES128_CM_SHA1_80"
        case .aesCm128HmacSha1_32: "SRTP_AES128_CM_SHA1_32"
        case .aeadAes128Gcm: "SRTP_AEAD_AES_128_GCM"
        case .aeadAes256Gcm: "SRTP_AEAD_AES_256_GCM"
        }
    }

    /// The profile with the RFC 5764 / RFC 7714 identifier `id`
    /// (`SRTP_PROTECTION_PROFILE.id`), if it is one we support.
    init?(dtlsProfileID id: UInt) {
        switch id {
        case UInt(SRTP_AES128_CM_SHA1_80): self = .aesCm128HmacSha1_80
        case UInt(SRTP_AES128_CM_SHA1_32): self = .aesCm128HmacSha1_32
        case UInt(SRTP_AEAD_AES_128_GCM): self = .aeadAes128Gcm
        case UInt(SRTP_AEAD_AES_256_GCM): self = .aeadAes256Gcm
        default: return nil
        }
    }
}

// MARK: - Typed-throws checking helpers for the DTLS layer

/// Checks an OpenSSL status (by default `1` means success).
@inline(__always)
func dtlsCheck(_ result: Int32, _ operation: String, success: (Int32) -> Bool = { $0 == 1 }) throws(CryptoError) {
    guard success(result) else { throw CryptoError.openSSL(operation) }
}

extension CryptoError {
    /// The drained OpenSSL error queue of the calling thread as a single line
    /// ("no OpenSSL error reported" if it was empty).
    static func drainedOpenSSLErrors() -> String {
        if case let .openSSL(_, message) = CryptoError.openSSL("") { return message }
        return "no OpenSSL error reported"
    }
}
