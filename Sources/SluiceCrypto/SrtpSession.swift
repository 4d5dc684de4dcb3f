internal import CSRTP

/// One libsrtp session for one direction, any SSRC (`ssrc_any_inbound` /
/// `ssrc_any_outbound`): libsrtp keeps per-SSRC state (rollover counter, replay
/// window) for every SSRC it sees under the one master key.
///
/// Policy: replay window 1024 packets; `allow_repeat_tx` on, so a
/// retransmission may re-protect an already protected sequence number (the
/// output is then identical). SRTCP uses an 80-bit tag for
/// `AES_CM_128_HMAC_SHA1_32`, as WebRTC does.
///
/// All packet functions work in place. Packets should start 4-byte aligned
/// (libsrtp reads the header as 32-bit words); arrays always are.
///
/// With a NIO `ByteBuffer` holding exactly one packet in its readable bytes:
///
///     let length = buffer.readableBytes
///     buffer.writeRepeatingByte(0, count: SrtpSession.maxTrailerLength)   // room, usually no reallocation
///     let newLength = try buffer.withUnsafeMutableReadableBytes { try session.protectRtp($0, length: length) }
///     buffer.moveWriterIndex(to: buffer.readerIndex + newLength)
///
/// (unprotect needs no room: pass `$0.count` and move the writer index the same way).
///
/// Not `Sendable`: libsrtp sessions are not thread-safe, so use one from a
/// single event loop. Distinct sessions may be used on distinct threads.
public final class SrtpSession {
    /// Room `protectRtp`/`protectRtcp` require after the packet in a raw
    /// buffer: libsrtp's `SRTP_MAX_TRAILER_LEN` (max tag 16 + max MKI 128, the
    /// space `srtp_protect` is documented to assume it may write) plus 4 for the
    /// SRTCP E flag and index = 148. Actual growth is much smaller, see
    /// `SrtpProfile.rtpTrailerLength` / `rtcpTrailerLength`.
    public static let maxTrailerLength = Int(SRTP_MAX_TRAILER_LEN) + 4

    public let profile: SrtpProfile
    public let direction: SrtpDirection

    private let context: OpaquePointer

    /// Creates a session keyed with `keyAndSalt` = master key ‖ master salt.
    ///
    /// - Throws: `.badKeyLength` unless `keyAndSalt.count == profile.keyAndSaltLength`;
    ///   `.library` if libsrtp cannot be initialised or the session not created.
    public init(profile: SrtpProfile, keyAndSalt: [UInt8], direction: SrtpDirection) throws(SrtpError) {
        guard keyAndSalt.count == profile.keyAndSaltLength else {
            throw .badKeyLength(expected: profile.keyAndSaltLength, got: keyAndSalt.count)
        }
        try SrtpLibrary.ensureInitialised()

        var policy = srtp_policy_t()
        profile.configure(rtp: &policy.rtp, rtcp: &policy.rtcp)
        policy.ssrc.type = switch direction {
        case .inbound: ssrc_any_inbound
        case .outbound: ssrc_any_outbound
        }
        policy.ssrc.value = 0
        policy.window_size = 1024
        policy.allow_repeat_tx = 1
        policy.next = nil

        // libsrtp copies the key during srtp_create; wipe our scratch copy afterwards.
        var key = keyAndSalt
        var session: OpaquePointer?
        let status = key.withUnsafeMutableBufferPointer { bytes -> srtp_err_status_t in
            policy.key = bytes.baseAddress
            defer { policy.key = nil }
            return srtp_create(&session, &policy)
        }
        key.withUnsafeMutableBufferPointer { bytes in
            for index in bytes.indices { bytes[index] = 0 }
        }
        try SrtpError.check(status, "srtp_create")
        guard let session else { throw .library("srtp_create returned no session") }

        self.profile = profile
        self.direction = direction
        self.context = session
    }

    deinit {
        // Only fails for a null session, which `init` rules out.
        _ = srtp_dealloc(context)
    }

    // MARK: Raw buffers (in place; e.g. a NIO ByteBuffer's writable bytes)

    /// Protects the RTP packet in the first `length` bytes of `bytes`, in place.
    /// `bytes` must have room for at least `length + SrtpSession.maxTrailerLength`
    /// bytes. Returns the SRTP packet's length (`length + profile.rtpTrailerLength`).
    public func protectRtp(_ bytes: UnsafeMutableRawBufferPointer, length: Int) throws(SrtpError) -> Int {
        try process(.protectRtp, bytes, length: length)
    }

    /// Verifies and decrypts the SRTP packet in the first `length` bytes of
    /// `bytes`, in place. Returns the RTP packet's length.
    public func unprotectRtp(_ bytes: UnsafeMutableRawBufferPointer, length: Int) throws(SrtpError) -> Int {
        try process(.unprotectRtp, bytes, length: length)
    }

    /// Protects the RTCP (compound) packet in the first `length` bytes of
    /// `bytes`, in place. `bytes` must have room for at least
    /// `length + SrtpSession.maxTrailerLength` bytes. Returns the SRTCP length.
    public func protectRtcp(_ bytes: UnsafeMutableRawBufferPointer, length: Int) throws(SrtpError) -> Int {
        try process(.protectRtcp, bytes, length: length)
    }

    /// Verifies and decrypts the SRTCP packet in the first `length` bytes of
    /// `bytes`, in place. Returns the RTCP packet's length.
    public func unprotectRtcp(_ bytes: UnsafeMutableRawBufferPointer, length: Int) throws(SrtpError) -> Int {
        try process(.unprotectRtcp, bytes, length: length)
    }

    // MARK: Arrays

    /// In place: the packet grows by the auth tag; `packet` must be a complete
    /// RTP packet. On failure `packet` keeps its length (and, for the header
    /// and replay checks libsrtp makes before encrypting, its contents).
    public func protectRtp(_ packet: inout [UInt8]) throws(SrtpError) {
        try inPlace(.protectRtp, &packet)
    }

    /// In place: the packet shrinks to the RTP packet. On failure `packet` keeps
    /// its length; its bytes are unspecified (libsrtp may have decrypted them).
    public func unprotectRtp(_ packet: inout [UInt8]) throws(SrtpError) {
        try inPlace(.unprotectRtp, &packet)
    }

    /// In place: the packet grows by the SRTCP trailer; `packet` must be a
    /// complete RTCP (compound) packet. On failure `packet` keeps its length.
    public func protectRtcp(_ packet: inout [UInt8]) throws(SrtpError) {
        try inPlace(.protectRtcp, &packet)
    }

    /// In place: the packet shrinks to the RTCP packet. On failure `packet`
    /// keeps its length; its bytes are unspecified.
    public func unprotectRtcp(_ packet: inout [UInt8]) throws(SrtpError) {
        try inPlace(.unprotectRtcp, &packet)
    }

    // MARK: Implementation

    private enum Operation {
        case protectRtp, unprotectRtp, protectRtcp, unprotectRtcp

        var grows: Bool {
            switch self {
            case .protectRtp, .protectRtcp: true
            case .unprotectRtp, .unprotectRtcp: false
            }
        }

        var name: String {
            switch self {
            case .protectRtp: "srtp_protect"
            case .unprotectRtp: "srtp_unprotect"
            case .protectRtcp: "srtp_protect_rtcp"
            case .unprotectRtcp: "srtp_unprotect_rtcp"
            }
        }
    }

    /// Appended (then trimmed) by the array variants; a contiguous array so the
    /// append is a plain copy even in unoptimised builds.
    private static let trailerRoom = [UInt8](repeating: 0, count: maxTrailerLength)

    private static let rtpHeaderLength = 12
    private static let rtcpHeaderLength = 8

    /// The smallest input `operation` can accept for this profile.
    private func minimumLength(_ operation: Operation) -> Int {
        switch operation {
        case .protectRtp: Self.rtpHeaderLength
        case .unprotectRtp: Self.rtpHeaderLength + profile.rtpTrailerLength
        case .protectRtcp: Self.rtcpHeaderLength
        case .unprotectRtcp: Self.rtcpHeaderLength + profile.rtcpTrailerLength
        }
    }

    private func process(_ operation: Operation, _ bytes: UnsafeMutableRawBufferPointer, length: Int) throws(SrtpError) -> Int {
        let room = operation.grows ? Self.maxTrailerLength : 0
        guard length >= minimumLength(operation) else { throw .tooShort }
        guard length <= bytes.count, bytes.count - length >= room else {
            throw .bufferTooSmall(needed: length + room, available: bytes.count)
        }
        guard let base = bytes.baseAddress, let cLength = Int32(exactly: length), cLength <= Int32.max - Int32(room) else {
            throw .library("packet length \(length) out of range for \(operation.name)")
        }

        var newLength = cLength
        let status = switch operation {
        case .protectRtp: srtp_protect(context, base, &newLength)
        case .unprotectRtp: srtp_unprotect(context, base, &newLength)
        case .protectRtcp: srtp_protect_rtcp(context, base, &newLength)
        case .unprotectRtcp: srtp_unprotect_rtcp(context, base, &newLength)
        }
        try SrtpError.check(status, operation.name)
        let result = Int(newLength)
        guard (0...bytes.count).contains(result) else {
            throw .library("\(operation.name) returned length \(result) for a \(bytes.count)-byte buffer")
        }
        return result
    }

    /// Runs `operation` on an array's storage, temporarily appending
    /// `maxTrailerLength` bytes of room when the packet grows.
    private func inPlace(_ operation: Operation, _ packet: inout [UInt8]) throws(SrtpError) {
        let length = packet.count
        let room = operation.grows ? Self.maxTrailerLength : 0
        if room > 0 {
            packet.append(contentsOf: Self.trailerRoom)
        }
        let outcome = packet.withUnsafeMutableBytes { bytes -> Result<Int, SrtpError> in
            do throws(SrtpError) {
                return .success(try process(operation, bytes, length: length))
            } catch {
                return .failure(error)
            }
        }
        switch outcome {
        case let .success(newLength):
            packet.removeLast(packet.count - newLength)
        case let .failure(error):
            packet.removeLast(room)
            throw error
        }
    }
}

@available(*, unavailable, message: "libsrtp sessions must stay on one thread (event loop)")
extension SrtpSession: Sendable {}

/// Process-wide libsrtp initialisation: `srtp_init()` runs exactly once, on
/// first use, guarded by Swift's thread-safe lazy `static let`.
enum SrtpLibrary {
    private static let initialisation: SrtpError? = {
        do throws(SrtpError) {
            try SrtpError.check(srtp_init(), "srtp_init")
            return nil
        } catch {
            return error
        }
    }()

    static func ensureInitialised() throws(SrtpError) {
        if let error = initialisation { throw error }
    }
}
