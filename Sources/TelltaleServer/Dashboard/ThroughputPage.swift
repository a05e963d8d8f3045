import Foundation
import TelltaleStore

/// `/throughput`: calls per tool over time as small multiples; a tool that fell silent against its own
/// baseline gets a red badge and the time it went silent.
struct ThroughputPage {
    let store: any CallStore

    func render(_ request: DashboardRequest) async throws -> DashboardPage {
        let bucket = Analytics.bucketSeconds(for: request.filters.seconds)
        let report = try await Analytics(store: store).throughput(request.query, bucketSeconds: bucket)
        let title = "Throughput by tool"
        guard !report.tools.isEmpty else {
            return DashboardPage(title: title, body: DashboardComponents.noDataYet(request, what: "tool calls"))
        }
        let dropped = report.dropped
        let alert: HTML = dropped.isEmpty
            ? "<p id=\"throughput-summary\">No tool fell silent against its own baseline in this range.</p>"
            : "<p id=\"throughput-summary\" class=\"verdict\">\(dropped.count == 1 ? "1 tool" : "\(dropped.count) tools") stopped being called: \(HTML.join(dropped.map { HTML.text($0.tool) }, separator: ", ")).</p>"
        let times = report.buckets.map(DashboardFormat.timestamp)
        let multiples = report.tools.map { series -> HTML in
            let isDropped = series.drop.dropped
            let badge: HTML = isDropped
                ? " <span class=\"badge red\">dropped</span> <span class=\"muted\">silent since \(series.silentSince.map(DashboardFormat.timestamp) ?? "–")</span>"
                : ""
            let baseline = series.drop.baselinePerBucket.map { "baseline \(String(format: "%.1f", $0))/bucket" } ?? "no baseline yet"
            let chart = SVGChart.sparkline(
                series.counts, times: times, label: "Calls per bucket of \(series.tool)",
                dropped: isDropped, baseline: series.drop.baselinePerBucket
            )
            let dropClass: HTML = isDropped ? " dropped" : ""
            return """
            <section class="multiple\(dropClass)" data-tool="\(series.tool)">
            <h2>\(DashboardComponents.targetLink(.tool, series.tool, request))\(badge)</h2>
            <p class="muted">\(DashboardFormat.counted(series.calls, "call")), \(DashboardFormat.counted(series.errors, "error")) · \(baseline)</p>
            \(chart)
            </section>
            """
        }
        let first = report.buckets.first.map(DashboardFormat.timestamp) ?? ""
        let body: HTML = """
        \(alert)
        <p class="muted">One chart per tool, \(DashboardFormat.duration(TimeInterval(report.bucketSeconds))) buckets from \(first); the dashed line is the tool's own baseline.</p>
        <div class="multiples" id="throughput-multiples">\(multiples)</div>
        """
        return DashboardPage(title: title, body: body)
    }
}
