import Foundation
import TelltaleStore

/// `/tools`, `/prompts`, `/resources`: one row per target with request, error and latency stats.
struct TargetsPage {
    let store: any CallStore
    let kind: TargetKind

    static func path(_ kind: TargetKind) -> String {
        switch kind {
        case .tool: "/tools"
        case .prompt: "/prompts"
        case .resource: "/resources"
        }
    }

    static func title(_ kind: TargetKind) -> String {
        switch kind {
        case .tool: "Tools"
        case .prompt: "Prompts"
        case .resource: "Resources"
        }
    }

    func render(_ request: DashboardRequest) async throws -> DashboardPage {
        let rows = try await store.targets(kind, request.query)
        let title = Self.title(kind)
        guard !rows.isEmpty else {
            return DashboardPage(title: title, body: DashboardComponents.noDataYet(request, what: "\(kind.method) calls"))
        }
        let table = SortableTable<TargetStats>(
            id: "\(kind.rawValue)-table",
            caption: "\(rows.count) \(title.lowercased()) called with \(kind.method); select a name for its charts.",
            columns: [
                .init(key: "name", label: kind == .resource ? "URI" : "Name", numeric: false, sortKey: { .text($0.name) },
                      cell: { DashboardComponents.targetLink(kind, $0.name, request) }),
            ] + DashboardComponents.statColumns(
                calls: \.calls, errors: \.errors, rate: \.errorRate, p50: \.p50Ms, p95: \.p95Ms, p99: \.p99Ms
            ) + [DashboardComponents.lastSeenColumn("Last used", now: request.now, \.lastSeen)],
            defaultSort: "requests"
        )
        return DashboardPage(title: title, body: table.render(rows, request))
    }
}
