public import Hummingbird
internal import SluiceEngine
internal import SluiceNet
internal import Logging
internal import NIOCore

/// Turns every error into a problem+json response: engine errors by kind, unknown routes into
/// 404 or 405, and anything unexpected into a logged 500 that never takes the process down.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return try problem(for: error, request: request, context: context).response(from: request, context: context)
        }
    }

    private func problem(for error: any Error, request: Request, context: Context) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let engineError as EngineError:
            return Problem(engineError)
        case let netError as NetError:
            switch netError {
            case .roomNotFound: return .notFound(netError.description)
            case .portRangeExhausted, .bindFailed: return Problem(.serviceUnavailable, "no-port", netError.description)
            }
        case is NIOTooManyBytesError:
            return Problem(.contentTooLarge, "body-too-large", "request body is larger than \(routes.maxBodySize) bytes")
        case let httpError as HTTPError where httpError.status == .notFound:
            let path = request.uri.path
            let allowed = routes.methods(matching: path)
            if !allowed.isEmpty {
                var problem = Problem(
                    .methodNotAllowed, "method-not-allowed",
                    "\(request.method.rawValue) is not allowed on \(path); allowed: \(allowed.joined(separator: ", "))")
                problem.extraHeaders[.allow] = allowed.joined(separator: ", ")
                return problem
            }
            return .notFound("no route for \(request.method.rawValue) \(path)")
        case let httpError as any HTTPResponseError:
            return Problem(httpError.status, "http-error", "\(error)")
        default:
            context.logger.error("unexpected error", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            return Problem(.internalServerError, "internal", "internal error; see the server log")
        }
    }
}

extension Problem {
    init(_ error: EngineError) {
        switch error {
        case .notFound(let detail): self = .notFound(detail)
        case .invalid(let detail): self = .invalid(detail)
        case .conflict(let detail): self = .conflict(detail)
        case .unsupported(let detail): self.init(.unprocessableContent, "unsupported", detail)
        case .notImplemented(let detail): self.init(.notImplemented, "not-implemented", detail)
        }
    }
}

/// The routes we serve, kept to tell "wrong method" (405) from "no such route" (404).
final class RouteTable: Sendable {
    let maxBodySize: Int
    private let entries: [(method: String, segments: [Substring])]

    init(maxBodySize: Int, entries: [(HTTPRequest.Method, String)]) {
        self.maxBodySize = maxBodySize
        self.entries = entries.map { ($0.0.rawValue, $0.1.split(separator: "/")) }
    }

    func methods(matching path: String) -> [String] {
        let segments = path.split(separator: "/")
        var methods: [String] = []
        for entry in entries where entry.segments.count == segments.count {
            let matches = zip(entry.segments, segments).allSatisfy { pattern, segment in
                pattern.hasPrefix(":") || pattern == segment
            }
            if matches && !methods.contains(entry.method) { methods.append(entry.method) }
        }
        return methods
    }
}
