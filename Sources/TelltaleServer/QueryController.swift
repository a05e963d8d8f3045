import Foundation
import Hummingbird
import TelltaleCore
import TelltaleStore

/// The read API: summary, per-target, per-peer and per-session stats, call drill-down, and the analyses
/// (time series, error matrix, throughput, session error concentration, client regressions).
struct QueryController {
    let store: any CallStore
    let configuration: ServerConfiguration
    var analytics: Analytics { Analytics(store: store) }

    /// Default and largest `limit` of `/sessions`.
    static let sessionsLimit = (default: 100, max: 1000)
    /// Default and largest `limit` of `/sessions/{id}/calls`.
    static let sessionCallsLimit = (default: 1000, max: 10_000)

    func register(on routes: RouteTable) {
        routes.add(.get, "/api/v1/summary", scope: .read) { request, context in
            let query = try parse(request, context)
            return try JSONBody.response(SummaryReply(from: query.from, to: query.to, stats: try await store.summary(query)))
        }
        for (path, kind) in [("tools", TargetKind.tool), ("prompts", .prompt), ("resources", .resource)] {
            routes.add(.get, "/api/v1/\(path)", scope: .read) { request, context in
                let query = try parse(request, context)
                return try list(try await store.targets(kind, query), query)
            }
        }
        routes.add(.get, "/api/v1/clients", scope: .read) { request, context in
            let query = try parse(request, context)
            return try list(try await store.clients(query), query)
        }
        routes.add(.get, "/api/v1/servers", scope: .read) { request, context in
            let query = try parse(request, context)
            return try list(try await store.servers(query), query)
        }
        routes.add(.get, "/api/v1/sessions", scope: .read) { request, context in
            let query = try parse(request, context)
            let limit = try QueryParameters.integer(
                request, "limit", default: Self.sessionsLimit.default, range: 1...Self.sessionsLimit.max
            )
            let order = try Self.sessionOrder(request)
            return try list(try await store.sessions(query, order: order, limit: limit), query)
        }
        routes.add(.get, "/api/v1/sessions/{id}/calls", scope: .read) { request, context in
            let query = try parse(request, context)
            let session = try context.pathParameter("id")
            let limit = try QueryParameters.integer(
                request, "limit", default: Self.sessionCallsLimit.default, range: 1...Self.sessionCallsLimit.max
            )
            let calls = try await store.sessionCalls(session: session, query: query, limit: limit)
            return try JSONBody.response(ItemsReply(items: calls, from: query.from, to: query.to, session: session))
        }
        routes.add(.get, "/api/v1/calls/{id}", scope: .read) { request, context in
            let key = try context.requireKey()
            let id = try context.pathParameter("id")
            guard let call = try await store.call(id: id, project: key.project.id) else {
                throw APIError.notFound("no call with id '\(id)'")
            }
            return try JSONBody.response(call)
        }
        registerAnalytics(on: routes)
    }

    func parse(_ request: Request, _ context: TelltaleRequestContext) throws -> CallQuery {
        let key = try context.requireKey()
        let parameters = try QueryParameters(request, now: Date(), defaultRange: configuration.defaultRange)
        return parameters.callQuery(project: key.project.id)
    }

    func list<Item: Encodable & Sendable>(_ items: [Item], _ query: CallQuery) throws -> Response {
        try JSONBody.response(ItemsReply(items: items, from: query.from, to: query.to))
    }

    /// The `order` of `/sessions`: `recent` (default), `errors` or `calls`.
    static func sessionOrder(_ request: Request) throws -> SessionOrder {
        guard let raw = request.uri.queryParameters["order"], !raw.isEmpty else { return .recent }
        guard let order = SessionOrder(rawValue: String(raw)) else {
            let accepted = SessionOrder.allCases.map(\.rawValue).joined(separator: "|")
            throw APIError.badRequest("'order' must be one of \(accepted), got '\(raw)'", details: ["parameter": "order"])
        }
        return order
    }
}
