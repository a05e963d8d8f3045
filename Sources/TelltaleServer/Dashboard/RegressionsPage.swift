import Foundation
import TelltaleStore

/// `/regressions`: for every client with a new release, each tool's error rate under the new and the previous
/// version, the p-value of a one-sided two-proportion test, and a verdict.
struct RegressionsPage {
    let store: any CallStore

    func render(_ request: DashboardRequest) async throws -> DashboardPage {
        let report = try await Analytics(store: store).regressions(request.query)
        let title = "Client release regressions"
        guard !report.clients.isEmpty else {
            let body: HTML = """
            <div class="empty" id="empty-state">
            <p><strong>No client released a new version in this range.</strong></p>
            <p>When a client (say claude-code 1.3 after 1.2) shows up with a new version, its error rate per tool is
            compared here with the previous version's over comparable traffic. Try a longer range
            (<a href="\(request.filters.with(range: "7d").link("/regressions"))">last 7 days</a>).</p>
            </div>
            """
            return DashboardPage(title: title, body: body)
        }
        let significant = report.significant
        let summary: HTML = significant.isEmpty
            ? "<p class=\"verdict\" id=\"regressions-summary\">No significant regression: new client versions fail no more than their predecessors.</p>"
            : "<p class=\"verdict\" id=\"regressions-summary\">\(HTML.join(significant.map { client, tool -> HTML in "\(client.client) \(client.newVersion) regressed on \(tool.tool): \(DashboardFormat.percent(tool.newErrorRate)) vs \(DashboardFormat.percent(tool.previousErrorRate)) in \(client.previousVersion)" }, separator: "; ")).</p>"
        let sections = report.clients.map { client in section(client, report, request) }
        let body: HTML = """
        \(summary)
        <p class="muted">Significant: one-sided test p &lt; \(DashboardFormat.pValue(report.significanceLevel)) and at least \(report.minimumErrors) errors under the new version.</p>
        \(sections)
        """
        return DashboardPage(title: title, body: body)
    }

    private func section(_ client: ClientRegression, _ report: RegressionReport, _ request: DashboardRequest) -> HTML {
        let window = client.window
        let how = window.kind == .sameWindow
            ? "both versions over the same window since \(DashboardFormat.timestamp(window.newFrom))"
            : "the new version since \(DashboardFormat.timestamp(window.newFrom)), the previous one over the equally long window before it"
        let rows = client.tools.map { tool -> HTML in
            let verdict: HTML
            if tool.significant {
                verdict = "<span class=\"badge red\">regression</span>"
            } else if tool.test == nil {
                verdict = "<span class=\"badge gray\">not comparable</span>"
            } else if tool.newErrorRate > tool.previousErrorRate {
                verdict = "<span class=\"badge amber\">higher, not significant</span>"
            } else {
                verdict = "<span class=\"badge green\">no regression</span>"
            }
            return """
            <tr>
            <td>\(DashboardComponents.targetLink(.tool, tool.tool, request))</td>
            <td class="num">\(DashboardFormat.percent(tool.newErrorRate)) <span class="muted">(\(DashboardFormat.count(tool.newErrors))/\(DashboardFormat.count(tool.newCalls)))</span></td>
            <td class="num">\(DashboardFormat.percent(tool.previousErrorRate)) <span class="muted">(\(DashboardFormat.count(tool.previousErrors))/\(DashboardFormat.count(tool.previousCalls)))</span></td>
            <td class="num">\(tool.test.map { DashboardFormat.pValue($0.pValue) } ?? "–")</td>
            <td>\(verdict)</td>
            </tr>
            """
        }
        let badge: HTML = client.regressed ? " <span class=\"badge red\">regressed</span>" : " <span class=\"badge green\">ok</span>"
        return """
        <section class="panel" data-client="\(client.client)">
        <h2>\(client.client) \(client.newVersion) vs \(client.previousVersion)\(badge)</h2>
        <p class="muted">\(client.newVersion) first seen \(DashboardFormat.timestamp(client.newFirstSeen)); compared \(how).</p>
        <table class="data">
        <thead><tr><th scope="col">Tool</th><th scope="col" class="num">\(client.newVersion) error rate</th>
        <th scope="col" class="num">\(client.previousVersion) error rate</th><th scope="col" class="num">p-value</th><th scope="col">Verdict</th></tr></thead>
        <tbody>\(rows)</tbody>
        </table>
        </section>
        """
    }
}
