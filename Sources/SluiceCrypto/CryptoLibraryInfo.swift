internal import COpenSSL
internal import CSRTP

/// Versions of the C crypto libraries linked into this process.
public enum CryptoLibraryInfo {
    /// e.g. `"OpenSSL 3.0.15 3 Sep 2024"`.
    public static var openSSLVersion: String {
        guard let text = OpenSSL_version(OPENSSL_VERSION) else { return "unknown" }
        return String(cString: text)
    }

    /// e.g. `"libsrtp2 2.5.0"`.
    public static var srtpVersion: String {
        guard let text = srtp_get_version_string() else { return "unknown" }
        return String(cString: text)
    }
}
