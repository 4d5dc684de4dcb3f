public import Hummingbird
internal import Foundation

/// An RFC 9457 problem: every error the API answers, as `application/problem+json`.
public struct Problem: Error, HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    /// Short slug naming the kind of problem (`invalid-body`, `not-found`, …).
    public let slug: String
    public let detail: String
    public var extraHeaders: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ slug: String, _ detail: String) {
        self.status = status
        self.slug = slug
        self.detail = detail
    }

    public var headers: HTTPFields { extraHeaders }

    private struct Body: Encodable {
        let type: String
        let title: String
        let status: Int
        let detail: String
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = Body(
            type: "https://sluice.dev/problems/\(slug)", title: status.reasonPhrase, status: status.code, detail: detail)
        let data = (try? JSONCoding.encoder.encode(body)) ?? Data("{}".utf8)
        var headers = extraHeaders
        headers[.contentType] = "application/problem+json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func invalid(_ detail: String) -> Problem { Problem(.badRequest, "invalid-request", detail) }
    static func notFound(_ detail: String) -> Problem { Problem(.notFound, "not-found", detail) }
    static func conflict(_ detail: String) -> Problem { Problem(.conflict, "conflict", detail) }
}
