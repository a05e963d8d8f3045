import Foundation
import TelltaleStore

/// `/matrix`: error rate by tool × client version; each cell shows rate and volume, colored on a scale that
/// makes one failing client release stand out, hot cells outlined.
struct MatrixPage {
    let store: any CallStore

    func render(_ request: DashboardRequest) async throws -> DashboardPage {
        let report = try await Analytics(store: store).matrix(request.query)
        let title = "Error rate by tool × client version"
        guard !report.rows.isEmpty else {
            return DashboardPage(title: title, body: DashboardComponents.noDataYet(request, what: "tool calls"))
        }
        let headers = report.columns.map { column -> HTML in
            guard let client = column.client else { return "<th scope=\"col\">\(column.label)</th>" }
            return "<th scope=\"col\"><a href=\"\(PeersPage.href(.clients, client, version: column.version, request))\">\(column.label)</a></th>"
        }
        let rows = report.rows.map { row -> HTML in
            let cells = report.columns.map { column -> HTML in
                guard let cell = row.cell(column) else { return "<td class=\"cell heat-none\">–</td>" }
                let hot: HTML = cell.hot ? " hot" : ""
                let p: String = cell.test.map { ", p = \(DashboardFormat.pValue($0.pValue))" } ?? ""
                let tip = "\(row.tool) × \(column.label): \(DashboardFormat.count(cell.errors)) errors in \(DashboardFormat.count(cell.calls)) calls (\(DashboardFormat.percent(cell.errorRate))); rest of the tool \(DashboardFormat.percent(cell.restErrorRate))\(p)"
                var extra: [(String, String)] = []
                if let client = column.client { extra.append(("client", client)) }
                if let version = column.version { extra.append(("clientVersion", version)) }
                let filter = request.filters.link("/tools/\(URLQuery.encode(row.tool))", extra)
                let hotLabel: HTML = cell.hot ? " <span class=\"badge red\">hot</span>" : ""
                return """
                <td class="cell \(HeatScale.cssClass(cell.errorRate))\(hot)" title="\(tip)"><a class="cell-link" href="\(filter)"><span class="rate">\(DashboardFormat.percent(cell.errorRate))\(hotLabel)</span><span class="volume">\(DashboardFormat.count(cell.errors))/\(DashboardFormat.count(cell.calls)) calls</span></a></td>
                """
            }
            return """
            <tr><th scope="row">\(DashboardComponents.targetLink(.tool, row.tool, request))<br><span class="muted">\(DashboardFormat.percent(row.errorRate)) of \(DashboardFormat.count(row.calls))</span></th>\(cells)</tr>
            """
        }
        let hotCells = report.rows.flatMap { row in row.cells.filter(\.hot).map { (row.tool, $0) } }
        let summary: HTML = hotCells.isEmpty
            ? "<p id=\"matrix-summary\">No cell is significantly above the rest of its tool (overall \(DashboardFormat.percent(report.errorRate)) errors in \(DashboardFormat.count(report.calls)) tool calls).</p>"
            : "<p id=\"matrix-summary\" class=\"verdict\">\(HTML.join(hotCells.map { tool, cell -> HTML in "\(tool) fails \(DashboardFormat.percent(cell.errorRate)) for \(ClientVersion(client: cell.client, version: cell.clientVersion).label) (rest of the tool: \(DashboardFormat.percent(cell.restErrorRate)))" }, separator: "; ")).</p>"
        let body: HTML = """
        \(summary)
        \(HeatScale.legend())
        <div class="panel">
        <table class="data matrix" id="error-matrix">
        <caption class="muted">Cells: error rate, then errors/calls. Hot: p &lt; \(DashboardFormat.pValue(report.hotPValue)) against the rest of the tool's traffic, at least \(report.hotMinimumErrors) errors.</caption>
        <thead><tr><th scope="col">Tool</th>\(headers)</tr></thead>
        <tbody>\(rows)</tbody>
        </table>
        </div>
        """
        return DashboardPage(title: title, body: body)
    }
}
