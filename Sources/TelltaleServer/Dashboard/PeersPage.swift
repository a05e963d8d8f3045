import Foundation
import TelltaleStore

/// `/servers` and `/clients`: one row per name and version with request, error, session and latency stats.
struct PeersPage {
    /// Which peer the page lists.
    enum Side: String, CaseIterable, Sendable {
        case servers, clients

        var path: String { "/\(rawValue)" }
        var title: String { self == .servers ? "Servers" : "Clients" }
        /// The filter parameter naming one peer.
        var filterName: String { self == .servers ? "server" : "client" }
    }

    let store: any CallStore
    let side: Side

    func render(_ request: DashboardRequest) async throws -> DashboardPage {
        let rows = side == .servers ? try await store.servers(request.query) : try await store.clients(request.query)
        guard !rows.isEmpty else {
            return DashboardPage(title: side.title, body: DashboardComponents.noDataYet(request, what: "\(side.rawValue)"))
        }
        let side = side
        let table = SortableTable<PeerStats>(
            id: "\(side.rawValue)-table",
            caption: "\(rows.count) \(side.rawValue) (name and version); select a name for its charts.",
            columns: [
                .init(key: "name", label: "Name", numeric: false, sortKey: { .text($0.name) },
                      cell: { "<a href=\"\(Self.href(side, $0.name, version: $0.version, request))\">\($0.name)</a>" }),
                .init(key: "version", label: "Version", numeric: false, sortKey: { .text($0.version ?? "") },
                      cell: { HTML.text($0.version ?? "–") }),
            ] + DashboardComponents.statColumns(
                calls: \.calls, errors: \.errors, rate: \.errorRate, p50: \.p50Ms, p95: \.p95Ms, p99: \.p99Ms
            ) + [
                .init(key: "sessions", label: "Sessions", numeric: true, sortKey: { .number(Double($0.sessions)) },
                      cell: { HTML.text(DashboardFormat.count($0.sessions)) }),
                DashboardComponents.lastSeenColumn("Last seen", now: request.now, \.lastSeen),
            ],
            defaultSort: "requests"
        )
        return DashboardPage(title: side.title, body: table.render(rows, request))
    }

    /// The detail page of one peer (a client's version goes in `clientVersion`).
    static func href(_ side: Side, _ name: String, version: String?, _ request: DashboardRequest) -> String {
        let path = "\(side.path)/\(URLQuery.encode(name))"
        if side == .clients, let version { return request.filters.link(path, [("clientVersion", version)]) }
        return request.filters.link(path)
    }
}
