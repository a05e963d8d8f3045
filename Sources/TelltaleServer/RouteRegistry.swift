import Hummingbird
import Synchronization

/// The method and path of every registered route, readable while serving (to answer 405 with `Allow`).
final class RouteRegistry: Sendable {
    private let entries = Mutex<[RouteTable.Route]>([])

    /// All routes, in registration order.
    var routes: [RouteTable.Route] { entries.withLock { $0 } }

    func add(_ route: RouteTable.Route) {
        entries.withLock { $0.append(route) }
    }

    /// The methods served on a concrete request path (`{name}` segments match any one segment).
    func methods(forPath path: String) -> [HTTPRequest.Method] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        return routes.filter { route in
            let pattern = route.path.split(separator: "/", omittingEmptySubsequences: true)
            guard pattern.count == segments.count else { return false }
            return zip(pattern, segments).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
        }.map(\.method)
    }
}
