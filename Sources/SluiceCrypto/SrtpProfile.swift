internal import CSRTP

/// An SRTP protection profile (RFC 5764 §4.1.2, RFC 7714 §14.2), named as the
/// REST API names them.
public enum SrtpProfile: String, Sendable, CaseIterable {
    case aesCm128HmacSha1_80 = "AES_CM_128_HMAC_SHA1_80"
    case aesCm128HmacSha1_32 = "AES_CM_128_HMAC_SHA1_32"
    case aeadAes128Gcm = "AEAD_AES_128_GCM"
    case aeadAes256Gcm = "AEAD_AES_256_GCM"

    /// Master key size in bytes.
    public var masterKeyLength: Int {
        switch self {
        case .aesCm128HmacSha1_80, .aesCm128HmacSha1_32, .aeadAes128Gcm: 16
        case .aeadAes256Gcm: 32
        }
    }

    /// Master salt size in bytes.
    public var masterSaltLength: Int {
        switch self {
        case .aesCm128HmacSha1_80, .aesCm128HmacSha1_32: 14
        case .aeadAes128Gcm, .aeadAes256Gcm: 12
        }
    }

    /// Size of the `keyAndSalt` argument of `SrtpSession.init`: master key
    /// followed by master salt (the layout DTLS-SRTP key export yields per side).
    public var keyAndSaltLength: Int { masterKeyLength + masterSaltLength }

    /// Bytes an SRTP packet carries beyond its RTP packet (the authentication
    /// tag): 10, 4, 16, 16.
    public var rtpTrailerLength: Int {
        switch self {
        case .aesCm128HmacSha1_80: 10
        case .aesCm128HmacSha1_32: 4
        case .aeadAes128Gcm, .aeadAes256Gcm: 16
        }
    }

    /// Bytes an SRTCP packet carries beyond its RTCP packet (E flag + 31-bit
    /// SRTCP index, then the tag): 14, 14, 20, 20. SRTCP uses an 80-bit tag for
    /// both HMAC-SHA1 profiles, as WebRTC does (RFC 5764 §4.1.2).
    public var rtcpTrailerLength: Int {
        switch self {
        case .aesCm128HmacSha1_80, .aesCm128HmacSha1_32: 4 + 10
        case .aeadAes128Gcm, .aeadAes256Gcm: 4 + 16
        }
    }

    /// Fills libsrtp's crypto policies for RTP and RTCP.
    ///
    /// `srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80` is a function-like
    /// macro for `srtp_crypto_policy_set_rtp_default`, which Swift cannot
    /// import, so the latter is called directly.
    func configure(rtp: inout srtp_crypto_policy_t, rtcp: inout srtp_crypto_policy_t) {
        switch self {
        case .aesCm128HmacSha1_80:
            srtp_crypto_policy_set_rtp_default(&rtp)
            srtp_crypto_policy_set_rtp_default(&rtcp)
        case .aesCm128HmacSha1_32:
            srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&rtp)
            srtp_crypto_policy_set_rtp_default(&rtcp)
        case .aeadAes128Gcm:
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&rtp)
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&rtcp)
        case .aeadAes256Gcm:
            srtp_crypto_policy_set_aes_gcm_256_16_auth(&rtp)
            srtp_crypto_policy_set_aes_gcm_256_16_auth(&rtcp)
        }
    }
}

/// Which way an `SrtpSession` works: `inbound` unprotects what a peer sent
/// (keyed with the peer's write key), `outbound` protects what we send.
public enum SrtpDirection: Sendable {
    case inbound
    case outbound
}
