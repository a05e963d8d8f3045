import Foundation
import Testing
import TelltaleCore
import TelltaleStore
@testable import TelltaleServer

@Suite struct RegressionAPITests {
    typealias Data = AnalyticsTestData
    static let hour = 3600.0

    /// Range [0, 4 h), lookback [−4 h, 0).
    /// - claude-code 1.2.0 from −3 h; 1.3.0 appears at 1 h. In [1 h, 4 h) 1.3.0 fails 15 of 30 `search` calls,
    ///   1.2.0 1 of 60; `fetch` 20 calls each, no errors → same window.
    /// - cursor 0.9.1 from −2 h until 0.5 h; 1.0.0 appears at 2 h and fails 12 of 40 `search` calls; 0.9.1 has no call
    ///   in [2 h, 4 h) → compared with [0, 2 h), where it failed 2 of 50.
    /// - solo has a single version: not compared.
    static func calls() -> [Call] {
        let solo = PeerInfo(name: "solo", version: "1.0")
        return Data.toolCalls("c12-old", tool: "search", count: 10, start: -3 * hour, client: Data.claude12)
            + Data.toolCalls("c13-s", tool: "search", count: 30, errors: 15, start: hour, client: Data.claude13)
            + Data.toolCalls("c12-s", tool: "search", count: 60, errors: 1, start: 1.5 * hour, client: Data.claude12)
            + Data.toolCalls("c13-f", tool: "fetch", count: 20, start: 2 * hour, client: Data.claude13)
            + Data.toolCalls("c12-f", tool: "fetch", count: 20, start: 2.5 * hour, client: Data.claude12)
            + Data.toolCalls("cu091-old", tool: "search", count: 10, start: -2 * hour, client: Data.cursor091)
            + Data.toolCalls("cu091", tool: "search", count: 50, errors: 2, start: 0.5 * hour, client: Data.cursor091)
            + Data.toolCalls("cu100", tool: "search", count: 40, errors: 12, start: 2 * hour, client: Data.cursor100)
            + Data.toolCalls("solo", tool: "search", count: 40, errors: 40, start: 3 * hour, client: solo)
    }

    @Test func newVersionsComparedWithTheirPredecessors() async throws {
        let fixture = try await Data.fixture(Self.calls())
        try await fixture.withClient { client in
            let report = try await Data.report(
                RegressionReport.self, client, "/api/v1/regressions?\(Data.range(0, 4 * Self.hour))", key: fixture.readKey
            )
            #expect(report.lookbackFrom == Data.at(-4 * Self.hour))
            #expect(report.significanceLevel == 0.01 && report.minimumErrors == 5)
            #expect(report.clients.map(\.client) == ["claude-code", "cursor"])

            let claude = report.clients[0]
            #expect(claude.newVersion == "1.3.0" && claude.previousVersion == "1.2.0")
            #expect(claude.newFirstSeen == Data.at(Self.hour))
            #expect(claude.previousFirstSeen == Data.at(-3 * Self.hour))
            #expect(claude.window == ComparisonWindow(
                kind: .sameWindow, newFrom: Data.at(Self.hour), newTo: Data.at(4 * Self.hour),
                previousFrom: Data.at(Self.hour), previousTo: Data.at(4 * Self.hour)
            ))
            #expect(claude.regressed)
            #expect(claude.tools.map(\.tool) == ["search", "fetch"])
            let search = claude.tools[0]
            #expect(search.newCalls == 30 && search.newErrors == 15 && search.newErrorRate == 0.5)
            #expect(search.previousCalls == 60 && search.previousErrors == 1)
            #expect(search.significant)
            // Expected errors 30 × 16 / 90 ≈ 5.3 ≥ 5 → z-test. SciPy: norm.sf(5.653643288396644).
            #expect(search.test?.method == .zTest)
            #expect(abs((search.test?.z ?? 0) - 5.653643288396644) < 1e-9)
            #expect(abs((search.test?.pValue ?? 1) - 7.854102108811151e-09) < 1e-15)
            let fetch = claude.tools[1]
            #expect(fetch.newCalls == 20 && fetch.previousCalls == 20 && !fetch.significant && fetch.test?.pValue == 1)

            let cursor = report.clients[1]
            #expect(cursor.newVersion == "1.0.0" && cursor.previousVersion == "0.9.1")
            #expect(cursor.window == ComparisonWindow(
                kind: .precedingWindow, newFrom: Data.at(2 * Self.hour), newTo: Data.at(4 * Self.hour),
                previousFrom: Data.at(0), previousTo: Data.at(2 * Self.hour)
            ))
            let cursorSearch = try #require(cursor.tools.first)
            #expect(cursorSearch.newCalls == 40 && cursorSearch.newErrors == 12)
            #expect(cursorSearch.previousCalls == 50 && cursorSearch.previousErrors == 2)
            // Expected counts ≥ 5 everywhere → z-test. SciPy: norm.sf(3.3817288811440678).
            #expect(cursorSearch.test?.method == .zTest)
            #expect(abs((cursorSearch.test?.z ?? 0) - 3.3817288811440678) < 1e-9)
            #expect(abs((cursorSearch.test?.pValue ?? 1) - 0.0003601559904200492) < 1e-12)
            #expect(cursorSearch.significant && cursor.regressed)
        }
    }

    @Test func filtersAndVersionFilterIgnored() async throws {
        let fixture = try await Data.fixture(Self.calls())
        try await fixture.withClient { client in
            let range = Data.range(0, 4 * Self.hour)
            let all = try await Data.report(RegressionReport.self, client, "/api/v1/regressions?\(range)", key: fixture.readKey)
            let versioned = try await Data.report(
                RegressionReport.self, client, "/api/v1/regressions?\(range)&clientVersion=1.2.0", key: fixture.readKey
            )
            #expect(versioned == all)
            let fetch = try await Data.report(
                RegressionReport.self, client, "/api/v1/regressions?\(range)&tool=fetch", key: fixture.readKey
            )
            #expect(fetch.clients.map(\.client) == ["claude-code"])
            #expect(fetch.clients.first?.tools.map(\.tool) == ["fetch"])
            #expect(fetch.clients.first?.regressed == false)
            let cursor = try await Data.report(
                RegressionReport.self, client, "/api/v1/regressions?\(range)&client=cursor", key: fixture.readKey
            )
            #expect(cursor.clients.map(\.client) == ["cursor"])
        }
    }

    /// zed 1.0.0 first appeared at −10 h (before the lookback) and is quiet until 1 h; zed 1.1.0 appears at
    /// −3.5 h. vim 1.0 and 2.0 both appeared long before the lookback (−20 h, −15 h).
    static func historyCalls() -> [Call] {
        let zed10 = PeerInfo(name: "zed", version: "1.0.0"), zed11 = PeerInfo(name: "zed", version: "1.1.0")
        let vim1 = PeerInfo(name: "vim", version: "1.0"), vim2 = PeerInfo(name: "vim", version: "2.0")
        return Data.toolCalls("z10-old", tool: "search", count: 10, start: -10 * hour, client: zed10)
            + Data.toolCalls("z10", tool: "search", count: 30, start: hour, client: zed10)
            + Data.toolCalls("z11-early", tool: "search", count: 40, start: -3.5 * hour, client: zed11)
            + Data.toolCalls("z11", tool: "search", count: 30, errors: 10, start: 2 * hour, client: zed11)
            + Data.toolCalls("v1-old", tool: "search", count: 5, start: -20 * hour, client: vim1)
            + Data.toolCalls("v2-old", tool: "search", count: 5, start: -15 * hour, client: vim2)
            + Data.toolCalls("v1", tool: "search", count: 25, start: hour, client: vim1)
            + Data.toolCalls("v2", tool: "search", count: 25, errors: 5, start: 2 * hour, client: vim2)
    }

    @Test func firstSeenComesFromAllHistoryAndTheWindowStartsNoEarlierThanTheLookback() async throws {
        let fixture = try await Data.fixture(Self.historyCalls())
        try await fixture.withClient { client in
            let report = try await Data.report(
                RegressionReport.self, client, "/api/v1/regressions?\(Data.range(0, 4 * Self.hour))", key: fixture.readKey
            )
            #expect(report.clients.map(\.client) == ["vim", "zed"])
            let zed = report.clients[1]
            // Quiet in the lookback's first hours, 1.0.0 is still the older version.
            #expect(zed.newVersion == "1.1.0" && zed.previousVersion == "1.0.0")
            #expect(zed.newFirstSeen == Data.at(-3.5 * Self.hour))
            #expect(zed.previousFirstSeen == Data.at(-10 * Self.hour))
            #expect(zed.window.kind == .sameWindow)
            #expect(zed.window.newFrom == Data.at(-3.5 * Self.hour))
            let zedSearch = try #require(zed.tools.first)
            #expect(zedSearch.newCalls == 70 && zedSearch.newErrors == 10)
            #expect(zedSearch.previousCalls == 30 && zedSearch.previousErrors == 0)

            let vim = report.clients[0]
            #expect(vim.newVersion == "2.0" && vim.newFirstSeen == Data.at(-15 * Self.hour))
            #expect(vim.window == ComparisonWindow(
                kind: .sameWindow, newFrom: Data.at(-4 * Self.hour), newTo: Data.at(4 * Self.hour),
                previousFrom: Data.at(-4 * Self.hour), previousTo: Data.at(4 * Self.hour)
            ))
            #expect(vim.tools.first?.newCalls == 25 && vim.tools.first?.previousCalls == 25)
        }
    }

    @Test func emptyRangeHasNoComparison() async throws {
        let fixture = try await Data.fixture(Self.calls())
        try await fixture.withClient { client in
            let report = try await Data.report(
                RegressionReport.self, client, "/api/v1/regressions?\(Data.range(-30 * Self.hour, -20 * Self.hour))",
                key: fixture.readKey
            )
            #expect(report.clients.isEmpty)
        }
    }
}
