internal import SluiceCrypto
public import NIOCore
internal import Foundation

/// SRTP for one transport: our key protects what we send, the peer's key unprotects what it sends.
final class SrtpContext {
    private let outbound: SrtpSession
    private let inbound: SrtpSession

    init(suite: SrtpCryptoSuite, localKey: [UInt8], remoteKey: [UInt8]) throws {
        guard let profile = SrtpProfile(rawValue: suite.rawValue) else {
            throw EngineError.invalid("srtpCryptoSuite: \(suite.rawValue) is not supported")
        }
        outbound = try SrtpSession(profile: profile, keyAndSalt: localKey, direction: .outbound)
        inbound = try SrtpSession(profile: profile, keyAndSalt: remoteKey, direction: .inbound)
    }

    /// From the keys a DTLS handshake exported.
    init(profile: SrtpProfile, localKey: [UInt8], remoteKey: [UInt8]) throws {
        outbound = try SrtpSession(profile: profile, keyAndSalt: localKey, direction: .outbound)
        inbound = try SrtpSession(profile: profile, keyAndSalt: remoteKey, direction: .inbound)
    }

    convenience init(local: SrtpParameters, remote: SrtpParameters) throws {
        guard let localKey = Data(base64Encoded: local.keyBase64), let remoteKey = Data(base64Encoded: remote.keyBase64) else {
            throw EngineError.invalid("srtpParameters.keyBase64: not valid base64")
        }
        try self.init(suite: local.cryptoSuite, localKey: Array(localKey), remoteKey: Array(remoteKey))
    }

    func protectRtp(_ buffer: inout ByteBuffer) -> Bool { grow(&buffer, outbound.protectRtp) }
    func protectRtcp(_ buffer: inout ByteBuffer) -> Bool { grow(&buffer, outbound.protectRtcp) }
    func unprotectRtp(_ buffer: inout ByteBuffer) -> Bool { transform(&buffer, inbound.unprotectRtp) }
    func unprotectRtcp(_ buffer: inout ByteBuffer) -> Bool { transform(&buffer, inbound.unprotectRtcp) }

    /// Makes room for the authentication tag, then transforms in place.
    private func grow(_ buffer: inout ByteBuffer, _ operation: (UnsafeMutableRawBufferPointer, Int) throws(SrtpError) -> Int) -> Bool {
        let length = buffer.readableBytes
        buffer.writeRepeatingByte(0, count: SrtpSession.maxTrailerLength)
        return apply(&buffer, length: length, operation)
    }

    private func transform(_ buffer: inout ByteBuffer, _ operation: (UnsafeMutableRawBufferPointer, Int) throws(SrtpError) -> Int) -> Bool {
        apply(&buffer, length: buffer.readableBytes, operation)
    }

    private func apply(_ buffer: inout ByteBuffer, length: Int, _ operation: (UnsafeMutableRawBufferPointer, Int) throws(SrtpError) -> Int) -> Bool {
        let newLength: Int? = buffer.withUnsafeMutableReadableBytes { bytes in
            try? operation(bytes, length)
        }
        guard let newLength, newLength >= 0, newLength <= buffer.readableBytes else { return false }
        buffer.moveWriterIndex(to: buffer.readerIndex + newLength)
        return true
    }
}
