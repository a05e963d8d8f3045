import Foundation
import TelltaleCore
import TelltaleStore

/// The analyses behind the dashboard and the JSON API: both call these, so they never disagree.
///
/// Every method reads the store's rollup-backed aggregates (summary, timeseries, breakdown, sessions) and
/// applies the pure logic of `TelltaleCore` (significance tests, concentration, drop detection).
///
/// ```swift
/// let analytics = Analytics(store: store)
/// let matrix = try await analytics.matrix(query)
/// let hot = matrix.rows.flatMap(\.cells).filter(\.hot)
/// ```
package struct Analytics: Sendable {
    /// The store every analysis reads.
    package let store: any CallStore

    /// p-values below this are significant (hot matrix cells, client regressions).
    package static let significanceLevel = 0.01
    /// A hot cell or a regression needs at least this many errors: a significant p-value on 2 errors is a
    /// curiosity, not something to page about.
    package static let minimumErrors = 5
    /// How many sessions ``concentration(_:)`` lists.
    package static let topSessionCount = ErrorConcentration.topCount
    /// How long after a call starts its record may still be on its way: the shipper batches for up to a second
    /// and a call is shipped when it completes, so the last minute is not evidence of silence. The drop detector
    /// ignores the time after `now - ingestDelay`.
    package static let ingestDelay: TimeInterval = 60

    /// The current time (the drop detector's end of settled data).
    package var now: @Sendable () -> Date

    package init(store: any CallStore, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.now = now
    }

    /// The chart bucket for a range of `range` seconds (see ``BucketSize``).
    package static func bucketSeconds(for range: TimeInterval) -> Int {
        BucketSize.seconds(forRange: range)
    }

    /// The chart bucket for a query's range.
    package static func bucketSeconds(for query: CallQuery) -> Int {
        bucketSeconds(for: query.to.timeIntervalSince(query.from))
    }

    /// Totals and the time series of the range.
    /// - Throws: ``InvalidBucketError`` unless `bucketSeconds` is a valid bucket (see ``BucketSize/isValid(_:)``).
    package func overview(_ q: CallQuery, bucketSeconds: Int) async throws -> OverviewReport {
        guard BucketSize.isValid(bucketSeconds) else { throw InvalidBucketError(seconds: bucketSeconds) }
        async let summary = store.summary(q)
        async let series = store.timeseries(q, bucketSeconds: bucketSeconds)
        return OverviewReport(
            from: q.from, to: q.to, bucketSeconds: bucketSeconds, summary: try await summary, timeseries: try await series
        )
    }

    /// Error rate by tool × client version, with cells significantly above the rest of their tool marked hot.
    package func matrix(_ q: CallQuery) async throws -> ErrorMatrixReport {
        let rows = try await toolRows(q, by: [.method, .target, .client, .clientVersion], bucketSeconds: nil)
        var byTool: [String: [BreakdownRow]] = [:]
        for row in rows {
            byTool[row.target ?? "", default: []].append(row)
        }
        let columns = Set(rows.map { ClientVersion(client: $0.client, version: $0.clientVersion) }).sorted()
        let order = Dictionary(uniqueKeysWithValues: columns.enumerated().map { ($1, $0) })
        var matrixRows: [ErrorMatrixRow] = []
        for (tool, cells) in byTool {
            let calls = cells.reduce(0) { $0 + $1.calls }
            let errors = cells.reduce(0) { $0 + $1.errors }
            let built = cells.map { cell in
                let restCalls = calls - cell.calls
                let restErrors = errors - cell.errors
                let test = TwoProportionTest(
                    errors: cell.errors, calls: cell.calls, baselineErrors: restErrors, baselineCalls: restCalls
                )
                let hot = test.map { $0.pValue < Self.significanceLevel } == true && cell.errors >= Self.minimumErrors
                return ErrorMatrixCell(
                    client: cell.client, clientVersion: cell.clientVersion, calls: cell.calls, errors: cell.errors,
                    restCalls: restCalls, restErrors: restErrors, test: test, hot: hot
                )
            }.sorted {
                order[ClientVersion(client: $0.client, version: $0.clientVersion)] ?? 0
                    < order[ClientVersion(client: $1.client, version: $1.clientVersion)] ?? 0
            }
            matrixRows.append(ErrorMatrixRow(tool: tool, calls: calls, errors: errors, cells: built))
        }
        matrixRows.sort { ($0.calls, $1.tool) > ($1.calls, $0.tool) }
        return ErrorMatrixReport(
            from: q.from, to: q.to, columns: columns, rows: matrixRows,
            calls: matrixRows.reduce(0) { $0 + $1.calls }, errors: matrixRows.reduce(0) { $0 + $1.errors },
            hotPValue: Self.significanceLevel, hotMinimumErrors: Self.minimumErrors
        )
    }

    /// Calls per tool per bucket, with tools that fell silent against their baseline flagged.
    /// - Throws: ``InvalidBucketError`` unless `bucketSeconds` is a valid bucket (see ``BucketSize/isValid(_:)``).
    package func throughput(_ q: CallQuery, bucketSeconds: Int) async throws -> ThroughputReport {
        guard BucketSize.isValid(bucketSeconds) else { throw InvalidBucketError(seconds: bucketSeconds) }
        let rows = try await toolRows(q, by: [.method, .target, .bucket], bucketSeconds: bucketSeconds)
        let starts = BucketSize.starts(from: q.from, to: q.to, seconds: bucketSeconds)
        // Buckets count for the drop detector only as far as their data has settled.
        let settled = max(q.from, min(q.to, now().addingTimeInterval(-Self.ingestDelay)))
        let coverage = ThroughputDrop.coverage(bucketStarts: starts, bucketSeconds: bucketSeconds, from: q.from, to: settled)
        let first = starts.first?.timeIntervalSince1970 ?? 0
        var toolIndex: [String: Int] = [:]
        var names: [String] = []
        var counts: [[Int]] = []
        var errors: [Int] = []
        for row in rows {
            guard let bucket = row.bucket else { continue }
            let index = Int(((bucket.timeIntervalSince1970 - first) / Double(bucketSeconds)).rounded(.down))
            guard starts.indices.contains(index) else { continue }
            let tool = row.target ?? ""
            let position: Int
            if let known = toolIndex[tool] {
                position = known
            } else {
                position = names.count
                toolIndex[tool] = position
                names.append(tool)
                counts.append(Array(repeating: 0, count: starts.count))
                errors.append(0)
            }
            counts[position][index] += row.calls
            errors[position] += row.errors
        }
        let tools = names.indices.map { position in
            let drop = ThroughputDrop(counts: counts[position], coverage: coverage)
            return ThroughputSeries(
                tool: names[position], calls: counts[position].reduce(0, +), errors: errors[position],
                counts: counts[position], drop: drop, silentSince: drop.silentSinceIndex.map { starts[$0] }
            )
        }.sorted { ($0.calls, $1.tool) > ($1.calls, $0.tool) }
        return ThroughputReport(
            from: q.from, to: q.to, bucketSeconds: bucketSeconds, buckets: starts, tools: tools, settledUntil: settled
        )
    }

    /// Share of errors held by the top 5% and top 10 sessions, the verdict, and the sessions with most errors.
    package func concentration(_ q: CallQuery) async throws -> ConcentrationReport {
        async let counts = store.sessionErrorCounts(q)
        async let top = store.sessions(q, order: .errors, limit: Self.topSessionCount)
        let errorCounts = try await counts
        let concentration = ErrorConcentration(
            activeSessions: errorCounts.sessions, errorsPerSession: errorCounts.errorsPerSession
        )
        return ConcentrationReport(
            from: q.from, to: q.to, calls: errorCounts.calls, concentration: concentration,
            topSessions: try await top.filter { $0.errors > 0 }
        )
    }

    /// `tools/call` rows of a breakdown (the method dimension must be among `dimensions`).
    func toolRows(_ q: CallQuery, by dimensions: Set<BreakdownDimension>, bucketSeconds: Int?) async throws -> [BreakdownRow] {
        try await store.breakdown(q, by: dimensions, bucketSeconds: bucketSeconds, latency: false)
            .filter { $0.method == TargetKind.tool.method }
    }
}
