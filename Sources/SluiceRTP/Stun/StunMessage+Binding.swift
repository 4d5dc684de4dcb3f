extension StunMessage {
    /// A binding success response to `request` with XOR-MAPPED-ADDRESS of the given IPv4/IPv6 address (16 or 4 raw bytes) and port.
    ///
    /// The response carries the request's transaction ID. Serialise it with the local ICE password
    /// and a fingerprint, as ICE requires (RFC 8445 §7.3).
    public static func bindingSuccess(to request: StunMessage, mappedAddress: [UInt8], port: UInt16) -> StunMessage {
        StunMessage(
            messageClass: .successResponse, method: bindingMethod, transactionId: request.transactionId,
            attributes: [.xorMappedAddress(address: mappedAddress, port: port)])
    }

    /// A binding error response (e.g. 401 Unauthorized, 400 Bad Request) with ERROR-CODE.
    ///
    /// `code` is clamped to 0...799 when written (class × 100 + number).
    public static func bindingError(to request: StunMessage, code: Int, reason: String) -> StunMessage {
        StunMessage(
            messageClass: .errorResponse, method: bindingMethod, transactionId: request.transactionId,
            attributes: [.errorCode(code: code, reason: reason)])
    }
}
