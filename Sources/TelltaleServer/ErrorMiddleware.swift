import Hummingbird
import Logging

/// Turns every error into a JSON reply `{"error": "..."}`: ``APIError`` as is, Hummingbird's `HTTPError`
/// with its status and message, anything else as a logged 500.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = TelltaleRequestContext

    /// The served routes, to answer 405 (with `Allow`) rather than 404 when only the method is wrong.
    let registry: RouteRegistry

    func handle(
        _ request: Request, context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as HTTPError {
            if error.status == .notFound {
                let allowed = registry.methods(forPath: request.uri.path)
                if !allowed.isEmpty {
                    throw APIError(
                        .methodNotAllowed, "method \(request.method) is not allowed on \(request.uri.path)",
                        details: ["allowed": allowed.map(\.rawValue).joined(separator: ", ")],
                        headers: [.allow: allowed.map(\.rawValue).joined(separator: ", ")]
                    )
                }
            }
            let message: String
            switch error.status {
            case .notFound: message = "no route for \(request.method) \(request.uri.path)"
            case .methodNotAllowed: message = "method \(request.method) is not allowed on \(request.uri.path)"
            default: message = error.body ?? error.status.reasonPhrase
            }
            throw APIError(error.status, message, headers: error.headers)
        } catch {
            context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            throw APIError(.internalServerError, "internal error: \(error)")
        }
    }
}
