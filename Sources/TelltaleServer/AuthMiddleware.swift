import Foundation
import Hummingbird
import TelltaleStore

/// Checks `Authorization: Bearer <key>` (or, for reads, the dashboard session cookie) and requires a scope.
///
/// Missing or unknown keys get 401 `{"error": "invalid API key"}`; a known key whose scope does not allow
/// `required` (admin allows everything) gets 403. Without an `Authorization` header, a `GET`/`HEAD` request
/// carrying a live `telltale_session` cookie acts with the session's grant: its selected project and scope
/// (so the dashboard's browser can call the JSON API). Cookies never authorize writes such as ingest.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = TelltaleRequestContext

    let store: any CallStore
    let required: KeyScope

    func handle(
        _ request: Request, context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let header = request.headers[.authorization] else {
            if request.method == .get || request.method == .head,
               let token = SessionCookie.token(in: request),
               let session = try await store.dashboardSession(token: token, now: Date()) {
                return try await authorized(DashboardAuth.key(for: session), request, context, next)
            }
            throw APIError.unauthorized("no `Authorization: Bearer <key>` header")
        }
        guard let token = Self.bearerToken(header) else {
            throw APIError.unauthorized("the Authorization header is not `Bearer <key>`")
        }
        guard let key = try await store.authenticate(key: token) else {
            throw APIError.unauthorized("unknown or revoked key")
        }
        return try await authorized(key, request, context, next)
    }

    /// Passes the request on with `key` when its scope allows `required`, else 403.
    private func authorized(
        _ key: AuthenticatedKey, _ request: Request, _ context: Context,
        _ next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard key.scope.allows(required) else {
            throw APIError(
                .forbidden, "this key has scope '\(key.scope.rawValue)', which does not allow \(required.rawValue)",
                details: ["scope": key.scope.rawValue, "required": required.rawValue]
            )
        }
        var context = context
        context.key = key
        return try await next(request, context)
    }

    /// The token of a `Bearer <token>` header value (scheme case-insensitive), or nil.
    static func bearerToken(_ header: String) -> String? {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard trimmed.count > 7, trimmed.prefix(7).lowercased() == "bearer " else { return nil }
        let token = trimmed.dropFirst(7).trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}
