/// Which side of the DTLS handshake a `DtlsSession` plays (RFC 5763 §5: the
/// `a=setup:active` endpoint is the client, `passive` the server).
public enum DtlsRole: String, Sendable, Hashable {
    case client
    case server
}

/// Life cycle of a `DtlsSession`.
///
/// `new` → `connecting` (after `start` or, for a server, the first valid
/// datagram) → `connected` (keys available) → `closed` (either side sent
/// close_notify, or `close()`). `failed` is terminal and can be reached from
/// `connecting` or `connected`.
public enum DtlsState: String, Sendable, Hashable {
    case new
    case connecting
    case connected
    case failed
    case closed
}

/// SRTP master keys derived from a completed DTLS handshake (RFC 5764 §4.2),
/// already assigned to directions for the local role.
///
/// The exporter output `client_write_SRTP_master_key ‖ server_write_SRTP_master_key ‖
/// client_write_SRTP_master_salt ‖ server_write_SRTP_master_salt` is split so
/// that `localKeyAndSalt` keys what we send (an `.outbound` `SrtpSession`) and
/// `remoteKeyAndSalt` what we receive (an `.inbound` `SrtpSession`). Each is
/// master key ‖ master salt, `profile.keyAndSaltLength` bytes.
///
/// `description` names the profile only, never the key bytes.
public struct DtlsSrtpKeys: Sendable, Hashable, CustomStringConvertible {
    public var profile: SrtpProfile
    public var localKeyAndSalt: [UInt8]
    public var remoteKeyAndSalt: [UInt8]

    public init(profile: SrtpProfile, localKeyAndSalt: [UInt8], remoteKeyAndSalt: [UInt8]) {
        self.profile = profile
        self.localKeyAndSalt = localKeyAndSalt
        self.remoteKeyAndSalt = remoteKeyAndSalt
    }

    /// Splits the RFC 5764 exporter output (`2 * profile.keyAndSaltLength`
    /// bytes) for `role`. Returns `nil` if the length is wrong.
    public init?(profile: SrtpProfile, exportedKeyingMaterial material: [UInt8], role: DtlsRole) {
        let keyLength = profile.masterKeyLength
        let saltLength = profile.masterSaltLength
        guard material.count == 2 * (keyLength + saltLength) else { return nil }
        let clientKey = material[0..<keyLength]
        let serverKey = material[keyLength..<(2 * keyLength)]
        let clientSalt = material[(2 * keyLength)..<(2 * keyLength + saltLength)]
        let serverSalt = material[(2 * keyLength + saltLength)...]
        let client = Array(clientKey) + Array(clientSalt)
        let server = Array(serverKey) + Array(serverSalt)
        self.profile = profile
        switch role {
        case .client:
            self.localKeyAndSalt = client
            self.remoteKeyAndSalt = server
        case .server:
            self.localKeyAndSalt = server
            self.remoteKeyAndSalt = client
        }
    }

    /// The exporter output these keys were split from, for `role` (the
    /// inverse of `init(profile:exportedKeyingMaterial:role:)`).
    public func exportedKeyingMaterial(role: DtlsRole) -> [UInt8] {
        let keyLength = profile.masterKeyLength
        let (client, server) = role == .client
            ? (localKeyAndSalt, remoteKeyAndSalt)
            : (remoteKeyAndSalt, localKeyAndSalt)
        return Array(client.prefix(keyLength)) + Array(server.prefix(keyLength))
            + Array(client.dropFirst(keyLength)) + Array(server.dropFirst(keyLength))
    }

    public var description: String {
        "DtlsSrtpKeys(\(profile.rawValue), \(localKeyAndSalt.count)+\(remoteKeyAndSalt.count) bytes)"
    }
}

/// Something that happened to a `DtlsSession`, collected until `drainEvents()`.
public enum DtlsEvent: Sendable, Hashable, CustomStringConvertible {
    /// The handshake completed, the peer's certificate matched the expected
    /// fingerprint and SRTP keys were exported (also in `DtlsSession.srtpKeys`).
    case connected(DtlsSrtpKeys)
    /// The session failed for good (handshake error, fatal alert, fingerprint
    /// mismatch, timeout). No keys are, or will be, available.
    case failed(reason: String)
    /// close_notify was sent or received; the session carries nothing more.
    case closed

    public var description: String {
        switch self {
        case let .connected(keys): "connected(\(keys))"
        case let .failed(reason): "failed(\(reason))"
        case .closed: "closed"
        }
    }
}
