import Foundation
import TelltaleStore

/// `/`: calls, error rate, sessions and latency percentiles for the range, with calls, errors by outcome
/// and p95 over time.
struct OverviewPage {
    let store: any CallStore

    func render(_ request: DashboardRequest) async throws -> DashboardPage {
        let bucket = Analytics.bucketSeconds(for: request.filters.seconds)
        let report = try await Analytics(store: store).overview(request.query, bucketSeconds: bucket)
        guard report.summary.calls > 0 || report.summary.notifications > 0 else {
            return DashboardPage(title: "Overview", body: DashboardComponents.noDataYet(request, what: "MCP calls"))
        }
        let outcomes = DashboardComponents.errorOutcomes.map { outcome -> HTML in
            let count = report.summary.outcomes[outcome.name] ?? 0
            return "<li>\(outcome.label): <strong>\(DashboardFormat.count(count))</strong></li>"
        }
        let body: HTML = """
        \(DashboardComponents.summaryCards(report.summary))
        <ul class="key" id="outcome-counts" aria-label="Failed requests by outcome">\(outcomes)</ul>
        \(DashboardComponents.timeseriesPanels(report.timeseries, bucketSeconds: report.bucketSeconds))
        """
        return DashboardPage(title: "Overview", body: body)
    }
}
