import Foundation
import TelltaleCore
import TelltaleStore

extension Analytics {
    /// Client release regressions: each client's newest version against its previous one, per tool.
    ///
    /// Versions are those active in the range plus a lookback of the same length before it (a release just
    /// before the range still counts). Their first-seen dates come from all stored history, so an old version
    /// that was merely quiet at the start of the lookback is not mistaken for a new one. The newest version is
    /// the one first seen last; the previous one is first seen next to last. The comparison window starts at the
    /// newest version's first-seen date, or at the lookback start if that is later: both versions are counted
    /// over `[start, to)` when the previous version still has at least 20 tool calls there; otherwise the
    /// previous version is counted over the equally long window just before `start`. A `clientVersion` filter in
    /// `q` is ignored (the point is to compare versions); a tool, prompt or resource filter narrows the
    /// comparison but not the search for versions. Clients without any tool call in the compared windows are
    /// left out.
    package func regressions(_ q: CallQuery) async throws -> RegressionReport {
        var query = q
        query.clientVersion = nil
        let length = q.to.timeIntervalSince(q.from)
        // When a version appeared does not depend on which tool is looked at: versions come from all traffic.
        var lookback = query
        lookback.from = q.from.addingTimeInterval(-length)
        lookback.tool = nil
        lookback.prompt = nil
        lookback.resource = nil
        var history = lookback
        history.from = Date(timeIntervalSince1970: 0)
        // Breakdowns rather than `clients()`: only first-seen dates are needed, not latency or session counts.
        let dimensions: Set<BreakdownDimension> = [.client, .clientVersion]
        async let allTime = store.breakdown(history, by: dimensions, bucketSeconds: nil, latency: false)
        let active = try await store.breakdown(lookback, by: dimensions, bucketSeconds: nil, latency: false)
        var firstSeen: [ClientVersion: Date] = [:]
        for row in try await allTime {
            guard let date = row.firstSeen else { continue }
            let key = ClientVersion(client: row.client, version: row.clientVersion)
            firstSeen[key] = min(firstSeen[key] ?? date, date)
        }
        var versions: [String: [(version: String, firstSeen: Date)]] = [:]
        for row in active {
            guard let name = row.client, let version = row.clientVersion, let seen = row.firstSeen else { continue }
            let first = firstSeen[ClientVersion(client: name, version: version)].map { min($0, seen) } ?? seen
            versions[name, default: []].append((version, first))
        }
        // One comparison per client, run concurrently (each is two or three rollup reads on the reader pool).
        let candidates = versions.filter { $0.value.count >= 2 }
        let comparisonQuery = query, lookbackFrom = lookback.from
        let clients = try await withThrowingTaskGroup(of: ClientRegression?.self) { group in
            for (client, seen) in candidates {
                let ordered = seen.sorted {
                    $0.firstSeen != $1.firstSeen
                        ? $0.firstSeen > $1.firstSeen : VersionOrder.isOrderedBefore($1.version, $0.version)
                }
                group.addTask {
                    let comparison = try await compare(
                        client: client, new: ordered[0], previous: ordered[1],
                        windowStart: max(ordered[0].firstSeen, lookbackFrom), query: comparisonQuery
                    )
                    return comparison.tools.isEmpty ? nil : comparison
                }
            }
            var results: [ClientRegression] = []
            for try await comparison in group {
                if let comparison { results.append(comparison) }
            }
            return results.sorted { $0.client < $1.client }
        }
        return RegressionReport(
            from: q.from, to: q.to, lookbackFrom: lookback.from, significanceLevel: Self.significanceLevel,
            minimumErrors: Self.minimumErrors, clients: clients
        )
    }

    private func compare(
        client: String, new: (version: String, firstSeen: Date), previous: (version: String, firstSeen: Date),
        windowStart: Date, query: CallQuery
    ) async throws -> ClientRegression {
        var newQuery = query
        newQuery.client = client
        newQuery.clientVersion = new.version
        newQuery.from = windowStart
        var previousQuery = newQuery
        previousQuery.clientVersion = previous.version
        async let newRows = toolRows(newQuery, by: [.method, .target], bucketSeconds: nil)
        var previousRows = try await toolRows(previousQuery, by: [.method, .target], bucketSeconds: nil)
        var window = ComparisonWindow(
            kind: .sameWindow, newFrom: newQuery.from, newTo: newQuery.to,
            previousFrom: previousQuery.from, previousTo: previousQuery.to
        )
        if previousRows.reduce(0, { $0 + $1.calls }) < ComparisonWindow.minimumPreviousCalls {
            let length = newQuery.to.timeIntervalSince(newQuery.from)
            previousQuery.to = windowStart
            previousQuery.from = windowStart.addingTimeInterval(-length)
            previousRows = try await toolRows(previousQuery, by: [.method, .target], bucketSeconds: nil)
            window.kind = .precedingWindow
            window.previousFrom = previousQuery.from
            window.previousTo = previousQuery.to
        }
        let newByTool = Dictionary(try await newRows.map { ($0.target ?? "", $0) }, uniquingKeysWith: Self.merge)
        let previousByTool = Dictionary(previousRows.map { ($0.target ?? "", $0) }, uniquingKeysWith: Self.merge)
        let tools = Set(newByTool.keys).union(previousByTool.keys).map { tool in
            let newCounts = newByTool[tool]
            let previousCounts = previousByTool[tool]
            let newCalls = newCounts?.calls ?? 0, newErrors = newCounts?.errors ?? 0
            let previousCalls = previousCounts?.calls ?? 0, previousErrors = previousCounts?.errors ?? 0
            let test = TwoProportionTest(
                errors: newErrors, calls: newCalls, baselineErrors: previousErrors, baselineCalls: previousCalls
            )
            let higher = newCalls > 0 && previousCalls > 0
                && Double(newErrors) / Double(newCalls) > Double(previousErrors) / Double(previousCalls)
            let significant = higher && newErrors >= Self.minimumErrors
                && test.map { $0.pValue < Self.significanceLevel } == true
            return ToolRegression(
                tool: tool, newCalls: newCalls, newErrors: newErrors, previousCalls: previousCalls,
                previousErrors: previousErrors, test: test, significant: significant
            )
        }.sorted(by: Self.regressionOrder)
        return ClientRegression(
            client: client, newVersion: new.version, newFirstSeen: new.firstSeen, previousVersion: previous.version,
            previousFirstSeen: previous.firstSeen, window: window, tools: tools
        )
    }

    /// Significant first, then smallest p-value (untested last), then tool name.
    private static func regressionOrder(_ a: ToolRegression, _ b: ToolRegression) -> Bool {
        if a.significant != b.significant { return a.significant }
        let pa = a.test?.pValue ?? 2, pb = b.test?.pValue ?? 2
        if pa != pb { return pa < pb }
        return a.tool < b.tool
    }

    private static func merge(_ a: BreakdownRow, _ b: BreakdownRow) -> BreakdownRow {
        var merged = a
        merged.calls += b.calls
        merged.errors += b.errors
        merged.toolErrors += b.toolErrors
        return merged
    }
}
