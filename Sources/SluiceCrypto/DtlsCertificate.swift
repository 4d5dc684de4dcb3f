internal import COpenSSL

/// A self-signed certificate and its private key, used as the local DTLS
/// identity of WebRTC transports.
///
/// Immutable after creation, so it can be shared freely between threads. The
/// OpenSSL objects it owns are freed when it is deallocated.
public final class DtlsCertificate: Sendable {
    /// Upper bound accepted for `validityDays` (100 years).
    public static let maximumValidityDays = 36_500

    /// Fingerprints of the DER certificate, one per
    /// `DtlsFingerprint.Algorithm.allCases`, in that order
    /// (sha-1, sha-224, sha-256, sha-384, sha-512).
    public let fingerprints: [DtlsFingerprint]

    /// The DER encoding of the certificate.
    public let derBytes: [UInt8]

    private let certificate: OwnedX509
    private let key: OwnedPrivateKey

    private init(certificate: OwnedX509, key: OwnedPrivateKey, derBytes: [UInt8], fingerprints: [DtlsFingerprint]) {
        self.certificate = certificate
        self.key = key
        self.derBytes = derBytes
        self.fingerprints = fingerprints
    }

    deinit {
        X509_free(certificate.pointer)
        EVP_PKEY_free(key.pointer)
    }

    /// The fingerprint of this certificate for `algorithm`.
    public func fingerprint(_ algorithm: DtlsFingerprint.Algorithm) -> DtlsFingerprint {
        fingerprints[algorithm.ordinal]
    }

    // MARK: Raw access for the DTLS layer (same target only)

    /// The `X509 *`. Borrowed: do not free or mutate it, and keep `self` alive
    /// while using it (OpenSSL APIs such as `SSL_CTX_use_certificate` take
    /// their own reference).
    var x509Pointer: OpaquePointer { certificate.pointer }

    /// The `EVP_PKEY *` private key. Same borrowing rules as `x509Pointer`.
    var privateKeyPointer: OpaquePointer { key.pointer }

    // MARK: Generation

    /// Generates a fresh EC P-256 (prime256v1) key and a self-signed X.509 v3
    /// certificate for it: random positive 64-bit serial, subject = issuer =
    /// `CN=commonName`, valid from one day ago until `validityDays` from now,
    /// signed with ECDSA-SHA256.
    ///
    /// - Throws: `CryptoError.invalidArgument` for a bad `validityDays`,
    ///   `CryptoError.openSSL` if any OpenSSL call fails (e.g. an empty or
    ///   over-long common name).
    public static func generate(commonName: String = "sluice", validityDays: Int = 30) throws -> DtlsCertificate {
        guard (1...maximumValidityDays).contains(validityDays) else {
            throw CryptoError.invalidArgument("validityDays must be in 1...\(maximumValidityDays), got \(validityDays)")
        }
        // Stale entries from unrelated earlier failures on this thread would
        // otherwise pollute our error messages.
        ERR_clear_error()

        let key = try generateP256Key()
        var x509: OpaquePointer?
        var ownershipTransferred = false
        defer {
            if !ownershipTransferred {
                X509_free(x509)
                EVP_PKEY_free(key)
            }
        }

        let certificate = try checkOpenSSL(X509_new(), "X509_new")
        x509 = certificate
        try fillAndSign(certificate, key: key, commonName: commonName, validityDays: validityDays)

        let der = try derEncode(certificate)
        let fingerprints = try DtlsFingerprint.Algorithm.allCases.map { algorithm in
            try digest(certificate, algorithm)
        }

        ownershipTransferred = true
        return DtlsCertificate(
            certificate: OwnedX509(pointer: certificate),
            key: OwnedPrivateKey(pointer: key),
            derBytes: der,
            fingerprints: fingerprints
        )
    }

    private static func generateP256Key() throws -> OpaquePointer {
        let context = try checkOpenSSL(EVP_PKEY_CTX_new_id(EVP_PKEY_EC, nil), "EVP_PKEY_CTX_new_id")
        defer { EVP_PKEY_CTX_free(context) }
        try checkOpenSSL(EVP_PKEY_keygen_init(context), "EVP_PKEY_keygen_init")
        try checkOpenSSL(
            EVP_PKEY_CTX_set_ec_paramgen_curve_nid(context, NID_X9_62_prime256v1),
            "EVP_PKEY_CTX_set_ec_paramgen_curve_nid",
            success: { $0 > 0 }
        )
        var key: OpaquePointer?
        try checkOpenSSL(EVP_PKEY_keygen(context, &key), "EVP_PKEY_keygen")
        return try checkOpenSSL(key, "EVP_PKEY_keygen")
    }

    private static func fillAndSign(
        _ certificate: OpaquePointer,
        key: OpaquePointer,
        commonName: String,
        validityDays: Int
    ) throws {
        try checkOpenSSL(X509_set_version(certificate, 2), "X509_set_version")  // v3

        let serial = try randomSerial()
        try checkOpenSSL(
            ASN1_INTEGER_set_uint64(X509_get_serialNumber(certificate), serial),
            "ASN1_INTEGER_set_uint64"
        )

        let secondsPerDay = 86_400
        try checkOpenSSL(X509_gmtime_adj(X509_getm_notBefore(certificate), -secondsPerDay), "X509_gmtime_adj(notBefore)")
        try checkOpenSSL(
            X509_gmtime_adj(X509_getm_notAfter(certificate), validityDays * secondsPerDay),
            "X509_gmtime_adj(notAfter)"
        )

        let name = try checkOpenSSL(X509_get_subject_name(certificate), "X509_get_subject_name")
        let commonNameBytes = Array(commonName.utf8)
        let added = commonNameBytes.withUnsafeBufferPointer { bytes in
            X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, bytes.baseAddress, Int32(clamping: bytes.count), -1, 0)
        }
        try checkOpenSSL(added, "X509_NAME_add_entry_by_txt(CN)")
        try checkOpenSSL(X509_set_issuer_name(certificate, name), "X509_set_issuer_name")

        try checkOpenSSL(X509_set_pubkey(certificate, key), "X509_set_pubkey")
        let sha256 = try checkOpenSSL(EVP_sha256(), "EVP_sha256")
        try checkOpenSSL(X509_sign(certificate, key, sha256), "X509_sign", success: { $0 > 0 })
    }

    /// A random, non-zero 64-bit serial (always positive as an ASN.1 INTEGER).
    private static func randomSerial() throws -> UInt64 {
        var serial: UInt64 = 0
        while serial == 0 {
            let result = withUnsafeMutableBytes(of: &serial) { bytes in
                RAND_bytes(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(bytes.count))
            }
            try checkOpenSSL(result, "RAND_bytes")
        }
        return serial
    }

    private static func derEncode(_ certificate: OpaquePointer) throws -> [UInt8] {
        let length = i2d_X509(certificate, nil)
        guard length > 0 else { throw CryptoError.openSSL("i2d_X509(length)") }
        var der = [UInt8](repeating: 0, count: Int(length))
        let written = der.withUnsafeMutableBufferPointer { buffer in
            var cursor = buffer.baseAddress
            return i2d_X509(certificate, &cursor)
        }
        guard written == length else { throw CryptoError.openSSL("i2d_X509") }
        return der
    }

    private static func digest(_ certificate: OpaquePointer, _ algorithm: DtlsFingerprint.Algorithm) throws -> DtlsFingerprint {
        let (md, name): (OpaquePointer?, String) = switch algorithm {
        case .sha1: (EVP_sha1(), "EVP_sha1")
        case .sha224: (EVP_sha224(), "EVP_sha224")
        case .sha256: (EVP_sha256(), "EVP_sha256")
        case .sha384: (EVP_sha384(), "EVP_sha384")
        case .sha512: (EVP_sha512(), "EVP_sha512")
        }
        let messageDigest = try checkOpenSSL(md, name)
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var outputLength: UInt32 = 0
        try checkOpenSSL(X509_digest(certificate, messageDigest, &output, &outputLength), "X509_digest(\(algorithm.rawValue))")
        guard Int(outputLength) == algorithm.digestLength else {
            throw CryptoError.openSSL(
                operation: "X509_digest(\(algorithm.rawValue))",
                message: "unexpected digest length \(outputLength), expected \(algorithm.digestLength)"
            )
        }
        return DtlsFingerprint(algorithm: algorithm, digest: output.prefix(Int(outputLength)))
    }
}

/// An owned `X509 *`; never mutated after construction, so sharing it is safe.
private struct OwnedX509: @unchecked Sendable {
    let pointer: OpaquePointer
}

/// An owned `EVP_PKEY *`; never mutated after construction, so sharing it is safe.
private struct OwnedPrivateKey: @unchecked Sendable {
    let pointer: OpaquePointer
}
