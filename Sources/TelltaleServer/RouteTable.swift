import Hummingbird
import TelltaleStore

/// Registers the server's routes on a Hummingbird router and remembers each one, so tests can check them
/// against the OpenAPI document.
final class RouteTable {
    /// One registered route, its path in OpenAPI syntax (`/api/v1/calls/{id}`).
    struct Route: Hashable, Sendable, CustomStringConvertible {
        var method: HTTPRequest.Method
        var path: String
        var description: String { "\(method.rawValue) \(path)" }
    }

    typealias Handler = @Sendable (Request, TelltaleRequestContext) async throws -> Response

    let router: Router<TelltaleRequestContext>
    /// The routes registered so far, shared with ``ErrorMiddleware`` to tell 405 from 404.
    let registry: RouteRegistry
    var routes: [Route] { registry.routes }
    private var groups: [KeyScope: RouterGroup<TelltaleRequestContext>] = [:]
    private let store: any CallStore

    init(router: Router<TelltaleRequestContext>, store: any CallStore, registry: RouteRegistry) {
        self.router = router
        self.store = store
        self.registry = registry
    }

    /// Adds a route; with a `scope`, only keys allowing it reach `handler` (others get 401/403).
    func add(_ method: HTTPRequest.Method, _ path: String, scope: KeyScope? = nil, handler: @escaping Handler) {
        registry.add(Route(method: method, path: path))
        if let scope {
            group(for: scope).on(RouterPath(path), method: method, use: handler)
        } else {
            router.on(RouterPath(path), method: method, use: handler)
        }
    }

    private func group(for scope: KeyScope) -> RouterGroup<TelltaleRequestContext> {
        if let group = groups[scope] { return group }
        let group = router.group().add(middleware: AuthMiddleware(store: store, required: scope))
        groups[scope] = group
        return group
    }
}
