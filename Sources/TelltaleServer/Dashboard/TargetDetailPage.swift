import Foundation
import TelltaleStore

/// `/tools/{name}`, `/prompts/{name}`, `/resources/detail?uri=…`: one target's numbers, charts, clients and
/// the sessions that failed on it.
struct TargetDetailPage {
    let store: any CallStore
    let kind: TargetKind
    let name: String

    func render(_ request: DashboardRequest) async throws -> DashboardPage {
        var query = request.query
        switch kind {
        case .tool: query.tool = name
        case .prompt: query.prompt = name
        case .resource: query.resource = name
        }
        let noun = kind == .resource ? "Resource" : (kind == .tool ? "Tool" : "Prompt")
        // The four queries run concurrently (the store reads from a pool).
        let bucket = Analytics.bucketSeconds(for: request.filters.seconds)
        async let summaryResult = store.summary(query)
        async let seriesResult = store.timeseries(query, bucketSeconds: bucket)
        // Per client version from the rollups' breakdown: the clients table's per-peer session counts are
        // not shown here, and counting them over a week of sessions would be the slowest query of the page.
        async let clientsResult = store.breakdown(query, by: [.client, .clientVersion], bucketSeconds: nil, latency: true)
        async let sessionsResult = store.sessions(query, order: .errors, limit: 20)
        let summary = try await summaryResult
        let heading: HTML = "\(noun): <span id=\"target-name\">\(name)</span>"
        let back: HTML = "<p><a href=\"\(request.filters.link(TargetsPage.path(kind)))\">← All \(TargetsPage.title(kind).lowercased())</a></p>"
        guard summary.calls > 0 else {
            return DashboardPage(title: "\(noun) \(name)", heading: heading,
                                 body: back + DashboardComponents.noDataYet(request, what: "calls to this \(noun.lowercased())"))
        }
        let series = try await seriesResult
        let clients = try await clientsResult.compactMap(Self.peer)
        let sessions = try await sessionsResult
        let clientTable = SortableTable<PeerStats>(
            id: "target-clients",
            caption: "Clients calling this \(noun.lowercased()).",
            columns: [
                .init(key: "name", label: "Client", numeric: false, sortKey: { .text($0.name) },
                      cell: { "<a href=\"\(PeersPage.href(.clients, $0.name, version: $0.version, request))\">\($0.name)</a>" }),
                .init(key: "version", label: "Version", numeric: false, sortKey: { .text($0.version ?? "") },
                      cell: { HTML.text($0.version ?? "–") }),
            ] + DashboardComponents.statColumns(
                calls: \.calls, errors: \.errors, rate: \.errorRate, p50: \.p50Ms, p95: \.p95Ms, p99: \.p99Ms
            ),
            defaultSort: "requests"
        )
        let body: HTML = """
        \(back)
        \(DashboardComponents.summaryCards(summary))
        \(DashboardComponents.timeseriesPanels(series, bucketSeconds: bucket))
        <h2>Clients</h2>
        \(clientTable.render(clients, request))
        <h2>Sessions with the most errors</h2>
        \(SessionsPage.table(sessions, request, id: "target-sessions"))
        """
        return DashboardPage(title: "\(noun) \(name)", heading: heading, body: body)
    }

    /// A breakdown row by client and version as a clients-table row (nil for calls from an unnamed client).
    static func peer(_ row: BreakdownRow) -> PeerStats? {
        guard let client = row.client else { return nil }
        return PeerStats(
            name: client, version: row.clientVersion, calls: row.calls, errors: row.errors, errorRate: row.errorRate,
            sessions: 0, p50Ms: row.latency?.p50Ms, p95Ms: row.latency?.p95Ms, p99Ms: row.latency?.p99Ms,
            firstSeen: row.firstSeen, lastSeen: row.lastSeen)
    }
}
