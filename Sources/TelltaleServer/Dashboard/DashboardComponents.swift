import Foundation
import TelltaleStore

/// Pieces several pages share: summary cards, the three time-series panels, empty states, table columns.
enum DashboardComponents {
    /// Cards for calls, error rate, sessions and p50/p95/p99.
    static func summaryCards(_ stats: SummaryStats) -> HTML {
        let cards: [(String, String, String)] = [
            ("card-calls", "Calls", DashboardFormat.count(stats.calls)),
            ("card-error-rate", "Error rate", DashboardFormat.percent(stats.errorRate)),
            ("card-sessions", "Sessions", DashboardFormat.count(stats.sessions)),
            ("card-p50", "P50", DashboardFormat.milliseconds(stats.latency.p50Ms)),
            ("card-p95", "P95", DashboardFormat.milliseconds(stats.latency.p95Ms)),
            ("card-p99", "P99", DashboardFormat.milliseconds(stats.latency.p99Ms)),
        ]
        let items = cards.map { id, label, value -> HTML in
            "<div class=\"card\" id=\"\(id)\"><div class=\"label\">\(label)</div><div class=\"value\">\(value)</div></div>"
        }
        return "<section class=\"cards\" aria-label=\"Summary\">\(items)</section>"
    }

    /// The outcomes that count as errors, in stacking order, with their labels.
    static let errorOutcomes: [(name: String, label: String)] = [
        ("toolError", "tool error"), ("error", "JSON-RPC error"), ("cancelled", "cancelled"), ("noResponse", "no response"),
    ]

    /// Calls over time, errors stacked by outcome, and p95 over time.
    static func timeseriesPanels(_ buckets: [TimeBucketStats], bucketSeconds: Int) -> HTML {
        let chart = SVGChart(bucketSeconds: bucketSeconds)
        let calls = chart.line(
            buckets.map { .init(start: $0.start, value: Double($0.calls)) }, label: "Calls", area: true, integer: true,
            format: { DashboardFormat.count(Int($0.rounded())) }
        )
        let errors = chart.stackedBars(buckets.map { bucket in
            .init(start: bucket.start, segments: errorOutcomes.map { ($0.name, $0.label, bucket.outcomes[$0.name] ?? 0) })
        }, label: "Errors by outcome")
        let p95 = chart.line(
            buckets.map { .init(start: $0.start, value: $0.p95Ms) }, label: "P95 latency", cssClass: "p95",
            format: DashboardFormat.milliseconds
        )
        let key = errorOutcomes.map { outcome -> HTML in "<span><i class=\"o-\(outcome.name)\"></i>\(outcome.label)</span>" }
        let bucket = DashboardFormat.duration(TimeInterval(bucketSeconds))
        return """
        <div class="grid2">
        <section class="panel" id="chart-calls"><h2>Calls over time</h2><p class="muted">Requests per \(bucket).</p>\(calls)</section>
        <section class="panel" id="chart-errors"><h2>Errors by outcome</h2><p class="muted">Failed requests per \(bucket).</p>\(errors)<div class="key">\(key)</div></section>
        <section class="panel" id="chart-p95"><h2>P95 latency over time</h2><p class="muted">95th percentile per \(bucket).</p>\(p95)</section>
        </div>
        """
    }

    /// What to do when there is no data: the `telltale run` line for this server.
    static func noDataYet(_ request: DashboardRequest, what: String) -> HTML {
        let filtered = request.filters.hasDimensionFilters
        let hint: HTML = filtered
            ? "<p>Filters are set: <a href=\"\(URLQuery.build(request.path, request.filters.range.map { [("range", $0)] } ?? []))\">clear them</a> or widen the range.</p>"
            : "<p>Try a longer range (<a href=\"\(request.filters.with(range: "7d").link(request.path))\">last 7 days</a>), or send traffic by wrapping your MCP server:</p>"
        return """
        <div class="empty" id="empty-state">
        <p><strong>No \(what) in this range.</strong></p>
        \(hint)
        <pre class="code">telltale run --endpoint \(request.baseURL) --api-key &lt;ingest key&gt; -- your-mcp-server --its-args</pre>
        <p class="muted">Make an ingest key with <code>telltale keys create --scope ingest</code>. Calls appear here within seconds.</p>
        </div>
        """
    }

    /// A link to a tool / prompt / resource detail page, keeping filters.
    static func targetLink(_ kind: TargetKind, _ name: String, _ request: DashboardRequest) -> HTML {
        "<a href=\"\(targetHref(kind, name, request))\">\(name)</a>"
    }

    static func targetHref(_ kind: TargetKind, _ name: String, _ request: DashboardRequest) -> String {
        switch kind {
        case .tool: request.filters.link("/tools/\(URLQuery.encode(name))")
        case .prompt: request.filters.link("/prompts/\(URLQuery.encode(name))")
        case .resource: request.filters.link("/resources/detail", [("uri", name)])
        }
    }

    /// Requests, Errors, Error rate, P50, P95, P99 columns for any row type.
    static func statColumns<Row>(
        calls: @escaping (Row) -> Int, errors: @escaping (Row) -> Int, rate: @escaping (Row) -> Double,
        p50: @escaping (Row) -> Double?, p95: @escaping (Row) -> Double?, p99: @escaping (Row) -> Double?
    ) -> [SortableTable<Row>.Column] {
        func latency(_ key: String, _ label: String, _ value: @escaping (Row) -> Double?) -> SortableTable<Row>.Column {
            .init(key: key, label: label, numeric: true, sortKey: { value($0).map { .number($0) } ?? .missing },
                  cell: { HTML.text(DashboardFormat.milliseconds(value($0))) })
        }
        return [
            .init(key: "requests", label: "Requests", numeric: true, sortKey: { .number(Double(calls($0))) },
                  cell: { HTML.text(DashboardFormat.count(calls($0))) }),
            .init(key: "errors", label: "Errors", numeric: true, sortKey: { .number(Double(errors($0))) },
                  cell: { HTML.text(DashboardFormat.count(errors($0))) }),
            .init(key: "errorRate", label: "Error rate", numeric: true, sortKey: { .number(rate($0)) },
                  cell: { HTML.text(DashboardFormat.percent(rate($0))) }),
            latency("p50", "P50", p50), latency("p95", "P95", p95), latency("p99", "P99", p99),
        ]
    }

    /// A "Last used/seen" column.
    static func lastSeenColumn<Row>(_ label: String, now: Date, _ value: @escaping (Row) -> Date?) -> SortableTable<Row>.Column {
        .init(key: "lastSeen", label: label, numeric: true, sortKey: { value($0).map { .number($0.timeIntervalSince1970) } ?? .missing },
              cell: { row in
                  guard let date = value(row) else { return "–" }
                  return "<time datetime=\"\(RFC3339Text.string(date))\" title=\"\(DashboardFormat.timestamp(date))\">\(DashboardFormat.ago(date, now: now))</time>"
              })
    }
}
