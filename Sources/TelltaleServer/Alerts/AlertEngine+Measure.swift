import Foundation
import TelltaleCore
import TelltaleStore

extension AlertEngine {
    /// The store query of a rule's scope over `[from, to)`.
    static func query(_ scope: AlertScope, project: ProjectID, from: Date, to: Date) -> CallQuery {
        CallQuery(
            project: project, from: from, to: to, server: scope.server, client: scope.client,
            clientVersion: scope.clientVersion, tool: scope.tool, prompt: scope.prompt, resource: scope.resource,
            method: scope.method, tags: scope.tags)
    }

    /// The counts of the rule's scope over `[now − window, now)` (and the preceding window for a
    /// throughput collapse), from the rollups.
    func measure(_ rule: AlertRule, project: ProjectID, now: Date) async throws -> AlertWindowCounts {
        let window = TimeInterval(rule.windowSeconds)
        let start = now.addingTimeInterval(-window)
        let summary = try await store.callTotals(Self.query(rule.scope, project: project, from: start, to: now))
        var counts = Self.counts(summary)
        if case .throughputCollapse = rule.condition {
            let baseline = try await store.callTotals(
                Self.query(rule.scope, project: project, from: start.addingTimeInterval(-window), to: start))
            counts.baselineRequests = baseline.calls
        }
        return counts
    }

    /// A summary's counts as conditions read them.
    static func counts(_ summary: SummaryStats) -> AlertWindowCounts {
        let ok = summary.outcomes[CallOutcome.ok.rawValue] ?? 0
        return AlertWindowCounts(
            requests: summary.calls, notifications: summary.notifications, failed: summary.calls - ok,
            toolErrors: summary.outcomes[CallOutcome.toolError.rawValue] ?? 0,
            p50Ms: summary.latency.p50Ms, p95Ms: summary.latency.p95Ms, p99Ms: summary.latency.p99Ms)
    }
}
