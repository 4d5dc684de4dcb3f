import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import SluiceAPI
import SluiceCrypto
import SluiceEngine
import SluiceNet
import SluiceRTP
import Testing

/// RTC ports the test pools bind from.
let testPortRange = 46000...46999

/// Router capabilities and DTLS fingerprints, generated once for the whole run.
let testRouterConfiguration: RouterConfiguration = {
    let capabilities = try! Ortc.generateRouterRtpCapabilities(mediaCodecs: SupportedRtpCapabilities.defaultMediaCodecs)
    let certificate = try! DtlsCertificate.generate()
    return RouterConfiguration(
        rtpCapabilities: capabilities,
        dtlsFingerprints: certificate.fingerprints.map {
            DtlsFingerprintParameters(algorithm: $0.algorithm.rawValue, value: $0.value)
        })
}()

/// Starts a one-worker pool on 127.0.0.1, runs `body` against the app with the router test
/// framework, and shuts the pool down whatever happens.
func withSluice(
    maxBodySize: Int = 1 << 20, _ body: @Sendable (Client) async throws -> Void
) async throws {
    let pool = try await WorkerPool.start(
        configuration: NetConfiguration(
            workers: 1, listenIp: "127.0.0.1", announcedIp: "127.0.0.1", portRange: testPortRange),
        routerConfiguration: testRouterConfiguration)
    do {
        let routes = SluiceRoutes(pool: pool, configuration: APIConfiguration(maxBodySize: maxBodySize))
        let app = Application(router: routes.buildRouter())
        try await app.test(.router) { client in try await body(Client(client: client, pool: pool)) }
    } catch {
        try? await pool.shutdown()
        throw error
    }
    try await pool.shutdown()
}

/// One HTTP answer, body kept as bytes.
struct Reply: Sendable {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let body: Data

    var code: Int { status.code }
    var text: String { String(decoding: body, as: UTF8.self) }
    var json: JSON { JSON((try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed])) as Any?) }
    var contentType: String? { headers[.contentType] }
}

/// The API as tests drive it: raw JSON text in, `Reply` out.
struct Client: Sendable {
    let client: any TestClientProtocol
    /// The pool behind the app, for what HTTP cannot show (event subscribers).
    let pool: WorkerPool

    func send(_ method: HTTPRequest.Method, _ uri: String, _ body: String? = nil) async throws -> Reply {
        var headers: HTTPFields = [:]
        if body != nil { headers[.contentType] = "application/json" }
        return try await client.execute(
            uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }
        ) { response in
            Reply(status: response.status, headers: response.headers, body: Data(response.body.readableBytesView))
        }
    }

    func get(_ uri: String) async throws -> Reply { try await send(.get, uri) }
    func post(_ uri: String, _ body: String? = nil) async throws -> Reply { try await send(.post, uri, body) }
    func delete(_ uri: String) async throws -> Reply { try await send(.delete, uri) }
}

/// Minimal read-only view of a `JSONSerialization` tree.
struct JSON: @unchecked Sendable {
    let raw: Any?
    init(_ raw: Any?) { self.raw = raw }

    subscript(key: String) -> JSON { JSON((raw as? [String: Any])?[key]) }
    subscript(index: Int) -> JSON {
        guard let array = raw as? [Any], array.indices.contains(index) else { return JSON(nil) }
        return JSON(array[index])
    }
    var exists: Bool { raw != nil && !(raw is NSNull) }
    var string: String? { raw as? String }
    var int: Int? { raw is String ? nil : (raw as? NSNumber)?.intValue }
    var bool: Bool? { raw as? Bool }
    var array: [JSON]? { (raw as? [Any])?.map(JSON.init) }
    var keys: Set<String> { Set((raw as? [String: Any])?.keys.map { $0 } ?? []) }
    var count: Int { (raw as? [Any])?.count ?? (raw as? [String: Any])?.count ?? 0 }
    /// The value re-encoded compactly with sorted keys (to pass capabilities back in a body).
    var text: String {
        guard let raw, let data = try? JSONSerialization.data(withJSONObject: raw, options: [.sortedKeys, .fragmentsAllowed])
        else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }
}

/// Checks a reply is an RFC 9457 problem with the given status; returns its detail.
@discardableResult
func expectProblem(
    _ reply: Reply, _ status: Int, detailContains fragment: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) -> String {
    #expect(reply.code == status, "expected \(status), got \(reply.code): \(reply.text)", sourceLocation: sourceLocation)
    #expect(reply.contentType == "application/problem+json", sourceLocation: sourceLocation)
    let problem = reply.json
    #expect(problem["status"].int == reply.code, "body status must equal HTTP status", sourceLocation: sourceLocation)
    let detail = problem["detail"].string ?? ""
    #expect(!detail.isEmpty, "detail must not be empty", sourceLocation: sourceLocation)
    let type = problem["type"].string ?? ""
    #expect(
        type == "about:blank" || type.hasPrefix("https://sluice.dev/problems/"), "type: \(type)",
        sourceLocation: sourceLocation)
    #expect(!(problem["title"].string ?? "").isEmpty, sourceLocation: sourceLocation)
    if let fragment {
        #expect(detail.contains(fragment), "detail '\(detail)' should mention '\(fragment)'", sourceLocation: sourceLocation)
    }
    return detail
}

/// Checks a 2xx reply with an empty body.
func expectEmpty(_ reply: Reply, _ status: Int, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(reply.code == status, "expected \(status), got \(reply.code): \(reply.text)", sourceLocation: sourceLocation)
    #expect(reply.body.isEmpty, "body should be empty: \(reply.text)", sourceLocation: sourceLocation)
}

/// Checks a JSON success reply; absent keys must be omitted, never `null`.
func expectJSON(_ reply: Reply, _ status: Int = 200, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(reply.code == status, "expected \(status), got \(reply.code): \(reply.text)", sourceLocation: sourceLocation)
    #expect(reply.contentType == "application/json", sourceLocation: sourceLocation)
    #expect(reply.json.exists, "body must be JSON: \(reply.text)", sourceLocation: sourceLocation)
    #expect(!containsNull(reply.json.raw), "body must not contain null: \(reply.text)", sourceLocation: sourceLocation)
}

private func containsNull(_ value: Any?) -> Bool {
    switch value {
    case is NSNull: return true
    case let object as [String: Any]: return object.values.contains(where: containsNull)
    case let array as [Any]: return array.contains(where: containsNull)
    default: return false
    }
}
