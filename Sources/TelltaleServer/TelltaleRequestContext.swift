import Hummingbird
import TelltaleStore

/// The request context of the Telltale server: Hummingbird's core storage plus the authenticated key.
public struct TelltaleRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The key the request authenticated with; set by ``AuthMiddleware`` on protected routes. For a request
    /// authenticated by a dashboard session cookie: the session's grant (key id 0 for a sign-in-link session).
    public var key: AuthenticatedKey?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.key = nil
    }

    /// The authenticated key, or a 401 when the route was reached without authentication.
    func requireKey() throws -> AuthenticatedKey {
        guard let key else { throw APIError.unauthorized("no `Authorization: Bearer <key>` header") }
        return key
    }
}
