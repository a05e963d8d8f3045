import Foundation
import TelltaleStore

/// `/servers/{name}` and `/clients/{name}?clientVersion=…`: one peer's numbers, charts and tools.
struct PeerDetailPage {
    let store: any CallStore
    let side: PeersPage.Side
    let name: String

    func render(_ request: DashboardRequest) async throws -> DashboardPage {
        var query = request.query
        if side == .servers { query.server = name } else { query.client = name }
        let noun = side == .servers ? "Server" : "Client"
        let version = side == .clients ? request.filters.clientVersion : nil
        let label = version.map { "\(name) \($0)" } ?? name
        let heading: HTML = "\(noun): <span id=\"peer-name\">\(label)</span>"
        let back: HTML = "<p><a href=\"\(request.filters.withoutClientVersion.link(side.path))\">← All \(side.rawValue)</a></p>"
        // The queries run concurrently (the store reads from a pool).
        let bucket = Analytics.bucketSeconds(for: request.filters.seconds)
        var versionsQuery = query
        versionsQuery.clientVersion = nil
        async let summaryResult = store.summary(query)
        async let seriesResult = store.timeseries(query, bucketSeconds: bucket)
        async let toolsResult = store.targets(.tool, query)
        async let versionsResult = side == .clients ? store.clients(versionsQuery) : store.servers(query)
        let summary = try await summaryResult
        guard summary.calls > 0 else {
            return DashboardPage(title: "\(noun) \(label)", heading: heading,
                                 body: back + DashboardComponents.noDataYet(request, what: "calls from this \(noun.lowercased())"))
        }
        let series = try await seriesResult
        let tools = try await toolsResult
        let versions = try await versionsResult
        let toolTable = SortableTable<TargetStats>(
            id: "peer-tools",
            caption: "Tools called \(side == .servers ? "on" : "by") this \(noun.lowercased()).",
            columns: [
                .init(key: "name", label: "Tool", numeric: false, sortKey: { .text($0.name) },
                      cell: { DashboardComponents.targetLink(.tool, $0.name, request) }),
            ] + DashboardComponents.statColumns(
                calls: \.calls, errors: \.errors, rate: \.errorRate, p50: \.p50Ms, p95: \.p95Ms, p99: \.p99Ms
            ) + [DashboardComponents.lastSeenColumn("Last used", now: request.now, \.lastSeen)],
            defaultSort: "requests"
        )
        let side = side
        let versionItems = versions.map { row -> HTML in
            let text = "\(row.version ?? "unknown"): \(DashboardFormat.count(row.calls)) calls, \(DashboardFormat.percent(row.errorRate)) errors"
            guard side == .clients, let version = row.version else { return "<li>\(text)</li>" }
            return "<li><a href=\"\(PeersPage.href(.clients, name, version: version, request))\">\(text)</a></li>"
        }
        let body: HTML = """
        \(back)
        \(DashboardComponents.summaryCards(summary))
        \(DashboardComponents.timeseriesPanels(series, bucketSeconds: bucket))
        <h2>Versions</h2>
        <ul id="peer-versions">\(versionItems)</ul>
        <h2>Tools</h2>
        \(tools.isEmpty ? "<p class=\"muted\">No tool calls.</p>" : toolTable.render(tools, request))
        """
        return DashboardPage(title: "\(noun) \(label)", heading: heading, body: body)
    }
}
