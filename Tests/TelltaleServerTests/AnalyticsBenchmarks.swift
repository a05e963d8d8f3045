import Foundation
import Testing
import TelltaleCore
import TelltaleStore
@testable import TelltaleServer

/// Server time of every ``Analytics`` method over a week of traffic, off by default. Run in release mode (the
/// test targets use `@testable`, hence `-enable-testing`):
/// `TELLTALE_ANALYTICS_BENCH=1 swift test -c release -Xswiftc -enable-testing --filter AnalyticsBenchmarks`
/// (`TELLTALE_ANALYTICS_BENCH_ROWS` sets the number of calls, default 1,000,000, spread over the last 7 days).
@Suite("AnalyticsBenchmarks", .enabled(if: ProcessInfo.processInfo.environment["TELLTALE_ANALYTICS_BENCH"] != nil), .serialized)
struct AnalyticsBenchmarks {
    static let tools = (0..<20).map { "tool_\($0)" }
    static let clients = [
        PeerInfo(name: "claude-code", version: "1.2.0"), PeerInfo(name: "claude-code", version: "1.3.0"),
        PeerInfo(name: "cursor", version: "0.9.1"), PeerInfo(name: "cursor", version: "1.0.0"),
        PeerInfo(name: "mcp-inspector", version: "0.4.0"), PeerInfo(name: "zed", version: "0.160.0"),
    ]
    static let server = PeerInfo(name: "bench-server", version: "1.0.0")

    /// Call `index` of `rows` over `[start, start + 7 days)`: 20 tools, 6 client versions (the two newer ones
    /// only in the last 2 days), ~2% errors, 30% on tool_3 for claude-code 1.3.0, tool_19 silent for the last
    /// 3 hours, sessions of 50 calls.
    static func call(_ index: Int, rows: Int, start: Date) -> Call {
        let week = 7 * 86_400.0
        let offset = week * Double(index) / Double(rows)
        var tool = tools[(index * 7) % tools.count]
        if tool == "tool_19", offset > week - 3 * 3600 { tool = "tool_18" }
        var client = clients[index % clients.count]
        if offset < week - 2 * 86_400, client.version == "1.3.0" || client.version == "1.0.0" {
            client = clients[index % clients.count - 1]
        }
        let hot = tool == "tool_3" && client.version == "1.3.0" && index % 10 < 3
        let outcome: CallOutcome = hot ? .toolError : (index % 50 == 0 ? .toolError : (index % 97 == 0 ? .error : .ok))
        return Call(
            id: "bench-\(index)", startedAt: start.addingTimeInterval(offset),
            durationNs: Int64(500_000 + (index * 7919) % 50_000_000), method: "tools/call", target: tool,
            outcome: outcome, session: "bench-session-\(index / 50)", client: client, server: server,
            tags: ["env": index % 2 == 0 ? "prod" : "staging"], requestBytes: 180, responseBytes: 240
        )
    }

    /// Median wall milliseconds of `runs` runs of `body`.
    static func median(runs: Int = 5, _ body: () async throws -> Void) async rethrows -> Double {
        var times: [Double] = []
        for _ in 0..<runs {
            let start = ContinuousClock.now
            try await body()
            let elapsed = ContinuousClock.now - start
            times.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
        }
        return times.sorted()[runs / 2]
    }

    @Test("every analysis over 7 days and 24 hours")
    func analysisTimes() async throws {
        let rows = Int(ProcessInfo.processInfo.environment["TELLTALE_ANALYTICS_BENCH_ROWS"] ?? "") ?? 1_000_000
        let fixture = try await ServerFixture.make()
        let project = fixture.project.id
        let now = Date()
        let start = now.addingTimeInterval(-7 * 86_400)
        let loadStart = ContinuousClock.now
        for first in stride(from: 0, to: rows, by: 10_000) {
            let batch = (first..<min(first + 10_000, rows)).map { Self.call($0, rows: rows, start: start) }
            try await fixture.store.insert(batch, project: project)
        }
        print("BENCH analytics load \(rows) calls in \(ContinuousClock.now - loadStart)")
        let analytics = Analytics(store: fixture.store)
        for (label, length) in [("7d", 7 * 86_400.0), ("24h", 86_400.0)] {
            let query = CallQuery(project: project, from: now.addingTimeInterval(-length), to: now)
            let bucket = Analytics.bucketSeconds(for: length)
            var overview: OverviewReport?
            let tOverview = try await Self.median { overview = try await analytics.overview(query, bucketSeconds: bucket) }
            var matrix: ErrorMatrixReport?
            let tMatrix = try await Self.median { matrix = try await analytics.matrix(query) }
            var throughput: ThroughputReport?
            let tThroughput = try await Self.median { throughput = try await analytics.throughput(query, bucketSeconds: bucket) }
            let tBreakdown = try await Self.median {
                _ = try await fixture.store.breakdown(query, by: [.method, .target, .bucket], bucketSeconds: bucket, latency: false)
            }
            var concentration: ConcentrationReport?
            let tConcentration = try await Self.median { concentration = try await analytics.concentration(query) }
            var regressions: RegressionReport?
            let tRegressions = try await Self.median { regressions = try await analytics.regressions(query) }
            #expect((overview?.summary.calls ?? 0) > 0)
            #expect(matrix?.rows.count == 20)
            #expect(throughput?.dropped.map(\.tool) == ["tool_19"])
            #expect((concentration?.concentration.activeSessions ?? 0) > 0)
            #expect(regressions?.clients.map(\.client).contains("claude-code") == true)
            print(String(
                format: "BENCH analytics %@ over %d calls (median of 5, ms): overview %.1f, matrix %.1f, throughput %.1f (store breakdown %.1f), concentration %.1f, regressions %.1f",
                label, rows, tOverview, tMatrix, tThroughput, tBreakdown, tConcentration, tRegressions
            ))
        }
    }
}
