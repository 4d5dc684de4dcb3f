internal import COpenSSL

/// The OpenSSL side of a session: the SSL object, peer-certificate pinning and the C
/// callbacks OpenSSL makes into a session.
extension DtlsSession {
    static func makeSSL(
        context: DtlsContext,
        role: DtlsRole,
        profiles: [SrtpProfile],
        mtu: Int
    ) throws(CryptoError) -> (ssl: OpaquePointer, read: OpaquePointer, write: OpaquePointer) {
        ERR_clear_error()
        guard let ssl = SSL_new(context.pointer) else { throw CryptoError.openSSL("SSL_new") }
        guard let readBIO = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw CryptoError.openSSL("BIO_new(read)")
        }
        guard let writeBIO = BIO_new(BIO_s_mem()) else {
            BIO_free(readBIO)
            SSL_free(ssl)
            throw CryptoError.openSSL("BIO_new(write)")
        }
        // An empty read BIO means "want read", not end of file.
        _ = sluice_BIO_set_mem_eof_return(readBIO, -1)
        _ = sluice_BIO_set_mem_eof_return(writeBIO, -1)
        SSL_set_bio(ssl, readBIO, writeBIO)  // the SSL owns both from here on

        do {
            let names = profiles.map(\.openSSLName).joined(separator: ":")
            try dtlsCheck(SSL_set_tlsext_use_srtp(ssl, names), "SSL_set_tlsext_use_srtp", success: { $0 == 0 })
            // After SSL_set_bio: the MTU overhead is asked of the write BIO (0 for memory BIOs).
            try dtlsCheck(sluice_DTLS_set_link_mtu(ssl, mtu), "DTLS_set_link_mtu")
        } catch {
            SSL_free(ssl)
            throw error
        }
        switch role {
        case .client: SSL_set_connect_state(ssl)
        case .server: SSL_set_accept_state(ssl)
        }
        return (ssl, readBIO, writeBIO)
    }

    /// Compares `certificate`'s digest with `remoteFingerprint`; records the
    /// digest and, on mismatch, the reason.
    func checkPeerCertificate(_ certificate: OpaquePointer) -> Bool {
        let fingerprint = Self.fingerprint(of: certificate, algorithm: remoteFingerprint.algorithm)
        remoteCertificateFingerprint = fingerprint
        if fingerprint == remoteFingerprint {
            return true
        }
        fingerprintMismatch = "remote certificate fingerprint mismatch: expected \(remoteFingerprint), got \(fingerprint?.description ?? "no digest")"
        return false
    }

    static func fingerprint(of certificate: OpaquePointer, algorithm: DtlsFingerprint.Algorithm) -> DtlsFingerprint? {
        let messageDigest: OpaquePointer? = switch algorithm {
        case .sha1: EVP_sha1()
        case .sha224: EVP_sha224()
        case .sha256: EVP_sha256()
        case .sha384: EVP_sha384()
        case .sha512: EVP_sha512()
        }
        guard let messageDigest else { return nil }
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard X509_digest(certificate, messageDigest, &digest, &length) == 1,
              Int(length) == algorithm.digestLength
        else {
            ERR_clear_error()
            return nil
        }
        return DtlsFingerprint(algorithm: algorithm, digest: digest.prefix(Int(length)))
    }

    // MARK: - OpenSSL callbacks

    static func session(for ssl: OpaquePointer?) -> DtlsSession? {
        guard let ssl, let pointer = SSL_get_ex_data(ssl, 0) else { return nil }
        return Unmanaged<DtlsSession>.fromOpaque(pointer).takeUnretainedValue()
    }

    /// Accepts any chain but pins the leaf (depth 0) to `remoteFingerprint`.
    static func verifyCallback(_ preverified: Int32, _ store: OpaquePointer?) -> Int32 {
        guard let store,
              let sslPointer = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()),
              let session = session(for: OpaquePointer(sslPointer))
        else { return 0 }
        guard X509_STORE_CTX_get_error_depth(store) == 0 else { return 1 }
        guard let certificate = X509_STORE_CTX_get_current_cert(store) else { return 0 }
        if session.checkPeerCertificate(certificate) {
            return 1
        }
        // Mapped by OpenSSL to a bad_certificate alert.
        X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED)
        return 0
    }

    /// First timeout = `initialRetransmitTimeout`, then doubling up to 60 s.
    static func timerCallback(_ ssl: OpaquePointer?, _ previous: UInt32) -> UInt32 {
        let initial = session(for: ssl)?.initialRetransmitMicroseconds ?? 1_000_000
        if previous == 0 {
            return initial
        }
        return previous >= maximumRetransmitMicroseconds / 2 ? maximumRetransmitMicroseconds : previous * 2
    }

    /// Counts received alerts other than close_notify and remembers the last.
    static func infoCallback(_ ssl: OpaquePointer?, _ kind: Int32, _ value: Int32) {
        guard kind & SSL_CB_READ_ALERT == SSL_CB_READ_ALERT, let session = session(for: ssl) else { return }
        guard value & 0xFF != SSL_AD_CLOSE_NOTIFY else { return }
        session.malformedRecords += 1
        let level = String(cString: SSL_alert_type_string_long(value))
        let description = String(cString: SSL_alert_desc_string_long(value))
        session.lastReceivedAlert = "\(level) alert \(description)"
    }
}
